import { claimMappingSchema } from '@praesidium/config';
import { generateKey, signJwt, toPublicJwk, verificationKeys, type Jwk } from '@praesidium/keys';
import type { PresentedCertificate } from './client-certificate.js';
import { isSameIdentity, type Identity } from './identity.js';
import type { JwksSource } from './jwks-source.js';
import { PrincipalSuspendedError } from './suspension/principal-suspension.js';
import { TokenVerifier, type TokenPolicy } from './token-verifier.js';

const KEYCLOAK = 'https://keycloak.hospital.test/realms/clinical';
const ENTRA = 'https://login.microsoftonline.com/2f4a9c1e-0000-4000-8000-000000000001/v2.0';
const NOW = 1_800_000_000;

/** A key source that counts its uses, to prove an untrusted issuer never causes a key lookup. */
class CountingKeys implements JwksSource {
  uses = 0;
  constructor(private readonly jwks: Jwk[]) {}
  current() {
    this.uses += 1;
    return verificationKeys({ keys: this.jwks });
  }
  refresh() {
    return this.current();
  }
}

const keycloakPolicy: TokenPolicy = {
  issuer: KEYCLOAK,
  audience: ['praesidium-gateway', 'account'],
  algorithms: ['ES256'],
  clockSkewSeconds: 30,
  maxTokenLifetimeSeconds: 3600,
  requiredClaims: ['realm_access'],
  claims: claimMappingSchema.parse({
    roles: ['realm_access.roles', ['resource_access', 'praesidium.gateway', 'roles']],
    departments: ['department'],
    site: ['hospital_site'],
    trainings: ['model_trainings'],
    name: ['name', 'preferred_username'],
    roleMap: { 'pain-physician': 'clinician', 'svc-scheduler': 'service', 'sec-officer': 'security-officer' },
  }),
};

const entraPolicy: TokenPolicy = {
  issuer: ENTRA,
  audience: 'api://praesidium',
  algorithms: ['ES256'],
  clockSkewSeconds: 30,
  maxTokenLifetimeSeconds: 3600,
  requireCertificateBound: true,
  claims: claimMappingSchema.parse({
    roles: ['roles'],
    departments: ['extension_department'],
    clientId: ['azp', 'appid'],
    roleMap: { 'Praesidium.Clinician': 'clinician', 'Praesidium.Service': 'service' },
  }),
};

function certificate(thumbprint: string, verified = true): PresentedCertificate {
  return {
    thumbprint,
    verified,
    uris: ['spiffe://hospital.test/scheduler'],
    dnsNames: ['scheduler.hospital.test'],
  };
}
const THUMB_A = 'A'.repeat(43);
const THUMB_B = 'B'.repeat(43);

describe('TokenVerifier with several trusted issuers', () => {
  let keycloakKey: Jwk;
  let entraKey: Jwk;
  let keycloakKeys: CountingKeys;
  let entraKeys: CountingKeys;

  beforeAll(async () => {
    keycloakKey = await generateKey('sign', 'kc-1');
    entraKey = await generateKey('sign', 'entra-1');
    keycloakKeys = new CountingKeys([await toPublicJwk(keycloakKey)]);
    entraKeys = new CountingKeys([await toPublicJwk(entraKey)]);
  });

  function verifier(mtls: 'off' | 'optional' | 'required' = 'optional'): TokenVerifier {
    return new TokenVerifier(
      [
        { policy: keycloakPolicy, keys: keycloakKeys },
        { policy: entraPolicy, keys: entraKeys },
      ],
      { now: () => NOW * 1000, mtls },
    );
  }

  const keycloakClaims = (extra: Record<string, unknown> = {}) => ({
    iss: KEYCLOAK,
    aud: ['account', 'praesidium-gateway'],
    sub: 'f3a1c2d4-kc',
    preferred_username: 'arivera',
    realm_access: { roles: ['offline_access', 'pain-physician'] },
    resource_access: {
      'praesidium.gateway': { roles: ['sec-officer'] },
      account: { roles: ['manage-account'] },
    },
    department: ['pain-medicine'],
    hospital_site: 'north',
    model_trainings: ['lumbar-esi-outcome'],
    iat: NOW - 10,
    exp: NOW + 300,
    ...extra,
  });

  const entraClaims = (extra: Record<string, unknown> = {}) => ({
    iss: ENTRA,
    aud: 'api://praesidium',
    sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
    roles: ['Praesidium.Service', 'Directory.Read'],
    azp: '9b1c0000-0000-4000-8000-0000000000aa',
    cnf: { 'x5t#S256': THUMB_A },
    iat: NOW - 10,
    exp: NOW + 300,
    ...extra,
  });

  it('maps a Keycloak token: realm and client roles through the role map, attributes from custom claims', async () => {
    const principal = await verifier().verify(await signJwt(keycloakKey, keycloakClaims()));
    expect(principal).toEqual({
      subject: 'f3a1c2d4-kc',
      issuer: KEYCLOAK,
      name: 'arivera',
      roles: ['clinician', 'security-officer'],
      departments: ['pain-medicine'],
      site: 'north',
      trainings: ['lumbar-esi-outcome'],
      expiresAt: NOW + 300,
    });
  });

  it('maps an Entra ID service token bound to its certificate: client identity from the certificate SAN', async () => {
    const token = await signJwt(entraKey, entraClaims());
    const principal = await verifier().verify(token, { certificate: certificate(THUMB_A) });
    expect(principal).toMatchObject({
      subject: entraClaims().sub,
      issuer: ENTRA,
      roles: ['service'],
      clientId: 'spiffe://hospital.test/scheduler',
      certificateThumbprint: THUMB_A,
    });
  });

  it('refuses a token whose roles all fall outside the role map', async () => {
    const token = await signJwt(
      keycloakKey,
      keycloakClaims({ realm_access: { roles: ['clinician', 'admin'] }, resource_access: {} }),
    );
    await expect(verifier().verify(token)).rejects.toMatchObject({ code: 'token.roles_missing' });
  });

  it('refuses a token of an issuer that is not trusted before looking up any key', async () => {
    const before = keycloakKeys.uses + entraKeys.uses;
    const token = await signJwt(
      keycloakKey,
      keycloakClaims({ iss: 'https://keycloak.attacker.test/realms/clinical' }),
    );
    await expect(verifier().verify(token)).rejects.toMatchObject({ code: 'token.issuer_untrusted' });
    expect(keycloakKeys.uses + entraKeys.uses).toBe(before);
  });

  it('refuses a token of one trusted issuer signed with the key of another', async () => {
    const token = await signJwt(entraKey, keycloakClaims());
    await expect(verifier().verify(token)).rejects.toMatchObject({ code: 'token.signature_invalid' });
  });

  it('refuses a token without a required claim', async () => {
    const token = await signJwt(keycloakKey, keycloakClaims({ realm_access: undefined }));
    await expect(verifier().verify(token)).rejects.toMatchObject({ code: 'token.claims_invalid' });
  });

  it('enforces certificate binding: none, another, or no connection at all', async () => {
    const token = await signJwt(entraKey, entraClaims());
    await expect(verifier().verify(token, { certificate: undefined })).rejects.toMatchObject({
      code: 'token.certificate_required',
    });
    await expect(verifier().verify(token, { certificate: certificate(THUMB_B) })).rejects.toMatchObject({
      code: 'token.certificate_mismatch',
    });
    await expect(verifier().verify(token)).rejects.toMatchObject({ code: 'token.certificate_required' });
    await expect(verifier('off').verify(token, { certificate: certificate(THUMB_A) })).rejects.toMatchObject({
      code: 'token.certificate_required',
    });
  });

  it('refuses an unbound token from an issuer that requires binding, and a malformed cnf', async () => {
    const unbound = await signJwt(entraKey, entraClaims({ cnf: undefined }));
    await expect(verifier().verify(unbound, { certificate: certificate(THUMB_A) })).rejects.toMatchObject({
      code: 'token.binding_required',
    });
    const malformed = await signJwt(entraKey, entraClaims({ cnf: { 'x5t#S256': 'short' } }));
    await expect(verifier().verify(malformed, { certificate: certificate(THUMB_A) })).rejects.toMatchObject({
      code: 'token.claims_invalid',
    });
  });

  it('applies the mutual-TLS mode to the connection', async () => {
    const token = await signJwt(keycloakKey, keycloakClaims());
    await expect(verifier('required').verify(token, { certificate: undefined })).rejects.toMatchObject({
      code: 'certificate.required',
    });
    await expect(
      verifier('optional').verify(token, { certificate: certificate(THUMB_B, false) }),
    ).rejects.toMatchObject({
      code: 'certificate.untrusted',
    });
    const principal = await verifier('required').verify(token, { certificate: certificate(THUMB_B) });
    // Not a service: the certificate is recorded, the client identity is not taken from it.
    expect(principal).toMatchObject({ certificateThumbprint: THUMB_B });
    expect(principal.clientId).toBeUndefined();
  });

  it('caches a verified token: the same Principal object, and binding checked again on every use', async () => {
    const v = verifier();
    const token = await signJwt(keycloakKey, keycloakClaims());
    const first = await v.verify(token);
    const uses = keycloakKeys.uses;
    expect(await v.verify(token)).toBe(first);
    expect(keycloakKeys.uses).toBe(uses);
    const bound = await signJwt(entraKey, entraClaims());
    await v.verify(bound, { certificate: certificate(THUMB_A) });
    await expect(v.verify(bound, { certificate: certificate(THUMB_B) })).rejects.toMatchObject({
      code: 'token.certificate_mismatch',
    });
  });

  it('asks on every use, cached token or not, whether the person is admitted: a suspension counts at once', async () => {
    let suspended: Identity | undefined;
    const v = new TokenVerifier([{ policy: keycloakPolicy, keys: keycloakKeys }], {
      now: () => NOW * 1000,
      admit: async (principal) => {
        if (suspended && isSameIdentity(principal, suspended)) throw new PrincipalSuspendedError(principal);
      },
    });
    const token = await signJwt(keycloakKey, keycloakClaims());
    const principal = await v.verify(token);
    suspended = principal;
    await expect(v.verify(token)).rejects.toMatchObject({ code: 'access.principal_suspended', status: 403 });
    // An invalid token is refused as such first: its suspension says nothing of it.
    const forged = await signJwt(entraKey, keycloakClaims());
    await expect(v.verify(forged)).rejects.toMatchObject({ code: 'token.signature_invalid' });
    suspended = undefined;
    expect(await v.verify(token)).toBe(principal);
  });
});

describe('TokenVerifier with an issuer that types its tokens', () => {
  const ISSUER = 'http://127.0.0.1:8081/demo-issuer';
  const policy: TokenPolicy = {
    issuer: ISSUER,
    audience: 'praesidium',
    algorithms: ['ES256'],
    typ: 'at+jwt',
    clockSkewSeconds: 30,
    maxTokenLifetimeSeconds: 3600,
  };
  let key: Jwk;
  let verifier: TokenVerifier;
  const claims = {
    iss: ISSUER,
    aud: 'praesidium',
    sub: 'a.rivera',
    roles: ['clinician'],
    iat: NOW,
    exp: NOW + 60,
  };

  beforeAll(async () => {
    key = await generateKey('sign', 'demo-1');
    verifier = new TokenVerifier([{ policy, keys: new CountingKeys([await toPublicJwk(key)]) }], {
      now: () => NOW * 1000,
    });
  });

  it('takes its access tokens (at+jwt, RFC 9068) however RFC 7515 lets the typ be spelled', async () => {
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt'])
      await expect(verifier.verify(await signJwt(key, claims, typ))).resolves.toMatchObject({
        subject: 'a.rivera',
      });
  });

  it('refuses any other JWS of its key, valid in every claim, as token.type_unexpected', async () => {
    for (const typ of ['JWT', 'praesidium-checkpoint+jwt', 'application/jwt', 'at+jwt+x'])
      await expect(verifier.verify(await signJwt(key, claims, typ))).rejects.toMatchObject({
        code: 'token.type_unexpected',
      });
  });

  it('checks the signature before the typ: a forged token is not told it merely has the wrong type', async () => {
    const other = await generateKey('sign', 'demo-1');
    await expect(verifier.verify(await signJwt(other, claims, 'JWT'))).rejects.toMatchObject({
      code: 'token.signature_invalid',
    });
  });
});
