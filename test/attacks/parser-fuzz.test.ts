import fc from 'fast-check';
import {
  AFTERCARE_MODEL_NAME,
  DEMO_PATIENTS,
  exampleEsiInputs,
  LUMBAR_ESI_MODEL_NAME,
} from '@praesidium/demo';
import { call } from '../support/http.js';
import { purposeConsent } from '../support/consents.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { expectNoInternals, raw, type RawResponse } from './attack-support.js';

/**
 * Property-based fuzzing, over real HTTP, of every parser that takes outside input. The property is
 * the same everywhere: the platform answers (no crash, no hang: every call returns before Jest's
 * timeout), never with a 5xx, and every refusal is problem+json with a stable code. Runs are bounded
 * (RUNS per property) and seeded by fast-check, which prints the seed and the shrunk counterexample.
 */
const RUNS = 60;

/** The statuses one property saw: proof that inputs got past authentication into the parser. */
const seen = new Set<number>();

function expectAnswered(answer: RawResponse): void {
  seen.add(answer.status);
  expect({ status: answer.status, text: answer.text.slice(0, 400) }).toEqual({
    status: answer.status < 500 ? answer.status : 'not a 5xx',
    text: expect.any(String),
  });
  if (answer.status >= 400) {
    expect(answer.headers.get('content-type') ?? '').toContain('application/problem+json');
    expect(JSON.parse(answer.text)).toMatchObject({ status: answer.status, code: expect.any(String) });
    expectNoInternals(answer.text);
  }
}

/** Any JSON, weighted towards the awkward: deep, unicode, huge numbers, __proto__ keys. */
const hostileJson = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }),
  fc.anything({ maxDepth: 4, withNullPrototype: true, withObjectString: true }),
  fc.constantFrom<unknown>(
    { __proto__: { admin: true } },
    { constructor: { prototype: { x: 1 } } },
    1e308,
    -0,
    '\u0000',
  ),
);
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    "' OR 1=1 --",
    '../../etc/passwd',
    '%00',
    '\u202e',
    '${jndi:ldap://x}',
    '=cmd|calc!A1',
    '<script>',
  ),
);

describe('parsers under property-based fuzzing', () => {
  let platform: TestPlatform;
  let gateway: string;
  let governance: string;
  let clinician: string;
  let officer: string;
  let owner: string;
  let encryptionKids: string[];

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    gateway = platform.config.http.gatewayUrl;
    governance = platform.config.http.governanceUrl;
    clinician = await platform.token('pain-clinician');
    officer = await platform.token('security-officer');
    owner = await platform.token('model-owner');
    const jwks = await call('GET', `${gateway}/.well-known/jwks.json`);
    encryptionKids = (jwks.body.keys as { kid: string; use: string }[])
      .filter((key) => key.use === 'enc')
      .map((key) => key.kid);
  });
  afterAll(async () => {
    await platform?.stop();
  });
  beforeEach(() => seen.clear());
  afterEach(() => {
    // A property whose every call was refused as unauthenticated or forbidden fuzzed nothing.
    expect([...seen].filter((status) => status !== 401 && status !== 403)).not.toEqual([]);
  });

  const post = (url: string, token: string, body: unknown) =>
    raw('POST', url, { token, body: JSON.stringify(body) ?? 'null' });

  it('inference bodies (Open Inference Protocol v2)', async () => {
    const url = `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    const tensor = fc.record(
      {
        name: fc.oneof(fc.constantFrom(...exampleEsiInputs().map((input) => input.name)), hostileString),
        shape: fc.array(fc.oneof(fc.integer(), fc.constant(1e12), fc.double()), { maxLength: 4 }),
        datatype: fc.oneof(fc.constantFrom('FP32', 'INT64', 'BYTES', 'BOOL', 'FP64'), hostileString),
        data: fc.oneof(
          fc.array(fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null)), { maxLength: 8 }),
          hostileJson,
        ),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      hostileJson,
      fc.record(
        {
          parameters: fc.oneof(
            fc.record({
              patient: fc.oneof(fc.constant(DEMO_PATIENTS.consented), hostileString),
              purpose_of_use: fc.oneof(fc.constant('TREAT'), hostileString),
            }),
            hostileJson,
          ),
          inputs: fc.oneof(fc.array(tensor, { maxLength: 8 }), fc.constant(exampleEsiInputs()), hostileJson),
          outputs: hostileJson,
          id: hostileJson,
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (candidate) => expectAnswered(await post(url, clinician, candidate))),
      {
        numRuns: RUNS,
      },
    );
  });

  it('inference bodies (OpenAI chat completions)', async () => {
    const body = fc.record(
      {
        model: fc.oneof(fc.constant(AFTERCARE_MODEL_NAME), hostileString),
        stream: fc.oneof(fc.boolean(), hostileJson),
        messages: fc.oneof(
          fc.array(
            fc.record({
              role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool'), hostileString),
              content: fc.oneof(hostileString, hostileJson),
            }),
            { maxLength: 5 },
          ),
          hostileJson,
        ),
        metadata: fc.oneof(
          fc.record({
            patient: fc.oneof(fc.constant(DEMO_PATIENTS.consented), hostileString),
            purpose_of_use: hostileString,
          }),
          hostileJson,
        ),
        max_tokens: hostileJson,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (candidate) =>
        expectAnswered(await post(`${gateway}/v1/chat/completions`, clinician, candidate)),
      ),
      { numRuns: RUNS },
    );
  });

  it('raw bytes with a JSON content type', async () => {
    const url = `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.uint8Array({ maxLength: 300 })),
        async (bytes) => {
          const body = typeof bytes === 'string' ? bytes : Buffer.from(bytes);
          expectAnswered(await raw('POST', url, { token: clinician, body }));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('JWE compact serializations', async () => {
    const url = `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    const b64 = (value: unknown) =>
      Buffer.from(typeof value === 'string' ? value : (JSON.stringify(value) ?? '')).toString('base64url');
    const header = fc.record(
      {
        alg: fc.oneof(
          fc.constantFrom('ECDH-ES', 'RSA-OAEP-256', 'RSA1_5', 'dir', 'none', 'A128KW'),
          hostileString,
        ),
        enc: fc.oneof(fc.constantFrom('A256GCM', 'A128CBC-HS256'), hostileString),
        kid: fc.oneof(fc.constantFrom(...encryptionKids), hostileString),
        zip: fc.constant('DEF'),
        crit: fc.array(fc.string()),
        jku: fc.constant('http://169.254.169.254/'),
        epk: hostileJson,
      },
      { requiredKeys: [] },
    );
    const part = fc.oneof(
      fc.base64String({ maxLength: 80 }).map((text) => text.replace(/=+$/, '')),
      hostileString,
    );
    const jwe = fc.oneof(
      fc.tuple(header.map(b64), part, part, part, part).map((parts) => parts.join('.')),
      fc.tuple(hostileJson.map(b64), part, part).map((parts) => parts.join('.')),
      hostileString,
    );
    await fc.assert(
      fc.asyncProperty(jwe, async (compact) =>
        expectAnswered(
          await raw('POST', url, {
            token: clinician,
            body: compact,
            headers: { 'content-type': 'application/jose' },
          }),
        ),
      ),
      { numRuns: RUNS },
    );
  });

  it('FHIR Consent imports', async () => {
    const consent = fc.oneof(
      hostileJson,
      fc
        .dictionary(
          fc.constantFrom(
            'resourceType',
            'status',
            'scope',
            'category',
            'patient',
            'dateTime',
            'provision',
            'sourceAttachment',
            'policyRule',
            'id',
            'meta',
            'extension',
          ),
          hostileJson,
          { maxKeys: 4 },
        )
        .map((overrides) => ({ ...purposeConsent('Patient/fuzz-1'), ...overrides })),
    );
    const verification = fc.constantFrom('in-person', 'document', '', 'x'.repeat(300));
    await fc.assert(
      fc.asyncProperty(consent, verification, async (candidate, how) =>
        expectAnswered(
          await post(`${governance}/consents?verification=${encodeURIComponent(how)}`, clinician, candidate),
        ),
      ),
      { numRuns: RUNS },
    );
  });

  it('audit search query parameters', async () => {
    const params = fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          'action',
          'patient',
          'outcome',
          'from',
          'to',
          'since',
          'until',
          'limit',
          'cursor',
          'subject',
          'model',
          'correlationId',
          'offset',
        ),
        hostileString,
      ),
      fc.oneof(
        hostileString,
        fc.integer().map(String),
        fc
          .date({ noInvalidDate: false })
          .map((date) => (Number.isNaN(date.getTime()) ? 'Invalid' : date.toISOString())),
      ),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(params, async (query) => {
        const search = new URLSearchParams(query).toString();
        expectAnswered(await raw('GET', `${governance}/audit/events?${search}`, { token: officer }));
        expectAnswered(
          await raw('GET', `${governance}/audit/export?format=ndjson&${search}`, { token: officer }),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('policy documents', async () => {
    const active = await call('GET', `${governance}/policies/active`, { token: officer });
    const document = active.body.document as Record<string, unknown>;
    const rule = fc.record(
      {
        action: hostileString,
        subject: hostileString,
        conditions: hostileJson,
        fields: hostileJson,
        inverted: hostileJson,
        reason: hostileString,
      },
      { requiredKeys: [] },
    );
    const candidate = fc.oneof(
      hostileJson,
      fc.record({ document: hostileJson, reason: hostileString }),
      fc
        .record({
          format: fc.oneof(fc.constant(document.format), hostileString),
          roles: fc.dictionary(hostileString, fc.array(rule, { maxLength: 3 }), { maxKeys: 3 }),
        })
        .map((doc) => ({ document: { ...document, ...doc }, reason: 'fuzz' })),
    );
    await fc.assert(
      fc.asyncProperty(candidate, async (body) =>
        expectAnswered(await post(`${governance}/policies`, officer, body)),
      ),
      { numRuns: RUNS },
    );
    // Whatever was proposed, nothing was activated.
    const after = await call('GET', `${governance}/policies/active`, { token: officer });
    expect(after.body.version).toBe(active.body.version);
  });

  it('bias evaluation uploads', async () => {
    const cell = fc.oneof(
      fc.constantFrom('0', '1', '0.5', 'f', 'm', '', 'NaN', '1e309', '"', '=1+1'),
      hostileString,
    );
    const csv = fc
      .array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 30 })
      .map((rows) => ['label,prediction,score,sex', ...rows.map((row) => row.join(','))].join('\n'));
    const query = fc.record(
      {
        label: fc.oneof(fc.constant('label'), hostileString),
        prediction: fc.oneof(fc.constant('prediction'), hostileString),
        score: fc.oneof(fc.constant('score'), hostileString),
        sensitive: fc.oneof(fc.constant('sex'), hostileString),
        resamples: fc.oneof(fc.constant('20'), fc.integer().map(String), hostileString),
        name: hostileString,
      },
      { requiredKeys: [] },
    );
    const type = fc.constantFrom(
      'text/csv',
      'application/json',
      'application/vnd.apache.parquet',
      'application/octet-stream',
    );
    await fc.assert(
      fc.asyncProperty(csv, query, type, async (body, settings, contentType) =>
        expectAnswered(
          await raw(
            'POST',
            `${governance}/bias-reports?${new URLSearchParams(settings as Record<string, string>).toString()}`,
            {
              token: owner,
              body,
              headers: { 'content-type': contentType },
            },
          ),
        ),
      ),
      { numRuns: RUNS },
    );
  });

  it('client key registrations (JWKs)', async () => {
    const jwk = fc.oneof(
      hostileJson,
      fc.record(
        {
          kty: fc.oneof(fc.constantFrom('EC', 'RSA', 'oct', 'OKP'), hostileString),
          crv: hostileString,
          x: hostileString,
          y: hostileString,
          n: hostileString,
          e: hostileString,
          use: fc.constantFrom('enc', 'sig'),
          d: hostileString,
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(jwk, async (candidate) =>
        expectAnswered(await post(`${governance}/client-keys`, clinician, { jwk: candidate })),
      ),
      { numRuns: RUNS },
    );
  });
});
