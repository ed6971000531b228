import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { call } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { exampleModel } from '../support/registry-fixtures.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { purposeConsent } from '../support/consents.js';
import { dumpAllTables, expectCleanRefusal, expectNoInternals, raw } from './attack-support.js';

/** Short, so that a client trickling its request is seen dropped within the test. */
const REQUEST_TIMEOUT_MS = 4000;

/**
 * The OWASP API Security Top 10 (2023), one describe per item, against the running platform on
 * PostgreSQL. Authentication (API2) is covered in depth by test/security/hostile-tokens.test.ts and
 * test/security/trusted-issuers.test.ts (forged, expired, wrong-audience, alg=none, unknown issuers…);
 * here only what those do not: every governance route refuses an anonymous caller.
 */

/** The parts of a refused change's audit event these tests read. */
interface RefusedChange {
  readonly agent?: { readonly subject?: string };
  readonly reasonCode?: string;
  readonly entity?: { readonly consentId?: string };
}

describe('OWASP API Security Top 10 (2023)', () => {
  let platform: TestPlatform;
  let governance: string;
  let gateway: string;
  let inferUrl: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    platform = await startTestPlatform('postgres', {
      PRAESIDIUM_HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    });
    governance = platform.config.http.governanceUrl;
    gateway = platform.config.http.gatewayUrl;
    inferUrl = `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    tokens.clinician = await platform.token('pain-clinician');
    tokens.cardiologist = await platform.token('cardiology-clinician');
    tokens.officer = await platform.token('security-officer');
    tokens.secondOfficer = await platform.token('second-security-officer');
    tokens.regulatory = await platform.token('regulatory-affairs');
    tokens.ethics = await platform.token('ethics-board');
    tokens.owner = await platform.token('model-owner');
    tokens.otherClinician = await tokenFor(platform, 'other.clinician', ['clinician'], {
      departments: ['pain-medicine'],
    });
    tokens.nobody = await tokenFor(platform, 'no.roles', []);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const infer = (token: string, patient: string, extra: Record<string, unknown> = {}) =>
    call('POST', inferUrl, {
      token,
      body: { parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs(), ...extra },
    });

  describe('API1: broken object-level authorization', () => {
    it('refuses a clinician of another department the pain model, without naming the patient', async () => {
      const refused = await infer(tokens.cardiologist, DEMO_PATIENTS.consented);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('access.denied');
      expect(JSON.stringify(refused.body)).not.toContain(DEMO_PATIENTS.consented.split('/')[1]);
    });

    it('keeps a consent out of reach of roles that may not read consents, by id and by patient', async () => {
      const created = await call('POST', `${governance}/consents?verification=in-person`, {
        token: tokens.clinician,
        body: purposeConsent('Patient/bola-1'),
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      for (const token of [tokens.owner, tokens.ethics, tokens.regulatory, tokens.nobody]) {
        const byId = await raw('GET', `${governance}/consents/${id}?patient=Patient/bola-1`, { token });
        expectCleanRefusal(byId);
        const byPatient = await raw('GET', `${governance}/consents?patient=Patient/bola-1`, { token });
        expectCleanRefusal(byPatient);
      }
    });

    it('does not return a consent under another patient than its own', async () => {
      const created = await call('POST', `${governance}/consents?verification=in-person`, {
        token: tokens.clinician,
        body: purposeConsent('Patient/bola-2'),
      });
      const id = created.body.id as string;
      const crossed = await raw('GET', `${governance}/consents/${id}?patient=Patient/bola-3`, {
        token: tokens.clinician,
      });
      expectCleanRefusal(crossed);
      expect(crossed.text).not.toContain('bola-2');
    });

    it("does not let a clinician of another department revoke a patient's consent by its id alone", async () => {
      const created = await call('POST', `${governance}/consents?verification=in-person`, {
        token: tokens.clinician,
        body: purposeConsent('Patient/bola-5'),
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      // The cardiologist may record consents, and learnt the id (an audit record, a "why" answer).
      const revoke = (consentId: string, query: string) =>
        raw('POST', `${governance}/consents/${consentId}/revoke${query}`, { token: tokens.cardiologist });
      const byIdAlone = await revoke(id, '?verification=telephone');
      expectCleanRefusal(byIdAlone);
      expect(JSON.parse(byIdAlone.text)).toMatchObject({ status: 400, code: 'request.invalid' });
      const underAnother = await revoke(id, '?patient=Patient/bola-6');
      expectCleanRefusal(underAnother);
      // Answered exactly as an id that does not exist: the consent's existence is not revealed.
      const missing = await revoke(randomUUID(), '?patient=Patient/bola-6');
      const withoutCorrelation = (text: string) => {
        const { correlationId: _id, ...problem } = JSON.parse(text) as Record<string, unknown>;
        return problem;
      };
      expect(withoutCorrelation(underAnother.text)).toEqual(withoutCorrelation(missing.text));
      expect(withoutCorrelation(underAnother.text)).toMatchObject({ status: 404, code: 'request.not_found' });
      // The attempt leaves a trace for the security officer: who tried, on which consent id.
      const attempts = await call(
        'GET',
        `${governance}/audit/events?action=consent.revoked&outcome=refused`,
        {
          token: tokens.officer,
        },
      );
      expect(attempts.status).toBe(200);
      expect(
        (attempts.body.records as { event: RefusedChange }[]).map(({ event }) => ({
          subject: event.agent?.subject,
          reasonCode: event.reasonCode,
          consentId: event.entity?.consentId,
        })),
      ).toContainEqual({ subject: expect.any(String), reasonCode: 'request.not_found', consentId: id });
      const still = await call('GET', `${governance}/consents/${id}?patient=Patient/bola-5`, {
        token: tokens.clinician,
      });
      expect(still.body).toMatchObject({ status: 'active', meta: { versionId: '1' } });

      // Whoever knows whose consent it is revokes it (here the patient's own clinician).
      const revoked = await call('POST', `${governance}/consents/${id}/revoke?patient=Patient/bola-5`, {
        token: tokens.clinician,
      });
      expect(revoked).toMatchObject({ status: 200, body: { id, version: 2, status: 'inactive' } });
    });

    it("answers another user's job, bias report and break-glass grant as not found or forbidden", async () => {
      const csv = [
        'label,prediction,score,sex',
        ...Array.from({ length: 60 }, (_, i) => `${i % 2},${i % 2},0.${(i % 9) + 1},${i % 3 ? 'f' : 'm'}`),
      ].join('\n');
      const upload = await raw(
        'POST',
        `${governance}/bias-reports?label=label&prediction=prediction&score=score&sensitive=sex&resamples=50`,
        { token: tokens.owner, body: csv, headers: { 'content-type': 'text/csv' } },
      );
      expect(upload.status).toBe(202);
      const { id, jobId } = JSON.parse(upload.text) as { id: string; jobId: string };
      for (const token of [tokens.clinician, tokens.officer, tokens.nobody]) {
        expectCleanRefusal(await raw('GET', `${governance}/jobs/${jobId}`, { token }));
      }
      for (const token of [tokens.clinician, tokens.nobody]) {
        expectCleanRefusal(await raw('GET', `${governance}/bias-reports/${id}`, { token }));
        expectCleanRefusal(await raw('GET', `${governance}/bias-reports/${id}/report.html`, { token }));
      }

      const grant = await call('POST', `${governance}/break-glass`, {
        token: tokens.clinician,
        body: {
          patient: 'Patient/bola-4',
          reasonCode: 'life-threatening-emergency',
          justification: 'unresponsive, no consent on file',
        },
      });
      expect(grant.status).toBe(201);
      const grantId = grant.body.id as string;
      for (const token of [tokens.otherClinician, tokens.cardiologist, tokens.owner]) {
        expectCleanRefusal(await raw('GET', `${governance}/break-glass/${grantId}`, { token }));
        expectCleanRefusal(
          await raw('POST', `${governance}/break-glass/${grantId}/end`, { token, body: '{}' }),
        );
      }
      // Another clinician cannot ride on the grant: their inference for that patient is still refused.
      const riding = await call('POST', inferUrl, {
        token: tokens.otherClinician,
        body: {
          parameters: { patient: 'Patient/bola-4', purpose_of_use: 'ETREAT' },
          inputs: exampleEsiInputs(),
        },
      });
      expect(riding.status).toBe(403);
    });
  });

  describe('API2: broken authentication (the rest is in test/security)', () => {
    it.each([
      ['GET', '/consents?patient=Patient/x'],
      ['GET', '/audit/events'],
      ['GET', '/audit/export?format=csv'],
      ['POST', '/audit/verifications'],
      ['POST', '/policies'],
      ['POST', '/client-keys'],
      ['GET', '/models'],
      ['POST', '/bias-reports'],
      ['POST', '/break-glass'],
    ])('refuses %s %s without a token, and with a garbage token', async (method, route) => {
      const body = method === 'POST' ? '{}' : undefined;
      const anonymous = await raw(method, `${governance}${route}`, { body });
      expectCleanRefusal(anonymous);
      expect(anonymous.status).toBe(401);
      const garbage = await raw(method, `${governance}${route}`, { body, token: 'a.b.c' });
      expect(garbage.status).toBe(401);
    });
  });

  describe('API3: broken object property level authorization', () => {
    it('never hands a refused caller patient identifiers or model output', async () => {
      const refused = await infer(tokens.clinician, DEMO_PATIENTS.refused);
      expect(refused.status).toBe(403);
      const text = JSON.stringify(refused.body);
      expect(text).not.toContain(DEMO_PATIENTS.refused.split('/')[1]);
      expect(refused.body).not.toHaveProperty('outputs');
    });

    it('lists consents without their documents', async () => {
      const listed = await call('GET', `${governance}/consents?patient=${DEMO_PATIENTS.consented}`, {
        token: tokens.clinician,
      });
      expect(listed.status).toBe(200);
      // The Consent resources come back; their attached source documents (scans, PDFs) do not.
      expect(JSON.stringify(listed.body)).not.toMatch(/sourceAttachment|"data":"/);
    });

    it("gives a security officer a consent's metadata, never its provisions (the policy's field list)", async () => {
      const listed = await raw('GET', `${governance}/consents?patient=${DEMO_PATIENTS.refused}`, {
        token: tokens.officer,
      });
      expect(listed.status).toBe(200);
      expect(listed.text).not.toMatch(/provision|purpose/);
      const id = JSON.parse(listed.text) as {
        entry?: { resource: { id: string } }[];
        consents?: { id: string }[];
      };
      const consentId = id.entry?.[0]?.resource.id ?? id.consents?.[0]?.id;
      expect(consentId).toEqual(expect.any(String));
      const one = await raw('GET', `${governance}/consents/${consentId}?patient=${DEMO_PATIENTS.refused}`, {
        token: tokens.officer,
      });
      expect(one.status).toBeLessThan(500);
      expect(one.text).not.toMatch(/provision|purpose/);
      const history = await raw(
        'GET',
        `${governance}/consents/${consentId}/history?patient=${DEMO_PATIENTS.refused}`,
        {
          token: tokens.officer,
        },
      );
      expect(history.status).toBeLessThan(500);
      expect(history.text).not.toMatch(/provision|purpose/);
    });

    it('never returns a signing PIN hash or private key material', async () => {
      for (const route of ['/client-keys', '/models', '/audit/checkpoint-keys.json']) {
        const answer = await raw('GET', `${governance}${route}`, { token: tokens.officer });
        expect(answer.text).not.toMatch(/"d":"|scrypt|pinHash|privateKey/i);
      }
      const jwks = await raw('GET', `${gateway}/.well-known/jwks.json`);
      expect(jwks.text).not.toMatch(/"d":"|"p":"|"q":"/);
    });
  });

  describe('API4: unrestricted resource consumption', () => {
    it('refuses an oversized body without 5xx', async () => {
      const huge = JSON.stringify({
        inputs: [{ name: 'x', shape: [1], datatype: 'BYTES', data: ['a'.repeat(2_000_000)] }],
      });
      const answer = await raw('POST', inferUrl, { token: tokens.clinician, body: huge });
      expectCleanRefusal(answer);
      expect(answer.status).toBe(413);
      const governanceAnswer = await raw('POST', `${governance}/policies`, {
        token: tokens.officer,
        body: huge,
      });
      expectCleanRefusal(governanceAnswer);
    });

    it('refuses deeply nested JSON without 5xx', async () => {
      const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
      expectCleanRefusal(await raw('POST', inferUrl, { token: tokens.clinician, body: deep }));
      const deepObject = `{"parameters":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
      expectCleanRefusal(await raw('POST', inferUrl, { token: tokens.clinician, body: deepObject }));
      expectCleanRefusal(
        await raw('POST', `${governance}/consents?verification=in-person`, {
          token: tokens.clinician,
          body: deepObject,
        }),
      );
    });

    it('keeps serving through 200 concurrent connections', async () => {
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          raw('POST', inferUrl, {
            token: tokens.clinician,
            body: JSON.stringify({
              parameters: {
                patient: i % 2 ? DEMO_PATIENTS.consented : DEMO_PATIENTS.refused,
                purpose_of_use: 'TREAT',
              },
              inputs: exampleEsiInputs(),
            }),
          }).catch((error: Error) => ({ status: 0, text: error.message, headers: new Headers() })),
        ),
      );
      // Load shedding is allowed (503 backend.saturated, a documented refusal); a crash, a dropped
      // connection or any other 5xx is not.
      const broken = answers.filter(
        (answer) =>
          answer.status === 0 || (answer.status >= 500 && !answer.text.includes('"backend.saturated"')),
      );
      expect(broken.map((answer) => `${answer.status} ${answer.text.slice(0, 200)}`)).toEqual([]);
      for (const shed of answers.filter((answer) => answer.status === 503)) {
        expect(shed.headers.get('content-type')).toContain('application/problem+json');
      }
      expect((await infer(tokens.clinician, DEMO_PATIENTS.consented)).status).toBe(200);
    });

    it('keeps serving while 100 slow clients hold connections with unfinished requests', async () => {
      const { port, hostname } = new URL(gateway);
      const sockets = await Promise.all(
        Array.from(
          { length: 100 },
          (_, i) =>
            new Promise<Socket>((resolve, reject) => {
              const socket = connect(Number(port), hostname, () => {
                // Headers never finished, or a body announced and never sent (slowloris, slow POST; with
                // a token, since a body without one is refused from the headers, unread).
                socket.write(
                  i % 2
                    ? `POST /v2/models/${LUMBAR_ESI_MODEL_NAME}/infer HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tokens.clinician}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"par`
                    : 'GET /v2 HTTP/1.1\r\nhost: x\r\nx-slow: ',
                );
                resolve(socket);
              });
              socket.on('error', () => undefined);
              socket.once('error', reject);
            }),
        ),
      );
      try {
        expect((await infer(tokens.clinician, DEMO_PATIENTS.consented)).status).toBe(200);
        expect((await raw('GET', `${governance}/health/live`)).status).toBe(200);
      } finally {
        for (const socket of sockets) socket.destroy();
      }
    });

    it('drops a client that trickles its headers, or its body once authenticated, when the request timeout passes', async () => {
      const { port, hostname } = new URL(gateway);
      const trickle = (start: string) =>
        new Promise<{ answer: string; closedAfterMs: number | undefined }>((resolve) => {
          const started = Date.now();
          let answer = '';
          const socket = connect(Number(port), hostname, () => socket.write(start));
          // A byte a second: never idle, never finished.
          const drip = setInterval(() => socket.write(' '), 1000);
          const giveUp = setTimeout(() => finish(undefined), REQUEST_TIMEOUT_MS + 8000);
          function finish(closedAfterMs: number | undefined) {
            clearInterval(drip);
            clearTimeout(giveUp);
            socket.destroy();
            resolve({ answer, closedAfterMs });
          }
          socket.on('data', (data: Buffer) => (answer += data.toString()));
          socket.on('error', () => undefined);
          socket.on('close', () => finish(Date.now() - started));
        });
      // Without a token, the body would be refused at once, unread (test/security/unread-bodies.test.ts).
      const [body, headers] = await Promise.all([
        trickle(
          `POST /v2/models/fluoro-needle-position/infer HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tokens.clinician}\r\ncontent-type: application/json\r\ncontent-length: 8000000\r\n\r\n{`,
        ),
        trickle('GET /v2 HTTP/1.1\r\nhost: x\r\nx-slow: a'),
      ]);
      for (const dropped of [body, headers]) {
        expect(dropped.closedAfterMs).toBeDefined();
        expect(dropped.answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(dropped.answer).toContain('"code":"request.timeout"');
      }
    });

    it('refuses a large evaluation upload before reading it: without a token, or to any route but bias reports', async () => {
      const { port, hostname } = new URL(governance);
      // 60 MB announced, 1 KB sent: an answer now means the rest was never going to be read.
      const announce = (path: string, token?: string) =>
        new Promise<string>((resolve) => {
          let answer = '';
          const socket = connect(Number(port), hostname, () =>
            socket.write(
              `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: text/csv\r\ncontent-length: 60000000\r\n${
                token ? `authorization: Bearer ${token}\r\n` : ''
              }\r\nlabel,prediction,sex\n${'1,1,f\n'.repeat(170)}`,
            ),
          );
          const giveUp = setTimeout(() => socket.destroy(), REQUEST_TIMEOUT_MS / 2);
          socket.on('data', (data: Buffer) => {
            answer += data.toString();
            if (answer.includes('\r\n\r\n{') && answer.trimEnd().endsWith('}')) socket.destroy();
          });
          socket.on('error', () => undefined);
          socket.on('close', () => {
            clearTimeout(giveUp);
            resolve(answer);
          });
        });
      const query = '/bias-reports?label=label&prediction=prediction&sensitive=sex';
      expect(await announce(query)).toMatch(/^HTTP\/1\.1 401 [^]*"code":"token\.missing"/);
      expect(await announce(query, 'not-a-token')).toMatch(/^HTTP\/1\.1 401 [^]*"code":"token\.malformed"/);
      expect(await announce('/consents?verification=in-person', tokens.clinician)).toMatch(
        /^HTTP\/1\.1 415 [^]*"code":"request\.unsupported_media_type"/,
      );
    });

    it('caps list sizes', async () => {
      const answer = await raw('GET', `${governance}/audit/events?limit=100000000`, {
        token: tokens.officer,
      });
      expect(answer.status).toBeLessThan(500);
      if (answer.status === 200) {
        expect((JSON.parse(answer.text) as { records: unknown[] }).records.length).toBeLessThanOrEqual(
          10_000,
        );
      }
    });
  });

  describe('API5: broken function level authorization', () => {
    const attempts: [string, string, string, string[]][] = [
      [
        'POST',
        '/policies',
        JSON.stringify({ document: {}, reason: 'take over' }),
        ['clinician', 'owner', 'ethics', 'regulatory', 'nobody'],
      ],
      ['POST', '/policies/1/approve', '{}', ['clinician', 'owner', 'ethics', 'regulatory', 'nobody']],
      ['GET', '/audit/events', '', ['clinician', 'owner', 'ethics', 'regulatory', 'nobody']],
      ['GET', '/audit/export?format=csv', '', ['clinician', 'owner', 'ethics', 'regulatory', 'nobody']],
      ['POST', '/audit/verifications', '{}', ['clinician', 'owner', 'ethics', 'regulatory', 'nobody']],
      ['POST', '/audit/checkpoints', '{}', ['clinician', 'owner', 'ethics', 'regulatory', 'nobody']],
      ['GET', '/break-glass/reviews', '', ['clinician', 'owner', 'ethics', 'regulatory', 'nobody']],
      [
        'POST',
        `/models`,
        JSON.stringify(exampleModel('rogue-model')),
        ['clinician', 'officer', 'ethics', 'nobody'],
      ],
      [
        'POST',
        `/models/${LUMBAR_ESI_MODEL_NAME}/versions/1.0.0/transitions`,
        JSON.stringify({ action: 'suspend', reason: 'sabotage' }),
        // Security officers may suspend a model (the stop button, policy version 6); these may not.
        ['clinician', 'ethics', 'nobody'],
      ],
    ];
    it.each(attempts)(
      '%s %s is refused to roles that must not reach it',
      async (method, route, body, roles) => {
        for (const role of roles) {
          const answer = await raw(method, `${governance}${route}`, {
            token: tokens[role],
            body: body || undefined,
          });
          expectCleanRefusal(answer);
          expect({ role, status: answer.status }).toEqual({ role, status: 403 });
        }
      },
    );

    it('keeps the deployed model serving after those attempts', async () => {
      expect((await infer(tokens.clinician, DEMO_PATIENTS.consented)).status).toBe(200);
    });
  });

  describe('API6: unrestricted access to sensitive business flows', () => {
    it('does not let a policy author approve their own change (four-eyes)', async () => {
      const active = await call('GET', `${governance}/policies/active`, { token: tokens.officer });
      const proposed = await call('POST', `${governance}/policies`, {
        token: tokens.officer,
        body: { document: active.body.document, reason: 'self-approval attempt' },
      });
      expect(proposed.status).toBe(201);
      const self = await raw('POST', `${governance}/policies/${String(proposed.body.version)}/approve`, {
        token: tokens.officer,
        body: '{}',
      });
      expectCleanRefusal(self);
      expect(JSON.parse(self.text)).toMatchObject({ code: 'policy.four_eyes' });
    });
  });

  describe('API3/mass assignment: extra fields are ignored or refused, never applied', () => {
    it('does not let a proposer set status, author, version or approvedBy of a policy', async () => {
      const active = await call('GET', `${governance}/policies/active`, { token: tokens.officer });
      const before = active.body.version as number;
      const proposed = await raw('POST', `${governance}/policies`, {
        token: tokens.officer,
        body: JSON.stringify({
          document: active.body.document,
          reason: 'mass assignment',
          status: 'active',
          author: 'second.officer',
          approvedBy: 'kim.tanaka',
          version: 999,
        }),
      });
      expect(proposed.status).toBeLessThan(500);
      if (proposed.status === 201) {
        const body = JSON.parse(proposed.text) as Record<string, unknown>;
        expect(body.version).not.toBe(999);
        expect(body.status).not.toBe('active');
        expect(body.approvedBy ?? null).toBeNull();
      }
      const still = await call('GET', `${governance}/policies/active`, { token: tokens.officer });
      expect(still.body.version).toBe(before);
    });

    it('does not let an inference body choose the model version, the patient of record or the audit id', async () => {
      const answer = await infer(tokens.clinician, DEMO_PATIENTS.refused, {
        model_version: '0.0.1',
        audit: { id: 'forged' },
        consent: { decision: 'permit' },
        parameters: {
          patient: DEMO_PATIENTS.refused,
          purpose_of_use: 'TREAT',
          consent: 'permit',
          breakGlass: true,
        },
      });
      expect(answer.status).toBe(403);
    });

    it('does not let a consent body choose its own id, version or recorder', async () => {
      const created = await call('POST', `${governance}/consents?verification=in-person`, {
        token: tokens.clinician,
        body: purposeConsent('Patient/mass-1', {}, { id: 'chosen-id', meta: { versionId: '42' } }),
      });
      expect(created.status).toBeLessThan(500);
      if (created.status === 201) {
        expect(created.body.id).not.toBe('chosen-id');
        expect(created.body.version ?? 1).toBe(1);
      }
    });
  });

  describe('API7: server-side request forgery', () => {
    // Decision: no route takes a URL the platform then fetches. JWKS and trusted issuers, the model
    // backends, and the break-glass webhook come only from configuration (environment), never from a
    // request. Registering a model or version with a backend URL must not make the platform call it.
    it('does not fetch a URL smuggled into a model registration or client key', async () => {
      const smuggled = 'http://169.254.169.254/latest/meta-data/';
      const model = await raw('POST', `${governance}/models`, {
        token: tokens.regulatory,
        body: JSON.stringify({ name: 'ssrf-probe', backendUrl: smuggled, endpoint: smuggled, url: smuggled }),
      });
      expect(model.status).toBeLessThan(500);
      const key = await raw('POST', `${governance}/client-keys`, {
        token: tokens.clinician,
        body: JSON.stringify({ jwk: { kty: 'EC', crv: 'P-256', x5u: smuggled, jku: smuggled } }),
      });
      expectCleanRefusal(key);
      const dump = await dumpAllTables(platform.config.database.url ?? '');
      expect(dump).not.toContain('169.254.169.254');
    });

    it('does not follow a jku or x5u header on a token', async () => {
      const [header, payload, signature] = tokens.clinician.split('.');
      const forged = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>;
      forged.jku = 'http://127.0.0.1:1/jwks.json';
      const token = `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${payload}.${signature}`;
      const answer = await raw('GET', `${governance}/models`, { token });
      expect(answer.status).toBe(401);
    });
  });

  describe('API8: security misconfiguration', () => {
    it('sends security headers on every app, and no CORS wildcard with credentials', async () => {
      for (const url of [`${gateway}/v2`, `${governance}/models`, `${governance}/health/live`]) {
        const answer = await raw('GET', url, { headers: { origin: 'https://evil.example' } });
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
        expect(answer.headers.get('cache-control')).toContain('no-store');
        const origin = answer.headers.get('access-control-allow-origin');
        expect(
          origin === null ||
            origin !== '*' ||
            answer.headers.get('access-control-allow-credentials') !== 'true',
        ).toBe(true);
        expect(origin).not.toBe('https://evil.example');
        expect(answer.headers.get('x-powered-by')).toBeNull();
      }
    });

    it('answers malformed requests with problem+json that leaks nothing internal', async () => {
      const cases: [string, Promise<Awaited<ReturnType<typeof raw>>>][] = [
        ['truncated JSON', raw('POST', inferUrl, { token: tokens.clinician, body: '{"parameters":' })],
        [
          'text/plain body',
          raw('POST', inferUrl, {
            token: tokens.clinician,
            body: 'not json',
            headers: { 'content-type': 'text/plain' },
          }),
        ],
        [
          'malformed consent id',
          raw('GET', `${governance}/consents/not-a-uuid?patient=Patient/x`, { token: tokens.clinician }),
        ],
        [
          'unknown break-glass id',
          raw('GET', `${governance}/break-glass/00000000-0000-0000-0000-000000000000`, {
            token: tokens.officer,
          }),
        ],
        ['unknown route', raw('GET', `${governance}/nope`, { token: tokens.officer })],
        [
          '5000-character model name',
          raw('GET', `${gateway}/v2/models/${'x'.repeat(5000)}`, { token: tokens.clinician }),
        ],
        ['bad percent-encoding', raw('GET', `${gateway}/v2/models/%E0%A4%A`, { token: tokens.clinician })],
        [
          'over-long consent id carrying a patient reference',
          raw('GET', `${governance}/consents/${'Patient-esi-demo-1001-'.repeat(10)}`, {
            token: tokens.clinician,
          }),
        ],
      ];
      for (const [label, pending] of cases) {
        const answer = await pending;
        expect({ label, type: answer.headers.get('content-type') }).toEqual({
          label,
          type: expect.stringContaining('application/problem+json'),
        });
        expectCleanRefusal(answer);
        expect(answer.text).not.toContain('esi-demo-1001');
      }
    });
  });

  describe('API8/injection: SQL meta-characters, CSV formulas, HTML', () => {
    const sqlPayloads = [
      "' OR '1'='1",
      "'; DROP TABLE audit.audit_record; --",
      '\\',
      '%',
      '_',
      '$1',
      "Patient/x' UNION SELECT 1--",
    ];
    it('treats SQL meta-characters in filters as data', async () => {
      for (const payload of sqlPayloads) {
        const value = encodeURIComponent(payload);
        for (const url of [
          `${governance}/audit/events?action=${value}`,
          `${governance}/audit/events?patient=${value}`,
          `${governance}/consents?patient=${value}`,
          `${governance}/consents/decision?patient=${value}&purpose=TREAT&model=${value}`,
          `${governance}/models?name=${value}`,
        ]) {
          const answer = await raw('GET', url, {
            token: url.includes('/audit/') ? tokens.officer : tokens.clinician,
          });
          expect({ url, status: answer.status }).toEqual({ url, status: expect.any(Number) });
          expect(answer.status).toBeLessThan(500);
          expectNoInternals(answer.text);
          if (answer.status === 200 && url.includes('/audit/events')) {
            expect((JSON.parse(answer.text) as { records: unknown[] }).records).toEqual([]);
          }
        }
      }
      expect((await infer(tokens.clinician, DEMO_PATIENTS.consented)).status).toBe(200);
    });

    // Found by parser-fuzz.test.ts: U+0000 reached PostgreSQL, which cannot store it, so the request
    // failed as 503 database.unavailable and its audit append failed too: an unaudited request.
    it('refuses U+0000 anywhere in an input at the edge, as an audited 400', async () => {
      const nul = '\u0000';
      const attempts: [string, Promise<Awaited<ReturnType<typeof raw>>>][] = [
        [
          'chat model',
          raw('POST', `${gateway}/v1/chat/completions`, {
            token: tokens.clinician,
            body: JSON.stringify({ model: nul }),
          }),
        ],
        [
          'OIP patient',
          raw('POST', inferUrl, {
            token: tokens.clinician,
            body: JSON.stringify({
              parameters: { patient: `Patient/${nul}`, purpose_of_use: 'TREAT' },
              inputs: exampleEsiInputs(),
            }),
          }),
        ],
        [
          'path parameter',
          raw('POST', `${gateway}/v2/models/a%00b/infer`, { token: tokens.clinician, body: '{}' }),
        ],
        [
          'consent',
          raw('POST', `${governance}/consents?verification=in-person`, {
            token: tokens.clinician,
            body: JSON.stringify(purposeConsent(`Patient/x${nul}`)),
          }),
        ],
        ['audit query', raw('GET', `${governance}/audit/events?action=a%00`, { token: tokens.officer })],
        [
          'JSON key',
          raw('POST', `${governance}/policies`, {
            token: tokens.officer,
            body: JSON.stringify({ [`reason${nul}`]: 'x' }),
          }),
        ],
      ];
      for (const [label, pending] of attempts) {
        const answer = await pending;
        expect({ label, status: answer.status }).toEqual({ label, status: 400 });
        expectCleanRefusal(answer);
      }
      const probe = await raw('POST', `${gateway}/v1/chat/completions`, {
        token: tokens.clinician,
        body: JSON.stringify({ model: nul }),
        headers: { 'x-correlation-id': 'nul-probe-0001' },
      });
      expect(probe.status).toBe(400);
      let record: unknown;
      for (let attempt = 0; attempt < 50 && !record; attempt += 1) {
        const audited = await call('GET', `${governance}/audit/events?action=gateway.request&limit=1000`, {
          token: tokens.officer,
        });
        record = (audited.body.records as { event: { correlationId?: string } }[]).find(
          (candidate) => candidate.event.correlationId === 'nul-probe-0001',
        );
        if (!record) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(record).toMatchObject({ event: { outcome: 'refused', reasonCode: 'request.invalid' } });
    });

    it('neutralizes spreadsheet formulas in the CSV export', async () => {
      // Text an attacker controls that reaches audit rows: the token's subject and the model path.
      const formula = '=HYPERLINK("http://evil.example","x")';
      const attacker = await tokenFor(platform, formula, ['clinician']);
      const refused = await raw('POST', `${gateway}/v2/models/${encodeURIComponent('@SUM(1+1)')}/infer`, {
        token: attacker,
        body: JSON.stringify({ inputs: [] }),
      });
      expect(refused.status).toBe(404);
      const exported = await raw(
        'GET',
        `${governance}/audit/export?format=csv&agent=${encodeURIComponent(formula)}`,
        { token: tokens.officer },
      );
      expect(exported.status).toBe(200);
      // Each hostile cell arrives, prefixed with a quote so no spreadsheet evaluates it.
      expect(exported.text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
      expect(exported.text).toContain(`"'@SUM(1+1)"`);
      expect(exported.text).not.toMatch(/(^|,)[=+\-@]/m);
    });

    it('escapes HTML in bias-report names rendered into the report page', async () => {
      const csv = [
        'label,prediction,score,sex',
        ...Array.from(
          { length: 60 },
          (_, i) => `${i % 2},${i % 2},0.${(i % 9) + 1},${i % 3 ? '<img src=x onerror=alert(1)>' : 'm'}`,
        ),
      ].join('\n');
      const name = encodeURIComponent('<script>alert(1)</script>');
      const upload = await raw(
        'POST',
        `${governance}/bias-reports?label=label&prediction=prediction&score=score&sensitive=sex&resamples=50&name=${name}`,
        { token: tokens.owner, body: csv, headers: { 'content-type': 'text/csv' } },
      );
      expect(upload.status).toBe(202);
      const { id, jobId } = JSON.parse(upload.text) as { id: string; jobId: string };
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const job = await call('GET', `${governance}/jobs/${jobId}`, { token: tokens.owner });
        if (job.body.state === 'completed' || job.body.status === 'completed') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await call('POST', `${governance}/bias-reports/${id}/comments`, {
        token: tokens.ethics,
        body: { body: '<script>alert("comment")</script>' },
      });
      const page = await raw('GET', `${governance}/bias-reports/${id}/report.html`, { token: tokens.ethics });
      expect(page.status).toBe(200);
      expect(page.text).not.toMatch(/<script|<img src=x onerror/i);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    });
  });

  describe('API9/API10: inventory and unsafe consumption', () => {
    it('publishes its API description, and every documented path refuses an anonymous write', async () => {
      const openapi = await raw('GET', `${governance}/docs/openapi.json`);
      expect(openapi.status).toBeLessThan(500);
      if (openapi.status !== 200) return;
      const paths = Object.entries(
        (JSON.parse(openapi.text) as { paths: Record<string, Record<string, unknown>> }).paths,
      );
      expect(paths.length).toBeGreaterThan(10);
      for (const [path, operations] of paths) {
        for (const method of Object.keys(operations).filter((m) =>
          ['post', 'put', 'delete', 'patch'].includes(m),
        )) {
          const concrete = path.replace(/\{[^}]+\}/g, '00000000-0000-0000-0000-000000000000');
          const answer = await raw(method.toUpperCase(), `${governance}${concrete}`, { body: '{}' });
          expect({ method, path, status: answer.status }).toEqual({ method, path, status: 401 });
        }
      }
    });
  });
});
