// Several trusted issuers, OIDC discovery, claim mapping and mutual TLS, end to end: the platform runs
// with an issuers file naming a Keycloak-shaped realm (discovery), an Entra-ID-shaped tenant (JWKS
// URL), an issuer that requires certificate-bound tokens, an issuer whose discovery document lies, and
// an air-gapped one (JWKS file); the gateway serves HTTPS and asks for client certificates. Every call
// goes over HTTPS to POST /v2/models/lumbar-esi-outcome/infer; refusals must carry their own reason
// code, be in the audit trail under their correlation id, and never reach the model.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, getGlobalDispatcher, request, setGlobalDispatcher, type Dispatcher } from 'undici';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { generateKey, signJwt, toPublicJwk, type Jwk } from '@praesidium/keys';
import type { ReasonCode } from '@praesidium/problem';
import { BackendClient } from '../../apps/gateway/src/backend/backend-client.js';
import { eventually, withOutcome } from '../support/eventually.js';
import { call, type JsonResponse } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { startTestIdp, type TestIdp, type TestIssuer } from '../support/test-idp.js';
import { createTestPki, type TestCertificate, type TestPki } from '../support/test-pki.js';
import { forge, privateKeyOf } from './token-forge.js';

const AIRGAPPED_ISSUER = 'https://airgapped.hospital.test/idp';
const ENTRA_TENANT = '2f4a9c1e-7b3d-4e8a-9c6f-1d2e3f4a5b6c';

interface AuditEvent {
  action: string;
  outcome: string;
  reasonCode?: string;
  correlationId?: string;
  agent?: { subject: string; issuer?: string; roles?: string[]; certificateThumbprint?: string };
}

interface World {
  readonly pki: TestPki;
  readonly idp: TestIdp;
  readonly keycloak: TestIssuer;
  readonly entra: TestIssuer;
  readonly bound: TestIssuer;
  readonly mismatch: TestIssuer;
  readonly rogue: TestIssuer;
  readonly airgappedKey: Jwk;
  readonly keycloakRsa: Jwk;
  /** Client certificates: two the gateway's CA issued, one from a CA it does not trust. */
  readonly serviceCert: TestCertificate;
  readonly otherCert: TestCertificate;
  readonly rogueCert: TestCertificate;
  readonly issuersFile: string;
  readonly gatewayTls: Record<string, string>;
}

let w: World;
let backendCalls = 0;
const originalPost = BackendClient.prototype.post;
let previousDispatcher: Dispatcher;

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function times(lifetime = 600): Record<string, number> {
  const now = nowSeconds();
  return { iat: now, nbf: now, exp: now + lifetime };
}

/** A Keycloak access token of the pain clinician: realm roles, client roles, custom attribute claims. */
function keycloakClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: w.keycloak.issuer,
    aud: ['account', 'praesidium-gateway'],
    azp: 'clinical-portal',
    typ: 'Bearer',
    sub: '6f1c2a9e-0b7d-4c1e-9a55-0d3c2b1a0f9e',
    preferred_username: 'arivera',
    name: 'Dr. Amara Rivera',
    realm_access: { roles: ['offline_access', 'uma_authorization', 'pain-physician'] },
    resource_access: { account: { roles: ['manage-account'] } },
    department: ['pain-medicine'],
    hospital_site: 'north-campus',
    model_trainings: [LUMBAR_ESI_MODEL_NAME],
    jti: randomUUID(),
    ...times(),
    ...extra,
  };
}

/** An Entra ID v2 access token: app roles in `roles`, directory extension attributes, `azp`. */
function entraClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: w.entra.issuer,
    aud: 'api://praesidium',
    azp: '9b1c3d5e-0000-4000-8000-00000000c11e',
    tid: ENTRA_TENANT,
    oid: '0c8d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
    sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
    roles: ['Praesidium.Clinician'],
    extension_department: 'pain-medicine',
    extension_trainings: [LUMBAR_ESI_MODEL_NAME],
    ...times(),
    ...extra,
  };
}

function defaultClaims(iss: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss,
    aud: 'praesidium-gateway',
    sub: 'svc-or-person-1',
    roles: ['clinician'],
    department: ['pain-medicine'],
    trainings: [LUMBAR_ESI_MODEL_NAME],
    ...times(),
    ...extra,
  };
}

const keycloakToken = (extra: Record<string, unknown> = {}) =>
  signJwt(w.keycloak.keys[0], keycloakClaims(extra));
const bearer = (token: string) => `Bearer ${token}`;
const cnf = (certificate: TestCertificate) => ({ cnf: { 'x5t#S256': certificate.thumbprint } });

/** Writes the issuers file a hospital would: one entry per IdP, with its claim mapping. */
async function writeIssuersFile(
  dir: string,
  world: Omit<World, 'issuersFile' | 'gatewayTls'>,
): Promise<string> {
  const file = path.join(dir, 'issuers.json');
  // Air-gapped: the IdP's public keys copied to a file next to the issuers file (a relative path).
  writeFileSync(
    path.join(dir, 'airgapped-jwks.json'),
    JSON.stringify({ keys: [await toPublicJwk(world.airgappedKey)] }),
  );
  writeFileSync(
    file,
    JSON.stringify({
      issuers: [
        {
          issuer: world.keycloak.issuer,
          audience: ['praesidium-gateway'],
          discovery: true,
          algorithms: ['ES256', 'RS256'],
          jwksMinRefreshSeconds: 0,
          requiredClaims: ['azp'],
          claims: {
            roles: ['realm_access.roles', ['resource_access', 'praesidium-gateway', 'roles']],
            departments: ['department'],
            site: ['hospital_site'],
            trainings: ['model_trainings'],
            name: ['name', 'preferred_username'],
            roleMap: { 'pain-physician': 'clinician', 'inference-client': 'service' },
          },
        },
        {
          issuer: world.entra.issuer,
          audience: 'api://praesidium',
          jwksUrl: world.entra.jwksUrl,
          claims: {
            roles: ['roles'],
            departments: ['extension_department'],
            trainings: ['extension_trainings'],
            clientId: ['azp', 'appid'],
            roleMap: { 'Praesidium.Clinician': 'clinician' },
          },
        },
        {
          issuer: world.bound.issuer,
          audience: 'praesidium-gateway',
          jwksUrl: world.bound.jwksUrl,
          requireCertificateBound: true,
        },
        { issuer: world.mismatch.issuer, audience: 'praesidium-gateway', discovery: true },
        { issuer: AIRGAPPED_ISSUER, audience: 'praesidium-gateway', jwksFile: 'airgapped-jwks.json' },
      ],
    }),
  );
  return file;
}

async function rsaSigningJwk(kid: string): Promise<Jwk> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>),
    kid,
    alg: 'RS256',
    use: 'sig',
  } as Jwk;
}

beforeAll(async () => {
  BackendClient.prototype.post = function (this: BackendClient, ...args: Parameters<BackendClient['post']>) {
    backendCalls += 1;
    return originalPost.apply(this, args);
  };
  const pki = createTestPki();
  const idp = await startTestIdp();
  const keycloakRsa = await rsaSigningJwk('kc-rs256-1');
  const world = {
    pki,
    idp,
    keycloak: idp.add('keycloak/realms/clinical', [await generateKey('sign', 'kc-es256-1'), keycloakRsa]),
    entra: idp.add(`entra/${ENTRA_TENANT}/v2.0`, [await generateKey('sign', 'entra-1')]),
    bound: idp.add('bound', [await generateKey('sign', 'bound-1')]),
    mismatch: idp.add('mismatch', [await generateKey('sign', 'mismatch-1')]),
    rogue: idp.add('rogue', [await generateKey('sign', 'rogue-1')]),
    airgappedKey: await generateKey('sign', 'airgapped-1'),
    keycloakRsa,
    serviceCert: pki.issue('inference-client', [
      'URI:spiffe://hospital.test/inference-client',
      'DNS:client.hospital.test',
    ]),
    otherCert: pki.issue('other-client', ['DNS:other.hospital.test']),
    rogueCert: pki.issue('rogue-client', ['URI:spiffe://hospital.test/inference-client'], pki.rogueCa),
  };
  // The discovery document of this issuer names another issuer: its keys must not be used.
  world.mismatch.discoveredIssuer = world.keycloak.issuer;
  const server = pki.issue('gateway', ['IP:127.0.0.1', 'DNS:localhost'], pki.ca, true);
  w = {
    ...world,
    issuersFile: await writeIssuersFile(pki.dir, world),
    gatewayTls: {
      PRAESIDIUM_GATEWAY_TLS_CERT_FILE: server.certFile,
      PRAESIDIUM_GATEWAY_TLS_KEY_FILE: server.keyFile,
      PRAESIDIUM_GATEWAY_TLS_CLIENT_CA_FILE: pki.ca.certFile,
    },
  };
  // The model server fetches the gateway's assertion keys over HTTPS: it trusts the test CA, as a
  // deployment would through NODE_EXTRA_CA_CERTS.
  previousDispatcher = getGlobalDispatcher();
  setGlobalDispatcher(new Agent({ connect: { ca: pki.ca.cert } }));
});

afterAll(async () => {
  BackendClient.prototype.post = originalPost;
  setGlobalDispatcher(previousDispatcher);
  await w?.idp.close();
});

function describePlatform(mtls: 'optional' | 'required', body: (ctx: () => Ctx) => void): void {
  describe(`gateway with PRAESIDIUM_GATEWAY_MTLS=${mtls}`, () => {
    let ctx: Ctx;
    beforeAll(async () => {
      const platform = await startTestPlatform('postgres', {
        PRAESIDIUM_AUTH_ISSUERS_FILE: w.issuersFile,
        // The demo (its model, patients and issuer) beside the file: only when asked for.
        PRAESIDIUM_DEMO: 'on',
        PRAESIDIUM_GATEWAY_MTLS: mtls,
        ...w.gatewayTls,
      });
      ctx = new Ctx(platform, await platform.token('security-officer'));
    });
    afterAll(async () => {
      await ctx?.close();
    });
    body(() => ctx);
  });
}

/** One running platform and HTTPS clients with and without client certificates. */
class Ctx {
  private readonly agents = new Map<string, Agent>();
  readonly inferUrl: string;

  constructor(
    readonly platform: TestPlatform,
    private readonly officer: string,
  ) {
    this.inferUrl = `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
  }

  private agent(certificate: TestCertificate | undefined): Agent {
    const name = certificate?.certFile ?? 'none';
    let agent = this.agents.get(name);
    if (!agent) {
      agent = new Agent({
        connect: {
          ca: w.pki.ca.cert,
          ...(certificate ? { cert: certificate.cert, key: certificate.key } : {}),
        },
      });
      this.agents.set(name, agent);
    }
    return agent;
  }

  async infer(authorization: string, certificate?: TestCertificate): Promise<JsonResponse> {
    const response = await request(this.inferUrl, {
      method: 'POST',
      dispatcher: this.agent(certificate),
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({
        parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
        inputs: exampleEsiInputs(),
      }),
    });
    const text = await response.body.text();
    const contentType = response.headers['content-type'];
    return {
      status: response.statusCode,
      contentType: typeof contentType === 'string' ? contentType : '',
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  async auditEvents(query: string, correlationId: string): Promise<AuditEvent[]> {
    const url = `${this.platform.config.http.governanceUrl}/audit/events?${query}&limit=1000`;
    const response = await call('GET', url, { token: this.officer });
    expect(response.status).toBe(200);
    return (response.body.records as { event: AuditEvent }[])
      .map((record) => record.event)
      .filter((event) => event.correlationId === correlationId);
  }

  /** Refused with the code, audited once as a refused request, and no model was reached. */
  async expectRefusal(
    authorization: string,
    certificate: TestCertificate | undefined,
    status: number,
    code: ReasonCode,
    subject = 'unauthenticated',
  ): Promise<AuditEvent> {
    const callsBefore = backendCalls;
    const response = await this.infer(authorization, certificate);
    expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    expect(response.contentType).toContain('application/problem+json');
    const correlationId = response.body.correlationId as string;
    const refused = await this.auditEvents(`reason_code=${encodeURIComponent(code)}`, correlationId);
    expect(refused).toEqual([
      expect.objectContaining({
        action: 'inference.request',
        outcome: 'refused',
        reasonCode: code,
        agent: expect.objectContaining({
          subject,
          ...(certificate ? { certificateThumbprint: certificate.thumbprint } : {}),
        }),
      }),
    ]);
    const all = [
      ...(await this.auditEvents('action=inference.request', correlationId)),
      ...(await this.auditEvents('action=inference.response', correlationId)),
    ];
    expect(all).toEqual(refused);
    expect(backendCalls).toBe(callsBefore);
    expect(w.idp.strayHits).toEqual([]);
    expect(w.rogue.hits).toEqual([]);
    return refused[0];
  }

  /** Served: forwarded once, request and response audited under the mapped identity. */
  async expectServed(
    authorization: string,
    certificate: TestCertificate | undefined,
    agent: { issuer: string; subject: string },
  ): Promise<AuditEvent[]> {
    const callsBefore = backendCalls;
    const response = await this.infer(authorization, certificate);
    expect({ status: response.status, code: response.body.code }).toEqual({ status: 200, code: undefined });
    expect(backendCalls).toBe(callsBefore + 1);
    const correlationId = (response.body.parameters as { praesidium: { correlation_id: string } }).praesidium
      .correlation_id;
    // The outcome record may commit just after the answer (after-release).
    const events = [
      ...(await this.auditEvents('action=inference.request', correlationId)),
      ...(await eventually(() => this.auditEvents('action=inference.response', correlationId), withOutcome)),
    ];
    expect(events.map((event) => `${event.action}:${event.outcome}`).sort()).toEqual([
      'inference.request:success',
      'inference.response:success',
    ]);
    for (const event of events) {
      expect(event.agent).toEqual(
        expect.objectContaining({
          ...agent,
          roles: ['clinician'],
          ...(certificate ? { certificateThumbprint: certificate.thumbprint } : {}),
        }),
      );
      if (!certificate) expect(event.agent?.certificateThumbprint).toBeUndefined();
    }
    return events;
  }

  async close(): Promise<void> {
    for (const agent of this.agents.values()) await agent.close();
    await this.platform.stop();
  }
}

describePlatform('optional', (ctx) => {
  const keycloakSubject = () => ({ issuer: w.keycloak.issuer, subject: keycloakClaims().sub as string });

  describe('served: each IdP mapped into one Principal', () => {
    it('a Keycloak token: realm role `pain-physician` → clinician, attributes from custom claims', async () => {
      await ctx().expectServed(bearer(await keycloakToken()), undefined, keycloakSubject());
      // The keys came through discovery: the discovery document, then its jwks_uri.
      expect(w.keycloak.hits).toEqual(
        expect.arrayContaining(['/.well-known/openid-configuration', '/protocol/openid-connect/certs']),
      );
    });

    it('a Keycloak token with the client role instead of the realm role', async () => {
      const token = await keycloakToken({
        realm_access: { roles: ['offline_access'] },
        resource_access: { 'praesidium-gateway': { roles: ['pain-physician'] } },
      });
      await ctx().expectServed(bearer(token), undefined, keycloakSubject());
    });

    it('a Keycloak token signed RS256 (allowed for this issuer only)', async () => {
      await ctx().expectServed(
        bearer(await signJwt(w.keycloakRsa, keycloakClaims())),
        undefined,
        keycloakSubject(),
      );
    });

    it('an Entra ID token: app role `Praesidium.Clinician` → clinician, directory extension attributes', async () => {
      await ctx().expectServed(bearer(await signJwt(w.entra.keys[0], entraClaims())), undefined, {
        issuer: w.entra.issuer,
        subject: entraClaims().sub as string,
      });
    });

    it('an Entra ID token with the `x5t` header Entra sets (a thumbprint, not a key: allowed)', async () => {
      const key = w.entra.keys[0];
      const token = forge(
        { typ: 'JWT', alg: 'ES256', kid: key.kid, x5t: 'nYyf3ERk9dnSoSDMQq4yUSzTwj4' },
        entraClaims(),
        {
          alg: 'ES256',
          key: privateKeyOf(key),
        },
      );
      await ctx().expectServed(bearer(token), undefined, {
        issuer: w.entra.issuer,
        subject: entraClaims().sub as string,
      });
    });

    it('a token of the air-gapped issuer, verified against its JWKS file', async () => {
      await ctx().expectServed(
        bearer(await signJwt(w.airgappedKey, defaultClaims(AIRGAPPED_ISSUER))),
        undefined,
        {
          issuer: AIRGAPPED_ISSUER,
          subject: 'svc-or-person-1',
        },
      );
    });

    it('a certificate-bound token presented with its certificate: the thumbprint is audited', async () => {
      await ctx().expectServed(
        bearer(await keycloakToken(cnf(w.serviceCert))),
        w.serviceCert,
        keycloakSubject(),
      );
    });

    it('a bound token of the issuer that requires binding, with its certificate', async () => {
      const token = await signJwt(w.bound.keys[0], defaultClaims(w.bound.issuer, cnf(w.otherCert)));
      await ctx().expectServed(bearer(token), w.otherCert, {
        issuer: w.bound.issuer,
        subject: 'svc-or-person-1',
      });
    });

    it('a valid unbound token over a trusted client certificate: the certificate is recorded', async () => {
      await ctx().expectServed(bearer(await keycloakToken()), w.otherCert, keycloakSubject());
    });

    it('the demo issuer stays trusted next to the issuers file when the demo is on', async () => {
      const persona = await ctx().platform.token('pain-clinician');
      const response = await ctx().infer(bearer(persona));
      expect(response.status).toBe(200);
    });
  });

  interface Case {
    readonly name: string;
    readonly status: number;
    readonly code: ReasonCode;
    readonly token: () => Promise<string>;
    readonly certificate?: () => TestCertificate;
  }

  const cases: Case[] = [
    {
      name: 'a valid token of a working IdP that is not trusted (its discovery never fetched)',
      status: 401,
      code: 'token.issuer_untrusted',
      token: () => signJwt(w.rogue.keys[0], { ...keycloakClaims(), iss: w.rogue.issuer }),
    },
    {
      name: 'a token of the rogue IdP claiming the Keycloak `iss`',
      status: 401,
      code: 'token.signature_invalid',
      token: () => signJwt(w.rogue.keys[0], keycloakClaims()),
    },
    {
      name: 'a Keycloak-issued token signed with the Entra key (both trusted)',
      status: 401,
      code: 'token.signature_invalid',
      token: () => signJwt(w.entra.keys[0], keycloakClaims()),
    },
    {
      name: 'an issuer whose discovery document names another issuer',
      status: 503,
      code: 'token.discovery_invalid',
      token: () => signJwt(w.mismatch.keys[0], defaultClaims(w.mismatch.issuer)),
    },
    {
      name: 'a Keycloak token with realm roles that map to nothing',
      status: 403,
      code: 'token.roles_missing',
      token: () =>
        keycloakToken({ realm_access: { roles: ['offline_access', 'uma_authorization', 'clinician'] } }),
    },
    {
      name: 'a Keycloak token without `realm_access`',
      status: 403,
      code: 'token.roles_missing',
      token: () => keycloakToken({ realm_access: undefined }),
    },
    {
      name: 'an Entra token with an unmapped app role only',
      status: 403,
      code: 'token.roles_missing',
      token: () => signJwt(w.entra.keys[0], entraClaims({ roles: ['Praesidium.Admin'] })),
    },
    {
      name: 'a Keycloak token without the required `azp`',
      status: 401,
      code: 'token.claims_invalid',
      token: () => keycloakToken({ azp: undefined }),
    },
    {
      name: 'an Entra token with the Keycloak audience',
      status: 401,
      code: 'token.audience_mismatch',
      token: () => signJwt(w.entra.keys[0], entraClaims({ aud: 'praesidium-gateway' })),
    },
    {
      name: 'an Entra token signed RS256 (allowed for Keycloak, not for this issuer)',
      status: 401,
      code: 'token.algorithm_forbidden',
      token: () => signJwt(w.keycloakRsa, entraClaims()),
    },
    {
      name: 'a Keycloak token expired beyond the issuer clock skew',
      status: 401,
      code: 'token.expired',
      token: () =>
        keycloakToken({ iat: nowSeconds() - 900, nbf: nowSeconds() - 900, exp: nowSeconds() - 300 }),
    },
    ...(['jku', 'x5u'] as const).map((member): Case => ({
      name: `\`${member}\` on a validly signed Keycloak token, pointing at the test IdP (never fetched)`,
      status: 401,
      code: 'token.header_forbidden',
      token: async () =>
        forge(
          {
            alg: 'ES256',
            typ: 'JWT',
            kid: w.keycloak.keys[0].kid,
            [member]: `${w.idp.baseUrl}/attacker/keys`,
          },
          keycloakClaims(),
          { alg: 'ES256', key: privateKeyOf(w.keycloak.keys[0]) },
        ),
    })),
    {
      name: '`jwk` with the rogue key on a token signed by it',
      status: 401,
      code: 'token.header_forbidden',
      token: async () =>
        forge({ alg: 'ES256', jwk: await toPublicJwk(w.rogue.keys[0]) }, keycloakClaims(), {
          alg: 'ES256',
          key: privateKeyOf(w.rogue.keys[0]),
        }),
    },
    {
      name: '`x5c` with the rogue CA’s client certificate',
      status: 401,
      code: 'token.header_forbidden',
      token: async () =>
        forge(
          {
            alg: 'ES256',
            x5c: [w.rogueCert.cert.replace(/-----[A-Z ]+-----|\s/g, '')],
          },
          keycloakClaims(),
          { alg: 'ES256', key: privateKeyOf(w.rogue.keys[0]) },
        ),
    },
    {
      name: 'a certificate-bound token presented without a certificate',
      status: 401,
      code: 'token.certificate_required',
      token: () => keycloakToken(cnf(w.serviceCert)),
    },
    {
      name: 'a certificate-bound token presented with another trusted certificate',
      status: 401,
      code: 'token.certificate_mismatch',
      token: () => keycloakToken(cnf(w.serviceCert)),
      certificate: () => w.otherCert,
    },
    {
      name: 'a certificate-bound token with a certificate of the same SAN from an untrusted CA',
      status: 401,
      code: 'certificate.untrusted',
      token: () => keycloakToken(cnf(w.rogueCert)),
      certificate: () => w.rogueCert,
    },
    {
      name: 'a valid unbound token over a client certificate from an untrusted CA',
      status: 401,
      code: 'certificate.untrusted',
      token: () => keycloakToken(),
      certificate: () => w.rogueCert,
    },
    {
      name: 'an unbound token of the issuer that requires certificate binding',
      status: 401,
      code: 'token.binding_required',
      token: () => signJwt(w.bound.keys[0], defaultClaims(w.bound.issuer)),
      certificate: () => w.otherCert,
    },
    {
      name: 'a `cnf` without an x5t#S256 thumbprint',
      status: 401,
      code: 'token.claims_invalid',
      token: () => keycloakToken({ cnf: { jkt: 'not-a-certificate-binding' } }),
      certificate: () => w.serviceCert,
    },
  ];

  describe('refused, audited, never forwarded', () => {
    it.each(cases)('$name → $status $code', async ({ token, certificate, status, code }) => {
      await ctx().expectRefusal(bearer(await token()), certificate?.(), status, code);
    });

    it('never contacted the untrusted IdP, nor any URL taken from a token header', () => {
      expect(w.rogue.hits).toEqual([]);
      expect(w.idp.strayHits).toEqual([]);
    });
  });

  describe('service principals', () => {
    it('authenticates a bound service token over its certificate, then policy refuses it inference (audited)', async () => {
      const token = await keycloakToken({
        sub: 'service-account-inference-client',
        realm_access: { roles: ['inference-client'] },
        ...cnf(w.serviceCert),
      });
      const event = await ctx().expectRefusal(
        bearer(token),
        w.serviceCert,
        403,
        'access.denied',
        'service-account-inference-client',
      );
      expect(event.agent).toMatchObject({
        issuer: w.keycloak.issuer,
        roles: ['service'],
        clientId: 'spiffe://hospital.test/inference-client',
      });
    });
  });

  describe('key rotation through discovery, without restart', () => {
    it('serves a token of a new key once the IdP publishes it, and refuses the retired key', async () => {
      const retired = w.keycloak.keys[0];
      const hitsBefore = w.keycloak.hits.length;
      w.keycloak.keys = [await generateKey('sign', 'kc-es256-2'), w.keycloakRsa];
      await ctx().expectServed(bearer(await keycloakToken()), undefined, keycloakSubject());
      // The unknown kid made the gateway rediscover: the discovery document, then the new JWKS.
      expect(w.keycloak.hits.slice(hitsBefore)).toEqual([
        '/.well-known/openid-configuration',
        '/protocol/openid-connect/certs',
      ]);
      await ctx().expectRefusal(
        bearer(await signJwt(retired, keycloakClaims())),
        undefined,
        401,
        'token.signature_invalid',
      );
    });
  });
});

describePlatform('required', (ctx) => {
  it('refuses a call without a client certificate: certificate.required, audited', async () => {
    await ctx().expectRefusal(bearer(await keycloakToken()), undefined, 401, 'certificate.required');
  });

  it('refuses a client certificate from an untrusted CA: certificate.untrusted, audited', async () => {
    await ctx().expectRefusal(bearer(await keycloakToken()), w.rogueCert, 401, 'certificate.untrusted');
  });

  it('serves a valid token over a trusted client certificate', async () => {
    await ctx().expectServed(bearer(await keycloakToken()), w.serviceCert, {
      issuer: w.keycloak.issuer,
      subject: keycloakClaims().sub as string,
    });
  });

  it('still publishes the gateway assertion keys to model servers without a client certificate', async () => {
    const response = await request(`${ctx().platform.config.http.gatewayUrl}/.well-known/jwks.json`, {
      dispatcher: new Agent({ connect: { ca: w.pki.ca.cert } }),
    });
    expect(response.statusCode).toBe(200);
    expect(((await response.body.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });
});
