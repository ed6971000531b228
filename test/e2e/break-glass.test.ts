import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { call, type JsonResponse } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { purposeConsent } from '../support/consents.js';

type AuditRecords = { event: Record<string, unknown> & { entity?: Record<string, unknown> } }[];

function expectProblem(response: JsonResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ status, code });
}

/** Polls until `found` returns something (for what happens after a response: alerts, expiry). */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('gave up waiting');
}

describe('break-glass emergency access', () => {
  let platform: TestPlatform;
  let webhook: Server;
  const alerts: string[] = [];
  let governance: string;
  let inferUrl: string;
  let clinician: string;
  let officer: string;

  beforeAll(async () => {
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        alerts.push(body);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const { port } = webhook.address() as AddressInfo;
    // A 6-second time box, so the expiry is seen within the test.
    platform = await startTestPlatform('postgres', {
      PRAESIDIUM_BREAK_GLASS_MINUTES: '0.1',
      PRAESIDIUM_BREAK_GLASS_WEBHOOK_URL: `http://127.0.0.1:${port}/alerts`,
    });
    governance = platform.config.http.governanceUrl;
    inferUrl = `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    clinician = await platform.token('pain-clinician');
    officer = await platform.token('security-officer');
  });
  afterAll(async () => {
    await platform?.stop();
    await new Promise((resolve) => webhook?.close(resolve));
  });

  const infer = (token: string, patient: string, purpose: string) =>
    call('POST', inferUrl, {
      token,
      body: { parameters: { patient, purpose_of_use: purpose }, inputs: exampleEsiInputs() },
    });
  const declare = (patient: string) =>
    call('POST', `${governance}/break-glass`, {
      token: clinician,
      body: {
        patient,
        reasonCode: 'life-threatening-emergency',
        justification: 'unresponsive in recovery, consent on file refuses model use',
      },
    });
  const audit = async (action: string): Promise<AuditRecords> =>
    (await call('GET', `${governance}/audit/events?limit=1000&action=${action}`, { token: officer })).body
      .records as AuditRecords;

  // The demo patient's consent refuses TREAT; ETREAT is a kind of TREAT (v3-ActReason), so it is refused too.
  it('lets the declaring clinician past a consent denial for ETREAT and BTG only, until the grant ends', async () => {
    expectProblem(await infer(clinician, DEMO_PATIENTS.refused, 'ETREAT'), 403, 'consent.denied');
    const declared = await declare(DEMO_PATIENTS.refused);
    expect(declared.status).toBe(201);
    expect(declared.body).toMatchObject({ grantee: 'dr.amara.rivera', state: 'active', review: null });
    expect(JSON.stringify(declared.body)).not.toContain(DEMO_PATIENTS.refused);
    const grantId = declared.body.id as string;

    const emergency = await infer(clinician, DEMO_PATIENTS.refused, 'ETREAT');
    expect(emergency.status).toBe(200);
    expect((await infer(clinician, DEMO_PATIENTS.refused, 'BTG')).status).toBe(200);
    // Only the emergency purposes, only this patient, only this clinician.
    expectProblem(await infer(clinician, DEMO_PATIENTS.refused, 'TREAT'), 403, 'consent.denied');
    expectProblem(await infer(clinician, 'Patient/nobody-consented-here', 'ETREAT'), 403, 'consent.absent');
    const colleague = await tokenFor(platform, 'dr.colleague', ['clinician'], {
      departments: ['pain-medicine'],
      trainings: [LUMBAR_ESI_MODEL_NAME],
    });
    expectProblem(await infer(colleague, DEMO_PATIENTS.refused, 'ETREAT'), 403, 'consent.denied');
    expectProblem(
      await call('POST', `${governance}/break-glass/${grantId}/end`, { token: colleague }),
      403,
      'access.denied',
    );

    const ended = await call('POST', `${governance}/break-glass/${grantId}/end`, { token: clinician });
    expect(ended.body).toMatchObject({ id: grantId, state: 'ended' });
    expectProblem(await infer(clinician, DEMO_PATIENTS.refused, 'ETREAT'), 403, 'consent.denied');

    const correlationId = (emergency.body.parameters as { praesidium: { correlation_id: string } }).praesidium
      .correlation_id;
    const tagged = (await audit('inference.request')).filter((r) => r.event.correlationId === correlationId);
    expect(tagged.map((r) => r.event.entity?.breakGlassGrantId)).toEqual([grantId]);
    const started = (await audit('break_glass.started')).find(
      (r) => r.event.entity?.breakGlassGrantId === grantId,
    );
    expect(started?.event).toMatchObject({
      agent: expect.objectContaining({ subject: 'dr.amara.rivera' }),
      entity: expect.objectContaining({ patientPseudonym: tagged[0].event.entity?.patientPseudonym }),
    });
    expect((await audit('break_glass.ended')).map((r) => r.event.entity?.breakGlassGrantId)).toContain(
      grantId,
    );

    // The alert reached the webhook without the patient, and the alert list shows its delivery.
    const payload = await eventually(async () => alerts.find((body) => body.includes(grantId)));
    expect(JSON.parse(payload)).toMatchObject({
      type: 'praesidium.break_glass.declared',
      grant: { id: grantId },
    });
    expect(payload).not.toContain(DEMO_PATIENTS.refused);
    expect(payload).not.toContain(tagged[0].event.entity?.patientPseudonym as string);
    const listed = await eventually(async () => {
      const body = (await call('GET', `${governance}/break-glass/alerts`, { token: officer })).body;
      return (body.alerts as { id: string; alert: string }[]).find(
        (a) => a.id === grantId && a.alert === 'delivered',
      );
    });
    expect(listed).toMatchObject({ state: 'ended', reasonCode: 'life-threatening-emergency' });
  });

  it('overrides an explicit refusal of emergency treatment too, for the patient of the grant', async () => {
    const patient = `Patient/bg-${Date.now()}`;
    const consent = await call('POST', `${governance}/consents`, {
      token: clinician,
      body: purposeConsent(patient, { type: 'deny', purposes: ['TREAT', 'ETREAT', 'BTG'] }),
    });
    expect(consent.status).toBe(201);
    expectProblem(await infer(clinician, patient, 'ETREAT'), 403, 'consent.denied');
    const declared = await declare(patient);
    expect((await infer(clinician, patient, 'ETREAT')).status).toBe(200);
    expectProblem(await infer(clinician, patient, 'TREAT'), 403, 'consent.denied');
    await call('POST', `${governance}/break-glass/${declared.body.id as string}/end`, { token: clinician });
    expectProblem(await infer(clinician, patient, 'ETREAT'), 403, 'consent.denied');
  });

  it('opens no grant whose declaration could not be written to the audit trail', async () => {
    // The trail refuses this one kind of record (a fault injected in the database), nothing else.
    const admin = new pg.Client({ connectionString: platform.config.database.url });
    await admin.connect();
    const patient = `Patient/bg-unaudited-${Date.now()}`;
    try {
      await admin.query(`
        CREATE FUNCTION public.refuse_break_glass_started() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.event_jcs LIKE '%"action":"break_glass.started"%' THEN RAISE EXCEPTION 'injected'; END IF;
          RETURN NEW;
        END $$`);
      await admin.query(`
        CREATE TRIGGER tr_test_refuse_break_glass_started BEFORE INSERT ON audit.event
          FOR EACH ROW EXECUTE FUNCTION public.refuse_break_glass_started()`);
      const consent = await call('POST', `${governance}/consents`, {
        token: clinician,
        body: purposeConsent(patient, { type: 'deny', purposes: ['TREAT'] }),
      });
      expect(consent.status).toBe(201);
      const alertsBefore = (await call('GET', `${governance}/break-glass/alerts`, { token: officer })).body
        .count as number;

      expectProblem(await declare(patient), 503, 'audit.unavailable');
      // Not usable, not awaiting review: there is no grant.
      expectProblem(await infer(clinician, patient, 'ETREAT'), 403, 'consent.denied');
      const alertsAfter = (await call('GET', `${governance}/break-glass/alerts`, { token: officer })).body;
      expect(alertsAfter.count).toBe(alertsBefore);
    } finally {
      await admin.query('DROP TRIGGER IF EXISTS tr_test_refuse_break_glass_started ON audit.event');
      await admin.query('DROP FUNCTION IF EXISTS public.refuse_break_glass_started()');
      await admin.end();
    }
    expect((await declare(patient)).status).toBe(201);
    expect((await infer(clinician, patient, 'ETREAT')).status).toBe(200);
  });

  it('expires a grant at the end of its time box, with its audit event, after which consent applies again', async () => {
    const declared = await declare(DEMO_PATIENTS.refused);
    const grantId = declared.body.id as string;
    const expired = await eventually(async () =>
      (await audit('break_glass.expired')).find((r) => r.event.entity?.breakGlassGrantId === grantId),
    );
    expect(expired.event).toMatchObject({
      outcome: 'success',
      agent: { subject: 'system:break-glass-expiry' },
    });
    expect(
      (await call('GET', `${governance}/break-glass/${grantId}`, { token: clinician })).body,
    ).toMatchObject({
      state: 'expired',
    });
    expectProblem(await infer(clinician, DEMO_PATIENTS.refused, 'ETREAT'), 403, 'consent.denied');
    expectProblem(
      await call('POST', `${governance}/break-glass/${grantId}/end`, { token: clinician }),
      409,
      'break_glass.closed',
    );
  });

  it('makes every grant a review task that a security officer closes once, and only a security officer', async () => {
    const declared = await declare(DEMO_PATIENTS.refused);
    const grantId = declared.body.id as string;
    const reviewUrl = `${governance}/break-glass/${grantId}/review`;
    const tasks = (await call('GET', `${governance}/break-glass/reviews`, { token: officer })).body;
    expect((tasks.reviews as { id: string }[]).map((task) => task.id)).toContain(grantId);
    // The longest waiting first, and how many wait in all (the list stops at 200).
    const started = (tasks.reviews as { startedAt: string }[]).map((task) => Date.parse(task.startedAt));
    expect(started.length).toBeGreaterThan(1);
    expect(started).toEqual([...started].sort((a, b) => a - b));
    expect(tasks).toMatchObject({ total: started.length, count: started.length });
    expectProblem(
      await call('POST', reviewUrl, { token: officer, body: { outcome: 'justified' } }),
      409,
      'break_glass.not_ended',
    );
    await call('POST', `${governance}/break-glass/${grantId}/end`, { token: clinician });

    expectProblem(
      await call('POST', reviewUrl, { token: clinician, body: { outcome: 'justified' } }),
      403,
      'access.denied',
    );
    expectProblem(
      await call('GET', `${governance}/break-glass/reviews`, { token: clinician }),
      403,
      'access.denied',
    );
    expectProblem(await declareAs(officer), 403, 'access.denied');
    const reviewed = await call('POST', reviewUrl, {
      token: officer,
      body: { outcome: 'justified', comment: 'documented emergency, chart reviewed' },
    });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body).toMatchObject({ review: { by: 'sam.okafor', outcome: 'justified' } });
    expectProblem(
      await call('POST', reviewUrl, { token: officer, body: { outcome: 'unjustified' } }),
      409,
      'break_glass.closed',
    );
    const remaining = (await call('GET', `${governance}/break-glass/reviews`, { token: officer })).body;
    expect((remaining.reviews as { id: string }[]).map((task) => task.id)).not.toContain(grantId);
    expect((await audit('break_glass.reviewed')).map((r) => r.event.entity?.breakGlassGrantId)).toContain(
      grantId,
    );

    // Someone who is both clinician and security officer never reviews their own emergency access.
    const both = await tokenFor(platform, 'dr.officer', ['clinician', 'security-officer'], {
      departments: ['pain-medicine'],
    });
    const own = await call('POST', `${governance}/break-glass`, {
      token: both,
      body: {
        patient: DEMO_PATIENTS.refused,
        reasonCode: 'other',
        justification: 'declared by a dual-role user',
      },
    });
    await call('POST', `${governance}/break-glass/${own.body.id as string}/end`, { token: both });
    expectProblem(
      await call('POST', `${governance}/break-glass/${own.body.id as string}/review`, {
        token: both,
        body: { outcome: 'justified' },
      }),
      403,
      'access.denied',
    );
  });

  function declareAs(token: string) {
    return call('POST', `${governance}/break-glass`, {
      token,
      body: {
        patient: DEMO_PATIENTS.refused,
        reasonCode: 'other',
        justification: 'a security officer is no clinician',
      },
    });
  }
});
