import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  AFTERCARE_MODEL_NAME,
  DEMO_PATIENTS,
  exampleEsiInputs,
  LUMBAR_ESI_MODEL_NAME,
} from '@praesidium/demo';
import { sha256Hex } from '@praesidium/digest';
import { decryptionKey, encryptionKey, generateKey, toPublicJwk, type Jwk } from '@praesidium/keys';
import { praesidium } from '../support/cli.js';
import { call } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

interface RawResponse {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly json: () => Record<string, unknown>;
}

const plaintextBody = () =>
  Buffer.from(
    JSON.stringify({
      parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
      inputs: exampleEsiInputs(),
    }),
  );

/** Replaces the protected header of a compact JWE, keeping the rest. */
function withHeader(token: string, change: (header: Record<string, unknown>) => Record<string, unknown>) {
  const [header, ...rest] = token.split('.');
  const parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
  return [Buffer.from(JSON.stringify(change(parsed))).toString('base64url'), ...rest].join('.');
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('JWE requests and responses through the gateway on PostgreSQL', () => {
  let platform: TestPlatform;
  let clinician: string;
  let inferUrl: string;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    clinician = await platform.token('pain-clinician');
    inferUrl = `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
  });
  afterAll(async () => {
    await platform?.stop();
  });

  async function send(
    body: string,
    headers: Record<string, string> = {},
    token: string | undefined = clinician,
  ): Promise<RawResponse> {
    const response = await fetch(inferUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/jose',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body,
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
      json: () => JSON.parse(text) as Record<string, unknown>,
    };
  }

  async function gatewayKeys(): Promise<Jwk[]> {
    const jwks = await call('GET', `${platform.config.http.gatewayUrl}/.well-known/jwks.json`);
    return (jwks.body.keys as Jwk[]).filter((key) => key.use === 'enc');
  }

  async function encryptTo(key: Jwk, plaintext = plaintextBody()): Promise<string> {
    return (await encryptionKey(key)).encrypt(plaintext);
  }

  async function auditEvent(correlationId: unknown, action?: string): Promise<Record<string, unknown>> {
    const officer = await platform.token('security-officer');
    let found: Record<string, unknown> | undefined;
    await waitFor(async () => {
      const audit = await call('GET', `${platform.config.http.governanceUrl}/audit/events?limit=1000`, {
        token: officer,
      });
      const events = (audit.body.records as { event: Record<string, unknown> }[]).map((r) => r.event);
      found = events.find(
        (event) => event.correlationId === correlationId && (!action || event.action === action),
      );
      return found !== undefined;
    }, 'the audit record');
    return found as Record<string, unknown>;
  }

  it('publishes an ECDH-ES and an RSA-OAEP-256 encryption key beside the assertion keys, nothing private', async () => {
    const jwks = await call('GET', `${platform.config.http.gatewayUrl}/.well-known/jwks.json`);
    const keys = jwks.body.keys as Jwk[];
    expect(keys.filter((key) => key.use === 'sig').length).toBeGreaterThan(0);
    expect(keys.filter((key) => key.use === 'enc')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ECDH-ES' }),
        expect.objectContaining({ kty: 'RSA', alg: 'RSA-OAEP-256' }),
      ]),
    );
    for (const key of keys) expect(key).not.toHaveProperty('d');
  });

  it.each(['ECDH-ES', 'RSA-OAEP-256'])(
    'serves a request encrypted with %s, audited with the hash of the plaintext',
    async (alg) => {
      const key = (await gatewayKeys()).find((candidate) => candidate.alg === alg) as Jwk;
      const plaintext = plaintextBody();
      const response = await send(await encryptTo(key, plaintext));
      expect(response.status).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ model_name: LUMBAR_ESI_MODEL_NAME });
      const correlationId = (body.parameters as { praesidium: { correlation_id: string } }).praesidium
        .correlation_id;
      const record = await auditEvent(correlationId, 'inference.request');
      expect(record).toMatchObject({ outcome: 'success', requestSha256: sha256Hex(plaintext) });
    },
  );

  it('encrypts the answer to the key a client registered, and refuses one without a key with 406', async () => {
    const clientPrivate = await generateKey('encrypt-rsa', 'dr-rivera-device');
    const registered = await call('POST', `${platform.config.http.governanceUrl}/client-keys`, {
      token: clinician,
      body: { jwk: await toPublicJwk(clientPrivate) },
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ kid: 'dr-rivera-device' });

    const ecKey = (await gatewayKeys()).find((key) => key.alg === 'ECDH-ES') as Jwk;
    const response = await send(await encryptTo(ecKey), { accept: 'application/jose' });
    expect(response.status).toBe(200);
    expect(response.contentType).toContain('application/jose');
    expect(response.text).not.toContain('probability_meaningful_relief');
    const answer = JSON.parse(
      (await (await decryptionKey(clientPrivate)).decrypt(response.text)).toString('utf8'),
    ) as Record<string, unknown>;
    expect(answer).toMatchObject({ model_name: LUMBAR_ESI_MODEL_NAME });
    expect(JSON.stringify(answer.outputs)).toContain('probability_meaningful_relief');

    // A plain JSON request may ask for an encrypted answer too.
    const clear = await fetch(inferUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/jose',
        authorization: `Bearer ${clinician}`,
      },
      body: plaintextBody(),
    });
    expect(clear.status).toBe(200);
    expect(clear.headers.get('content-type')).toContain('application/jose');

    const officer = await platform.token('security-officer');
    const refused = await send(await encryptTo(ecKey), { accept: 'application/jose' }, officer);
    expect(refused.status).toBe(406);
    expect(refused.json()).toMatchObject({ code: 'jwe.recipient_key_missing' });
    expect(await auditEvent(refused.json().correlationId)).toMatchObject({
      outcome: 'refused',
      reasonCode: 'jwe.recipient_key_missing',
    });
  });

  it('encrypts a chat completion the caller asked to be encrypted, and never streams one in clear instead', async () => {
    const chatClinician = await tokenFor(platform, 'dr.chat.jwe', ['clinician'], {
      departments: ['pain-medicine'],
      trainings: [AFTERCARE_MODEL_NAME],
    });
    const clientPrivate = await generateKey('encrypt', 'dr-chat-device');
    const registered = await call('POST', `${platform.config.http.governanceUrl}/client-keys`, {
      token: chatClinician,
      body: { jwk: await toPublicJwk(clientPrivate) },
    });
    expect(registered.status).toBe(201);
    const chat = (stream: boolean) =>
      fetch(`${platform.config.http.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/jose',
          authorization: `Bearer ${chatClinician}`,
        },
        body: JSON.stringify({
          model: AFTERCARE_MODEL_NAME,
          stream,
          messages: [{ role: 'user', content: 'Draft aftercare.' }],
          metadata: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
        }),
      });

    const whole = await chat(false);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toContain('application/jose');
    const sealed = await whole.text();
    expect(sealed).not.toContain('choices');
    const answer = JSON.parse(
      (await (await decryptionKey(clientPrivate)).decrypt(sealed)).toString('utf8'),
    ) as Record<string, unknown>;
    expect(answer).toMatchObject({ object: 'chat.completion', praesidium: { version: '1.0.0' } });

    // A stream is not encrypted: the caller who asked for encryption is refused before the model runs.
    const streamed = await chat(true);
    expect(streamed.status).toBe(406);
    const refusal = (await streamed.json()) as Record<string, unknown>;
    expect(refusal).toMatchObject({ code: 'jwe.stream_unsupported' });
    expect(await auditEvent(refusal.correlationId)).toMatchObject({
      outcome: 'refused',
      reasonCode: 'jwe.stream_unsupported',
    });
  });

  it('refuses a decrypted body that poisons a prototype exactly as it refuses a plain JSON one', async () => {
    const ecKey = (await gatewayKeys()).find((key) => key.alg === 'ECDH-ES') as Jwk;
    for (const poison of ['"__proto__":{"isAdmin":true}', '"constructor":{"prototype":{"isAdmin":true}}']) {
      const body = Buffer.from(
        `{${poison},"parameters":{"patient":"${DEMO_PATIENTS.consented}","purpose_of_use":"TREAT"},"inputs":${JSON.stringify(exampleEsiInputs())}}`,
      );
      const plain = await fetch(inferUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${clinician}` },
        body,
      });
      const sealed = await send(await encryptTo(ecKey, body));
      expect({ poison, status: sealed.status, code: sealed.json().code }).toEqual({
        poison,
        status: plain.status,
        code: ((await plain.json()) as { code: string }).code,
      });
      expect(sealed.status).toBe(400);
    }
  });

  it('refuses a client key that is too weak, not for encryption, or private', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const register = (jwk: unknown) =>
      call('POST', `${platform.config.http.governanceUrl}/client-keys`, { token: clinician, body: { jwk } });
    const tooWeak = await register({ ...weak, use: 'enc' });
    expect(tooWeak.status).toBe(422);
    expect(tooWeak.body.code).toBe('client_key.invalid');
    const ec = await toPublicJwk(await generateKey('encrypt', 'some-key'));
    expect((await register({ ...ec, use: 'sig' })).body.code).toBe('request.invalid');
    expect((await register({ ...ec, crv: 'P-384' })).body.code).toBe('client_key.invalid');
    expect((await register(await generateKey('encrypt', 'private'))).body.code).toBe('request.invalid');
  });

  it('gives every bad JWE its own reason code, audited as an edge refusal, never forwarded', async () => {
    const ecKey = (await gatewayKeys()).find((key) => key.alg === 'ECDH-ES') as Jwk;
    const token = await encryptTo(ecKey);
    const parts = token.split('.');
    const flip = (part: string) => `${part[0] === 'A' ? 'B' : 'A'}${part.slice(1)}`;
    const strangerKey = await toPublicJwk(await generateKey('encrypt', ecKey.kid));
    const cases: [string, string, number][] = [
      ['not a jwe at all', 'jwe.malformed', 400],
      [parts.slice(0, 4).join('.'), 'jwe.malformed', 400],
      [withHeader(token, (h) => ({ ...h, alg: 'RSA1_5' })), 'jwe.algorithm_forbidden', 400],
      [withHeader(token, (h) => ({ ...h, alg: 'dir' })), 'jwe.algorithm_forbidden', 400],
      [withHeader(token, (h) => ({ ...h, enc: 'A128GCM' })), 'jwe.algorithm_forbidden', 400],
      [withHeader(token, (h) => ({ ...h, zip: 'DEF' })), 'jwe.header_forbidden', 400],
      [
        withHeader(token, (h) => ({ ...h, jku: 'https://attacker.example/keys' })),
        'jwe.header_forbidden',
        400,
      ],
      [withHeader(token, (h) => ({ ...h, kid: 'not-ours' })), 'jwe.key_unknown', 400],
      [[...parts.slice(0, 4), flip(parts[4])].join('.'), 'jwe.decryption_failed', 400],
      [[...parts.slice(0, 3), flip(parts[3]), parts[4]].join('.'), 'jwe.decryption_failed', 400],
      // Encrypted to another key that claims the gateway's kid.
      [await encryptTo(strangerKey), 'jwe.decryption_failed', 400],
      [await encryptTo(ecKey, Buffer.from('{"not": json')), 'request.invalid', 400],
      [
        await encryptTo(ecKey, Buffer.alloc(platform.config.gateway.bodyLimitBytes + 1, 0x20)),
        'request.too_large',
        413,
      ],
    ];
    const refusedIds: unknown[] = [];
    for (const [body, code, status] of cases) {
      const response = await send(body);
      expect({ code, status: response.status, body: response.json().code }).toEqual({
        code,
        status,
        body: code,
      });
      const correlationId = response.json().correlationId;
      expect(await auditEvent(correlationId)).toMatchObject({
        action: 'gateway.request',
        outcome: 'refused',
        reasonCode: code,
      });
      refusedIds.push(correlationId);
    }
    // Refused at the edge: the pipeline never ran, so no inference record names these calls.
    const officer = await platform.token('security-officer');
    const audit = await call('GET', `${platform.config.http.governanceUrl}/audit/events?limit=1000`, {
      token: officer,
    });
    const inference = (audit.body.records as { event: Record<string, unknown> }[])
      .map((record) => record.event)
      .filter((event) => String(event.action).startsWith('inference.'));
    expect(inference.filter((event) => refusedIds.includes(event.correlationId))).toEqual([]);
  });

  it('rotates without a restart: the old key decrypts during its grace period and is refused after it', async () => {
    const env = { NODE_ENV: 'test', PRAESIDIUM_DATA_DIR: platform.config.dataDir };
    const [old] = await gatewayKeys();
    const toOld = await encryptTo(old);

    const rotated = await praesidium(
      ['keys', 'rotate', '--purpose', 'gateway-encryption', '--grace-seconds', '3600'],
      env,
    );
    expect(rotated.code).toBe(0);
    const current = rotated.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kid: string; alg: string; state: string })
      .filter((key) => key.state === 'current');
    expect(current.map((key) => key.alg).sort()).toEqual(['ECDH-ES', 'RSA-OAEP-256']);
    const newKid = current.find((key) => key.alg === old.alg)?.kid as string;
    await waitFor(async () => (await gatewayKeys()).some((key) => key.kid === newKid), 'the new key');
    const duringGrace = await gatewayKeys();
    const newKey = duringGrace.find((key) => key.kid === newKid) as Jwk;
    // Both are published during the grace period, the new one first.
    expect(duringGrace.map((key) => key.kid)).toContain(old.kid);
    expect(duringGrace.findIndex((key) => key.kid === newKid)).toBeLessThan(
      duringGrace.findIndex((key) => key.kid === old.kid),
    );

    expect((await send(toOld)).status).toBe(200);
    expect((await send(await encryptTo(newKey))).status).toBe(200);

    // The grace period ends (here at once, as for a key believed compromised).
    expect((await praesidium(['keys', 'retire', '--purpose', 'gateway-encryption'], env)).code).toBe(0);
    await waitFor(async () => !(await gatewayKeys()).some((key) => key.kid === old.kid), 'the retirement');
    const refused = await send(toOld);
    expect(refused.status).toBe(400);
    expect(refused.json().code).toBe('jwe.key_retired');
    expect((await send(await encryptTo(newKey))).status).toBe(200);
  });

  it('ends a grace period by itself when its time is over', async () => {
    const env = { NODE_ENV: 'test', PRAESIDIUM_DATA_DIR: platform.config.dataDir };
    const before = await gatewayKeys();
    const rotated = await praesidium(
      ['keys', 'rotate', '--purpose', 'gateway-encryption', '--grace-seconds', '1'],
      env,
    );
    expect(rotated.code).toBe(0);
    const superseded = before.find((key) => key.alg === 'ECDH-ES') as Jwk;
    const toSuperseded = await encryptTo(superseded);
    await waitFor(
      async () => !(await gatewayKeys()).some((key) => key.kid === superseded.kid),
      'the end of the grace period',
    );
    expect((await send(toSuperseded)).json().code).toBe('jwe.key_retired');
  });

  it('never answers a 5xx to whatever an application/jose body holds (property-based)', async () => {
    const [ecKey] = await gatewayKeys();
    const valid = await encryptTo(ecKey);
    const base64url = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/);
    const part = fc.oneof(base64url, fc.string({ maxLength: 40 }));
    const mutated = fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.string({ minLength: 1, maxLength: 3 }))
      .map(([at, text]) => `${valid.slice(0, at)}${text}${valid.slice(at + text.length)}`);
    const header = fc
      .dictionary(fc.constantFrom('alg', 'enc', 'kid', 'zip', 'epk', 'crit', 'cty'), fc.jsonValue(), {
        maxKeys: 5,
      })
      .map((fields) => withHeader(valid, () => ({ ...fields })));
    const jwe = fc.oneof(
      fc.array(part, { minLength: 1, maxLength: 7 }).map((parts) => parts.join('.')),
      mutated,
      header,
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(jwe, async (body) => {
        const response = await send(body);
        expect(response.status).toBeLessThan(500);
        // A mutation that changed nothing still decrypts; anything else is a problem document.
        if (response.status !== 200) expect(response.contentType).toContain('application/problem+json');
      }),
      { numRuns: 150 },
    );
    // The gateway is still there and still serves.
    expect((await send(valid)).status).toBe(200);
  });
});
