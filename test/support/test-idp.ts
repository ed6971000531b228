// Stand-in OpenID providers for issuer tests: one HTTP server, one issuer per path prefix, each with
// a discovery document and a JWKS that a test can rotate. Every request is counted per issuer, so a
// test can prove which issuers (and which key URLs) the gateway contacted. An issuer given a `signIn`
// also serves the authorization code flow with PKCE (S256 only), signing in its one user at once.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signJwt, toPublicJwk, type Jwk } from '@praesidium/keys';

/** The authorization server side of a test issuer: one client, one user who is signed in at once. */
export interface TestSignIn {
  readonly clientId: string;
  readonly redirectUri: string;
  /** The `aud` of the access tokens (the API's audience). */
  readonly audience: string;
  /** Claims of the signed-in user (sub, name, roles, …), put in both tokens. */
  readonly user: Record<string, unknown>;
  /** What the token endpoint saw: to prove PKCE was used. */
  readonly tokenRequests: { codeVerifier: string | null; grantType: string | null }[];
}

interface PendingCode {
  readonly challenge: string;
  readonly nonce: string | null;
  readonly redirectUri: string;
}

export interface TestIssuer {
  readonly issuer: string;
  readonly jwksUrl: string;
  /** The issuer's private signing keys; the JWKS publishes their public halves. */
  keys: Jwk[];
  /** What the discovery document claims as `issuer` (the real one unless a test lies). */
  discoveredIssuer: string;
  readonly hits: string[];
  signIn?: TestSignIn;
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
  const codes = new Map<string, PendingCode>();
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
      const route = new URL(url, baseUrl).pathname.slice(name.length + 1);
      if (issuer.signIn && route === '/authorize') {
        authorize(issuer.signIn, new URL(url, baseUrl), codes, response);
      } else if (issuer.signIn && route === '/token') {
        await token(issuer, issuer.signIn, await formOf(request), codes, response);
      } else if (url.endsWith('/.well-known/openid-configuration')) {
        response.end(
          JSON.stringify({
            issuer: issuer.discoveredIssuer,
            jwks_uri: issuer.jwksUrl,
            ...(issuer.signIn
              ? {
                  authorization_endpoint: `${issuer.issuer}/authorize`,
                  token_endpoint: `${issuer.issuer}/token`,
                  response_types_supported: ['code'],
                  grant_types_supported: ['authorization_code'],
                  code_challenge_methods_supported: ['S256'],
                  id_token_signing_alg_values_supported: ['ES256'],
                  subject_types_supported: ['public'],
                  token_endpoint_auth_methods_supported: ['none'],
                }
              : {}),
          }),
        );
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

/** Signs the user in at once: back to the client with a code bound to the PKCE challenge. */
function authorize(
  signIn: TestSignIn,
  url: URL,
  codes: Map<string, PendingCode>,
  response: ServerResponse,
): void {
  const query = url.searchParams;
  const redirectUri = query.get('redirect_uri');
  const challenge = query.get('code_challenge');
  if (
    query.get('client_id') !== signIn.clientId ||
    redirectUri !== signIn.redirectUri ||
    query.get('response_type') !== 'code' ||
    query.get('code_challenge_method') !== 'S256' ||
    !challenge
  ) {
    response.statusCode = 400;
    response.end(JSON.stringify({ error: 'invalid_request' }));
    return;
  }
  const code = randomBytes(16).toString('base64url');
  codes.set(code, { challenge, nonce: query.get('nonce'), redirectUri });
  const back = new URL(redirectUri);
  back.searchParams.set('code', code);
  const state = query.get('state');
  if (state) back.searchParams.set('state', state);
  response.statusCode = 302;
  response.setHeader('location', back.href);
  response.end();
}

/** The code exchange: the verifier must hash to the challenge (RFC 7636 4.6), the code is used once. */
async function token(
  issuer: TestIssuer,
  signIn: TestSignIn,
  form: URLSearchParams,
  codes: Map<string, PendingCode>,
  response: ServerResponse,
): Promise<void> {
  const verifier = form.get('code_verifier');
  signIn.tokenRequests.push({ codeVerifier: verifier, grantType: form.get('grant_type') });
  const pending = codes.get(form.get('code') ?? '');
  codes.delete(form.get('code') ?? '');
  const challenge = verifier ? createHash('sha256').update(verifier).digest('base64url') : undefined;
  if (
    !pending ||
    form.get('grant_type') !== 'authorization_code' ||
    form.get('client_id') !== signIn.clientId ||
    form.get('redirect_uri') !== pending.redirectUri ||
    challenge !== pending.challenge
  ) {
    response.statusCode = 400;
    response.end(JSON.stringify({ error: 'invalid_grant' }));
    return;
  }
  const now = Math.floor(Date.now() / 1000);
  const key = issuer.keys[0];
  const common = { iss: issuer.issuer, iat: now, nbf: now, exp: now + 600, ...signIn.user };
  response.setHeader('cache-control', 'no-store');
  response.end(
    JSON.stringify({
      token_type: 'Bearer',
      expires_in: 600,
      access_token: await signJwt(key, { ...common, aud: signIn.audience, jti: randomUUID() }),
      id_token: await signJwt(key, {
        ...common,
        aud: signIn.clientId,
        ...(pending.nonce ? { nonce: pending.nonce } : {}),
      }),
    }),
  );
}

async function formOf(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
