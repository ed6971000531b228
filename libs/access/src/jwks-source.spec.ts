import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKey, toPublicJwk, type Jwk } from '@praesidium/keys';
import { DiscoveryJwksSource, RemoteJwksSource } from './jwks-source.js';

/** A real HTTP server playing an IdP; every request is recorded. */
interface FakeIdp {
  readonly base: string;
  readonly hits: string[];
  discovery: Record<string, unknown> | undefined;
  jwks: { keys: Jwk[] };
  /** Status of the next answers (e.g. 500 for an outage, 302 for a redirect). */
  status: number;
}

let server: Server;
let idp: FakeIdp;

beforeAll(async () => {
  idp = { base: '', hits: [], discovery: undefined, jwks: { keys: [] }, status: 200 };
  server = createServer((request, response) => {
    idp.hits.push(request.url ?? '');
    response.statusCode = idp.status;
    if (idp.status === 302) response.setHeader('location', `${idp.base}/elsewhere/jwks`);
    if (request.url?.endsWith('/.well-known/openid-configuration'))
      response.end(JSON.stringify(idp.discovery));
    else response.end(JSON.stringify(idp.jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (idp as { base: string }).base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(async () => {
  idp.hits.length = 0;
  idp.status = 200;
  idp.jwks = { keys: [await toPublicJwk(await generateKey('sign', 'k1'))] };
  idp.discovery = { issuer: `${idp.base}/realms/h`, jwks_uri: `${idp.base}/realms/h/certs` };
});

describe('DiscoveryJwksSource', () => {
  it('finds the keys through the discovery document, once, and rediscovers on refresh', async () => {
    const source = new DiscoveryJwksSource(`${idp.base}/realms/h`, 0);
    expect([...(await source.current()).kids]).toEqual(['k1']);
    await source.current();
    expect(idp.hits).toEqual(['/realms/h/.well-known/openid-configuration', '/realms/h/certs']);
    idp.jwks = { keys: [await toPublicJwk(await generateKey('sign', 'k2'))] };
    expect([...(await source.refresh()).kids]).toEqual(['k2']);
    expect(idp.hits).toHaveLength(4);
  });

  it('refetches at most once per minimum interval, however many unknown kids arrive', async () => {
    const source = new DiscoveryJwksSource(`${idp.base}/realms/h`, 60_000);
    await source.current();
    await Promise.all([source.refresh(), source.refresh(), source.refresh()]);
    await source.refresh();
    expect(idp.hits).toHaveLength(2);
  });

  it('refuses a discovery document that names another issuer, without fetching its keys', async () => {
    idp.discovery = { issuer: `${idp.base}/realms/other`, jwks_uri: `${idp.base}/realms/h/certs` };
    const source = new DiscoveryJwksSource(`${idp.base}/realms/h`, 0);
    await expect(source.current()).rejects.toMatchObject({ code: 'token.discovery_invalid' });
    expect(idp.hits).toEqual(['/realms/h/.well-known/openid-configuration']);
  });

  it('does not follow a redirect, and does not cache an outage', async () => {
    idp.status = 302;
    const source = new DiscoveryJwksSource(`${idp.base}/realms/h`, 60_000);
    await expect(source.current()).rejects.toMatchObject({ code: 'token.keys_unavailable' });
    expect(idp.hits).toEqual(['/realms/h/.well-known/openid-configuration']);
    idp.status = 200;
    expect([...(await source.current()).kids]).toEqual(['k1']);
  });
});

describe('RemoteJwksSource', () => {
  it('refetches on an unknown kid at most once per minimum interval', async () => {
    const source = new RemoteJwksSource(`${idp.base}/certs`, 60_000);
    await source.current();
    await source.refresh();
    await source.refresh();
    expect(idp.hits).toEqual(['/certs']);
    const eager = new RemoteJwksSource(`${idp.base}/certs`, 0);
    await eager.current();
    await eager.refresh();
    expect(idp.hits).toEqual(['/certs', '/certs', '/certs']);
  });

  it('refuses a non-JSON or failing answer with keys_unavailable (fail closed)', async () => {
    idp.status = 500;
    await expect(new RemoteJwksSource(`${idp.base}/certs`).current()).rejects.toMatchObject({
      code: 'token.keys_unavailable',
    });
  });
});
