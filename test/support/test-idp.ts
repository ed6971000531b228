// Stand-in OpenID providers for issuer tests: one HTTP server, one issuer per path prefix, each with
// a discovery document and a JWKS that a test can rotate. Every request is counted per issuer, so a
// test can prove which issuers (and which key URLs) the gateway contacted.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toPublicJwk, type Jwk } from '@praesidium/keys';

export interface TestIssuer {
  readonly issuer: string;
  readonly jwksUrl: string;
  /** The issuer's private signing keys; the JWKS publishes their public halves. */
  keys: Jwk[];
  /** What the discovery document claims as `issuer` (the real one unless a test lies). */
  discoveredIssuer: string;
  readonly hits: string[];
}

export interface TestIdp {
  readonly baseUrl: string;
  /** Requests to paths no issuer owns (e.g. a `jku` an attacker put in a header). */
  readonly strayHits: string[];
  add(name: string, keys: Jwk[]): TestIssuer;
  close(): Promise<void>;
}

export async function startTestIdp(): Promise<TestIdp> {
  const issuers = new Map<string, TestIssuer>();
  const strayHits: string[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = request.url ?? '/';
      const owner = [...issuers.entries()].find(([name]) => url.startsWith(`/${name}/`));
      if (!owner) {
        strayHits.push(url);
        response.statusCode = 404;
        response.end();
        return;
      }
      const [name, issuer] = owner;
      issuer.hits.push(url.slice(name.length + 1));
      response.setHeader('content-type', 'application/json');
      if (url.endsWith('/.well-known/openid-configuration')) {
        response.end(JSON.stringify({ issuer: issuer.discoveredIssuer, jwks_uri: issuer.jwksUrl }));
      } else if (url.endsWith('/protocol/openid-connect/certs')) {
        response.end(JSON.stringify({ keys: await Promise.all(issuer.keys.map((key) => toPublicJwk(key))) }));
      } else {
        response.statusCode = 404;
        response.end('{}');
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    strayHits,
    add(name, keys) {
      const issuer = `${baseUrl}/${name}`;
      const entry: TestIssuer = {
        issuer,
        jwksUrl: `${issuer}/protocol/openid-connect/certs`,
        keys,
        discoveredIssuer: issuer,
        hits: [],
      };
      issuers.set(name, entry);
      return entry;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
