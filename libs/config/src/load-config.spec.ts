import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('runs on defaults: embedded database, demo issuer, local ports', () => {
    const config = loadConfig({});
    expect(config.database.url).toBeUndefined();
    expect(config.demo).toBe(true);
    expect(config.auth.issuer).toBe('http://127.0.0.1:8081/demo-issuer');
    expect(config.auth.jwksUrl).toBe('http://127.0.0.1:8081/demo-issuer/jwks.json');
    expect(config.dataDir.endsWith('.praesidium')).toBe(true);
  });

  it("reads consent dates in the site's time zone only when one is named, and refuses an unknown zone", () => {
    expect(loadConfig({}).consent.timeZone).toBeUndefined();
    expect(loadConfig({ PRAESIDIUM_CONSENT_TIME_ZONE: 'Europe/Berlin' }).consent.timeZone).toBe(
      'Europe/Berlin',
    );
    expect(() => loadConfig({ PRAESIDIUM_CONSENT_TIME_ZONE: 'Europe/Atlantis' })).toThrow(
      /PRAESIDIUM_CONSENT_TIME_ZONE: an IANA time zone/,
    );
  });

  it('names every bad variable in one message', () => {
    const attempt = () =>
      loadConfig({
        PRAESIDIUM_GATEWAY_PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        PRAESIDIUM_AUTH_ALGORITHMS: 'none',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PRAESIDIUM_GATEWAY_PORT/);
    expect(attempt).toThrow(/DATABASE_URL/);
    expect(attempt).toThrow(/PRAESIDIUM_AUTH_ALGORITHMS/);
  });

  it('refuses the demo and a missing issuer in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PRAESIDIUM_DEMO: 'on' })).toThrow(/PRAESIDIUM_DEMO/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PRAESIDIUM_AUTH_ISSUER/);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', PRAESIDIUM_AUTH_ISSUER: 'https://idp.example.org/realms/h' }),
    ).toThrow(/PRAESIDIUM_AUTH_JWKS_URL/);
    const config = loadConfig({
      NODE_ENV: 'production',
      PRAESIDIUM_AUTH_ISSUER: 'https://idp.example.org/realms/h',
      PRAESIDIUM_AUTH_JWKS_URL: 'https://idp.example.org/realms/h/certs',
    });
    expect(config.demo).toBe(false);
  });

  it('runs jobs in governance by default, and leaves them to workers only with Redis', () => {
    expect(loadConfig({}).jobs.runInGovernance).toBe(true);
    expect(loadConfig({}).http.workerPort).toBe(8082);
    expect(() => loadConfig({ PRAESIDIUM_GOVERNANCE_RUNS_JOBS: 'false' })).toThrow(
      /PRAESIDIUM_GOVERNANCE_RUNS_JOBS: jobs left to worker processes need REDIS_URL/,
    );
    const config = loadConfig({
      PRAESIDIUM_GOVERNANCE_RUNS_JOBS: 'false',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PRAESIDIUM_WORKER_PORT: '9082',
    });
    expect(config.jobs.runInGovernance).toBe(false);
    expect(config.http.workerPort).toBe(9082);
    expect(() => loadConfig({ PRAESIDIUM_GOVERNANCE_RUNS_JOBS: 'no' })).toThrow(
      /PRAESIDIUM_GOVERNANCE_RUNS_JOBS/,
    );
  });
});

describe('the outcome audit of a successful call', () => {
  it('releases answers before their outcome record commits by default, with no model excepted', () => {
    expect(loadConfig({}).gateway.outcomeAudit).toEqual({ mode: 'after-release', beforeReleaseModels: [] });
  });

  it('takes a default mode and the models a security officer holds to before-release', () => {
    const config = loadConfig({
      PRAESIDIUM_GATEWAY_OUTCOME_AUDIT: 'before-release',
      PRAESIDIUM_GATEWAY_OUTCOME_AUDIT_BEFORE_RELEASE: ' lumbar-esi-outcome , aftercare-notes ',
    });
    expect(config.gateway.outcomeAudit).toEqual({
      mode: 'before-release',
      beforeReleaseModels: ['lumbar-esi-outcome', 'aftercare-notes'],
    });
  });

  it('names the bad variable and what it takes', () => {
    expect(() => loadConfig({ PRAESIDIUM_GATEWAY_OUTCOME_AUDIT: 'never' })).toThrow(
      /PRAESIDIUM_GATEWAY_OUTCOME_AUDIT: one of after-release, before-release/,
    );
    expect(() =>
      loadConfig({ PRAESIDIUM_GATEWAY_OUTCOME_AUDIT_BEFORE_RELEASE: 'lumbar-esi-outcome=1' }),
    ).toThrow(/PRAESIDIUM_GATEWAY_OUTCOME_AUDIT_BEFORE_RELEASE\.0: comma-separated model names/);
  });
});

describe('PRAESIDIUM_DEMO', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'praesidium-demo-'));
  const file = path.join(dir, 'issuers.json');
  writeFileSync(
    file,
    JSON.stringify({
      issuers: [{ issuer: 'https://kc.example.org/realms/h', audience: 'p', discovery: true }],
    }),
  );
  const demoIssuer = 'http://127.0.0.1:8081/demo-issuer';
  const issuersOf = (config: ReturnType<typeof loadConfig>) => config.auth.issuers.map((i) => i.issuer);

  it('runs the demo on the zero-configuration default (auto): persona picker and demo issuer', () => {
    for (const config of [loadConfig({}), loadConfig({ PRAESIDIUM_DEMO: 'auto' })]) {
      expect(config.demo).toBe(true);
      expect(config.console.personaPicker).toBe(true);
      expect(issuersOf(config)).toEqual([demoIssuer]);
    }
  });

  it('turns the demo off (auto) beside an issuers file: no picker, no demo issuer trusted', () => {
    const config = loadConfig({ NODE_ENV: 'development', PRAESIDIUM_AUTH_ISSUERS_FILE: file });
    expect(config.demo).toBe(false);
    expect(config.console.personaPicker).toBe(false);
    expect(issuersOf(config)).toEqual(['https://kc.example.org/realms/h']);
    expect(config.gateway.modelBodyLimits).toEqual({});
  });

  it('turns the demo off (auto) beside an identity provider named in PRAESIDIUM_AUTH_ISSUER', () => {
    const config = loadConfig({
      PRAESIDIUM_AUTH_ISSUER: 'https://idp.example.org/realms/h',
      PRAESIDIUM_AUTH_JWKS_URL: 'https://idp.example.org/realms/h/certs',
    });
    expect(config.demo).toBe(false);
    expect(config.console.personaPicker).toBe(false);
  });

  it('turns the demo off (auto) in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', PRAESIDIUM_AUTH_ISSUERS_FILE: file });
    expect(config.demo).toBe(false);
    expect(config.console.personaPicker).toBe(false);
  });

  it('runs the demo beside an issuers file only when asked explicitly (on)', () => {
    const config = loadConfig({ PRAESIDIUM_AUTH_ISSUERS_FILE: file, PRAESIDIUM_DEMO: 'on' });
    expect(config.demo).toBe(true);
    expect(config.console.personaPicker).toBe(true);
    expect(issuersOf(config)).toEqual([demoIssuer, 'https://kc.example.org/realms/h']);
  });

  it('turns the demo off on the default when asked (off), and then trusts no issuer', () => {
    const config = loadConfig({ PRAESIDIUM_DEMO: 'off' });
    expect(config.demo).toBe(false);
    expect(config.console.personaPicker).toBe(false);
    expect(issuersOf(config)).toEqual([]);
  });

  it('takes the former true and false as on and off', () => {
    expect(loadConfig({ PRAESIDIUM_AUTH_ISSUERS_FILE: file, PRAESIDIUM_DEMO: 'true' }).demo).toBe(true);
    expect(loadConfig({ PRAESIDIUM_DEMO: 'false' }).demo).toBe(false);
  });

  it('refuses on with NODE_ENV=production, naming both variables, and any other value', () => {
    for (const value of ['on', 'true']) {
      const attempt = () =>
        loadConfig({ NODE_ENV: 'production', PRAESIDIUM_AUTH_ISSUERS_FILE: file, PRAESIDIUM_DEMO: value });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/PRAESIDIUM_DEMO: .*on.* NODE_ENV=production/);
    }
    expect(() => loadConfig({ PRAESIDIUM_DEMO: 'yes' })).toThrow(/PRAESIDIUM_DEMO: one of auto, on, off/);
  });
});

describe('PRAESIDIUM_AUTH_ISSUERS_FILE', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'praesidium-issuers-'));
  function issuersFile(content: unknown, name = 'issuers.json'): string {
    const file = path.join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }
  const keycloak = {
    issuer: 'https://kc.example.org/realms/h',
    audience: 'praesidium-gateway',
    discovery: true,
  };

  it('trusts every issuer of the file, with defaults, beside the demo issuer when the demo is on', () => {
    const file = issuersFile({
      issuers: [
        keycloak,
        { issuer: 'https://airgap.example.org', audience: ['a', 'b'], jwksFile: 'keys/jwks.json' },
      ],
    });
    const config = loadConfig({ PRAESIDIUM_AUTH_ISSUERS_FILE: file, PRAESIDIUM_DEMO: 'on' });
    expect(config.auth.issuers.map((issuer) => issuer.issuer)).toEqual([
      'http://127.0.0.1:8081/demo-issuer',
      keycloak.issuer,
      'https://airgap.example.org',
    ]);
    expect(config.auth.issuers[1]).toMatchObject({
      algorithms: ['ES256'],
      clockSkewSeconds: 30,
      jwksMinRefreshSeconds: 30,
      requireCertificateBound: false,
      claims: { roles: ['roles'], departments: ['department', 'departments'] },
    });
    const shorthand = issuersFile({ issuers: [{ ...keycloak, claims: { roles: 'realm_access.roles' } }] });
    expect(loadConfig({ PRAESIDIUM_AUTH_ISSUERS_FILE: shorthand }).auth.issuers[0].claims.roles).toEqual([
      'realm_access.roles',
    ]);
    // A relative JWKS file is found next to the issuers file.
    expect(config.auth.issuers[2].jwksFile).toBe(path.join(dir, 'keys/jwks.json'));
  });

  it('requires at+jwt of the demo issuer, and a typ of a file issuer only where the file names one', () => {
    const file = issuersFile({
      issuers: [keycloak, { ...keycloak, issuer: 'https://typed.example.org', typ: 'at+jwt' }],
    });
    const config = loadConfig({ PRAESIDIUM_AUTH_ISSUERS_FILE: file, PRAESIDIUM_DEMO: 'on' });
    expect(config.auth.issuers.map((issuer) => issuer.typ)).toEqual(['at+jwt', undefined, 'at+jwt']);
    const outside = loadConfig({
      PRAESIDIUM_AUTH_ISSUER: 'https://idp.example.org/realms/h',
      PRAESIDIUM_AUTH_JWKS_URL: 'https://idp.example.org/realms/h/certs',
    });
    expect(outside.auth.issuers[0].typ).toBeUndefined();
  });

  it('needs no PRAESIDIUM_AUTH_ISSUER in production, and trusts no demo issuer there', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PRAESIDIUM_AUTH_ISSUERS_FILE: issuersFile({ issuers: [keycloak] }),
    });
    expect(config.auth.issuers.map((issuer) => issuer.issuer)).toEqual([keycloak.issuer]);
  });

  it.each([
    [{ issuers: [{ ...keycloak, audience: undefined }] }, /issuers\.0\.audience/],
    [{ issuers: [{ ...keycloak, discovery: false }] }, /issuers\.0\.discovery: name exactly one key source/],
    [{ issuers: [{ ...keycloak, jwksUrl: 'https://kc.example.org/certs' }] }, /issuers\.0\.discovery/],
    [{ issuers: [{ ...keycloak, algorithms: ['HS256'] }] }, /issuers\.0\.algorithms\.0/],
    [{ issuers: [{ ...keycloak, algorithms: ['none'] }] }, /issuers\.0\.algorithms\.0/],
    [{ issuers: [{ ...keycloak, clockSkewSeconds: 3600 }] }, /issuers\.0\.clockSkewSeconds/],
    [{ issuers: [{ ...keycloak, claims: { roles: 42 } }] }, /issuers\.0\.claims\.roles/],
    [
      { issuers: [{ ...keycloak, claims: { roleMap: { admin: 'Root User' } } }] },
      /issuers\.0\.claims\.roleMap\.admin/,
    ],
    [{ issuers: [{ ...keycloak, jku: true }] }, /issuers\.0: Unrecognized key/],
    [{ issuers: [{ ...keycloak, typ: 'at+jwt; charset=x' }] }, /issuers\.0\.typ: a media type/],
    [{ issuers: [keycloak, keycloak] }, /issuers\.1\.issuer: listed twice/],
    [{ issuers: [] }, /issuers: /],
    ['{ "issuers": [', /cannot be read as JSON/],
  ])('refuses a bad file, naming the bad field (%#)', (content, message) => {
    const attempt = () =>
      loadConfig({ PRAESIDIUM_AUTH_ISSUERS_FILE: issuersFile(content, `bad-${randomUUID()}.json`) });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/PRAESIDIUM_AUTH_ISSUERS_FILE/);
  });

  it('refuses a missing file and an issuer given both in the env and in the file', () => {
    expect(() => loadConfig({ PRAESIDIUM_AUTH_ISSUERS_FILE: path.join(dir, 'nope.json') })).toThrow(
      /PRAESIDIUM_AUTH_ISSUERS_FILE.*cannot be read/,
    );
    const file = issuersFile({ issuers: [keycloak] });
    expect(() =>
      loadConfig({
        PRAESIDIUM_AUTH_ISSUERS_FILE: file,
        PRAESIDIUM_AUTH_ISSUER: keycloak.issuer,
        PRAESIDIUM_AUTH_JWKS_URL: 'https://kc.example.org/certs',
      }),
    ).toThrow(/also PRAESIDIUM_AUTH_ISSUER/);
  });

  it.each(['keycloak', 'entra-id'])('accepts the shipped example docs/issuers/%s.issuers.json', (name) => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PRAESIDIUM_AUTH_ISSUERS_FILE: path.resolve(`docs/issuers/${name}.issuers.json`),
    });
    expect(config.auth.issuers).toHaveLength(1);
    expect(config.auth.issuers[0].discovery).toBe(true);
  });
});

describe('gateway TLS', () => {
  it('serves HTTPS when given a certificate, and names the gateway URL https', () => {
    const config = loadConfig({
      PRAESIDIUM_GATEWAY_TLS_CERT_FILE: '/etc/praesidium/gateway.pem',
      PRAESIDIUM_GATEWAY_TLS_KEY_FILE: '/etc/praesidium/gateway.key',
      PRAESIDIUM_GATEWAY_TLS_CLIENT_CA_FILE: '/etc/praesidium/clients-ca.pem',
      PRAESIDIUM_GATEWAY_MTLS: 'required',
    });
    expect(config.http.gatewayUrl).toBe('https://127.0.0.1:8080');
    expect(config.gateway.tls).toEqual({
      certFile: '/etc/praesidium/gateway.pem',
      keyFile: '/etc/praesidium/gateway.key',
      clientCaFile: '/etc/praesidium/clients-ca.pem',
      mtls: 'required',
    });
    expect(loadConfig({}).gateway.tls).toBeUndefined();
  });

  it('refuses mutual TLS without a client CA or a server certificate, a lone key, and an unknown mode', () => {
    expect(() => loadConfig({ PRAESIDIUM_GATEWAY_MTLS: 'optional' })).toThrow(
      /PRAESIDIUM_GATEWAY_TLS_CLIENT_CA_FILE[\s\S]*PRAESIDIUM_GATEWAY_TLS_CERT_FILE|PRAESIDIUM_GATEWAY_TLS_CERT_FILE[\s\S]*PRAESIDIUM_GATEWAY_TLS_CLIENT_CA_FILE/,
    );
    expect(() => loadConfig({ PRAESIDIUM_GATEWAY_TLS_KEY_FILE: '/k' })).toThrow(
      /PRAESIDIUM_GATEWAY_TLS_CERT_FILE/,
    );
    expect(() => loadConfig({ PRAESIDIUM_GATEWAY_MTLS: 'on' })).toThrow(/PRAESIDIUM_GATEWAY_MTLS/);
  });
});

describe('PRAESIDIUM_CONSENT_PRACTITIONER_ISSUER', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'praesidium-practitioner-'));
  const file = path.join(dir, 'issuers.json');
  const [hospital, partner] = [
    'https://idp.hospital.example/realms/h',
    'https://idp.partner.example/realms/p',
  ];
  writeFileSync(
    file,
    JSON.stringify({
      issuers: [hospital, partner].map((issuer) => ({ issuer, audience: 'p', discovery: true })),
    }),
  );

  it("reads a consent's Practitioner/<subject> under the first trusted issuer unless told otherwise", () => {
    expect(loadConfig({}).consent.practitionerIssuer).toBe('http://127.0.0.1:8081/demo-issuer');
    expect(loadConfig({ PRAESIDIUM_AUTH_ISSUERS_FILE: file }).consent.practitionerIssuer).toBe(hospital);
    const chosen = loadConfig({
      PRAESIDIUM_AUTH_ISSUERS_FILE: file,
      PRAESIDIUM_CONSENT_PRACTITIONER_ISSUER: partner,
    });
    expect(chosen.consent.practitionerIssuer).toBe(partner);
  });

  it('refuses to start when the issuer named is not trusted', () => {
    expect(() =>
      loadConfig({
        PRAESIDIUM_AUTH_ISSUERS_FILE: file,
        PRAESIDIUM_CONSENT_PRACTITIONER_ISSUER: 'https://idp.elsewhere.example',
      }),
    ).toThrow(
      /PRAESIDIUM_CONSENT_PRACTITIONER_ISSUER: https:\/\/idp.elsewhere.example is not a trusted issuer/,
    );
  });
});

describe('the clinician-feedback schedule', () => {
  it('records ISO weeks, looking for closed ones every five minutes, by default', () => {
    expect(loadConfig({}).feedbackSchedule).toEqual({ period: { unit: 'week' }, checkSeconds: 300 });
  });

  it('takes a day, a month or a number of seconds, and 0 to leave recording to requests', () => {
    expect(loadConfig({ PRAESIDIUM_FEEDBACK_PERIOD: 'month' }).feedbackSchedule.period).toEqual({
      unit: 'month',
    });
    expect(
      loadConfig({ PRAESIDIUM_FEEDBACK_PERIOD: '3600', PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS: '0' })
        .feedbackSchedule,
    ).toEqual({ period: { unit: 'seconds', seconds: 3600 }, checkSeconds: 0 });
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ PRAESIDIUM_FEEDBACK_PERIOD: 'fortnight' })).toThrow(
      /PRAESIDIUM_FEEDBACK_PERIOD/,
    );
    expect(() => loadConfig({ PRAESIDIUM_FEEDBACK_PERIOD: '0' })).toThrow(/PRAESIDIUM_FEEDBACK_PERIOD/);
    expect(() => loadConfig({ PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS: '-1' })).toThrow(
      /PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS/,
    );
  });
});

describe('the bounds of a streamed answer', () => {
  it('cuts a backend stream at 32 MiB or ten minutes unless told otherwise, and refuses nonsense', () => {
    expect(loadConfig({}).gateway.streamLimits).toEqual({ maxBytes: 32 * 1024 * 1024, maxMs: 600_000 });
    expect(
      loadConfig({
        PRAESIDIUM_GATEWAY_STREAM_MAX_BYTES: '2097152',
        PRAESIDIUM_GATEWAY_STREAM_MAX_SECONDS: '30',
      }).gateway.streamLimits,
    ).toEqual({ maxBytes: 2097152, maxMs: 30_000 });
    expect(() => loadConfig({ PRAESIDIUM_GATEWAY_STREAM_MAX_SECONDS: '0' })).toThrow(
      /PRAESIDIUM_GATEWAY_STREAM_MAX_SECONDS/,
    );
  });
});
