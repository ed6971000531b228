import { randomUUID } from 'node:crypto';
import { SEEDED_POLICY_VERSION } from '@praesidium/access';
import { ACCESS_TOKEN_JWS_TYPE } from '@praesidium/config';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { signJwt } from '@praesidium/keys';
import { eventually, withOutcome } from '../support/eventually.js';
import { call } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { purposeConsent } from '../support/consents.js';

function inferenceBody(patient: string, purpose = 'TREAT') {
  return { parameters: { patient, purpose_of_use: purpose }, inputs: exampleEsiInputs() };
}

describe.each(['postgres', 'pglite'] as const)('governed inference on %s', (database) => {
  let platform: TestPlatform;
  let clinician: string;
  let inferUrl: string;

  beforeAll(async () => {
    platform = await startTestPlatform(database);
    clinician = await platform.token('pain-clinician');
    inferUrl = `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
  });
  afterAll(async () => {
    await platform?.stop();
  });

  function expectProblem(response: Awaited<ReturnType<typeof call>>, status: number, code: string) {
    expect(response.status).toBe(status);
    expect(response.contentType).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status, code, type: `urn:praesidium:problem:${code}` });
  }

  it('answers an allowed clinician with the model output, its name, version and decision-support notice', async () => {
    const response = await call('POST', inferUrl, {
      token: clinician,
      body: inferenceBody(DEMO_PATIENTS.consented),
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ model_name: LUMBAR_ESI_MODEL_NAME, model_version: '1.0.0' });
    const [output] = response.body.outputs as { name: string; data: number[] }[];
    expect(output.name).toBe('probability_meaningful_relief');
    expect(output.data[0]).toBeGreaterThan(0);
    expect(output.data[0]).toBeLessThan(1);
    const meta = (response.body.parameters as { praesidium: Record<string, unknown> }).praesidium;
    expect(meta).toMatchObject({ demonstration: true, version: '1.0.0', rollout: 'deployed' });
    expect(String(meta.notice)).toMatch(/Decision support/);
  });

  it("opens the answer's model card link for the clinician who got it, with the versions summarized", async () => {
    const response = await call('POST', inferUrl, {
      token: clinician,
      body: inferenceBody(DEMO_PATIENTS.consented),
    });
    const meta = (response.body.parameters as { praesidium: { model_card: string } }).praesidium;
    const card = await call('GET', meta.model_card, { token: clinician });
    expect(card.status).toBe(200);
    expect(card.body).toMatchObject({ name: LUMBAR_ESI_MODEL_NAME, intendedUse: expect.any(String) });
    const [version] = card.body.versions as Record<string, unknown>[];
    expect(Object.keys(version).sort()).toEqual(['id', 'manifestSha256', 'status', 'version']);
    // A registry reader still gets every version whole.
    const owner = await platform.token('model-owner');
    const full = await call('GET', meta.model_card, { token: owner });
    expect((full.body.versions as Record<string, unknown>[])[0]).toHaveProperty('backendUrl');
  });

  it('refuses the patient who refused, and audits both calls', async () => {
    const allowed = await call('POST', inferUrl, {
      token: clinician,
      body: inferenceBody(DEMO_PATIENTS.consented),
    });
    const refused = await call('POST', inferUrl, {
      token: clinician,
      body: inferenceBody(DEMO_PATIENTS.refused),
    });
    expectProblem(refused, 403, 'consent.denied');
    expect(JSON.stringify(refused.body)).not.toContain('esi-demo');

    const officer = await platform.token('security-officer');
    const allowedId = (allowed.body.parameters as { praesidium: { correlation_id: string } }).praesidium
      .correlation_id;
    // The allowed call's outcome record may commit just after its answer (after-release).
    const audit = await eventually(
      () => call('GET', `${platform.config.http.governanceUrl}/audit/events?limit=1000`, { token: officer }),
      (search) =>
        withOutcome(
          (search.body.records as { event: Record<string, unknown> }[])
            .map((record) => record.event)
            .filter((event) => event.correlationId === allowedId),
        ),
    );
    expect(audit.status).toBe(200);
    const events = (audit.body.records as { event: Record<string, unknown> }[]).map((record) => record.event);
    const byCorrelation = (id: unknown) => events.filter((event) => event.correlationId === id);
    expect(
      byCorrelation(allowedId)
        .map((event) => `${String(event.action)}:${String(event.outcome)}`)
        .sort(),
    ).toEqual(['inference.request:success', 'inference.response:success']);
    expect(byCorrelation(refused.body.correlationId)).toEqual([
      expect.objectContaining({
        action: 'inference.request',
        outcome: 'refused',
        reasonCode: 'consent.denied',
      }),
    ]);
    // Patients appear in the trail only as pseudonyms.
    expect(JSON.stringify(audit.body)).not.toContain('esi-demo');
  });

  it('gives a bad signature, an expired token, an unknown model and a patient without consent their own reason codes', async () => {
    const [header, payload, signature] = clinician.split('.');
    const forged = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expectProblem(
      await call('POST', inferUrl, { token: forged, body: inferenceBody(DEMO_PATIENTS.consented) }),
      401,
      'token.signature_invalid',
    );

    const now = Math.floor(Date.now() / 1000);
    const expired = await signJwt(
      platform.keyStore.current('demo-issuer'),
      {
        iss: platform.config.auth.issuer,
        aud: platform.config.auth.audience,
        sub: 'dr.amara.rivera',
        roles: ['clinician'],
        department: ['pain-medicine'],
        trainings: [LUMBAR_ESI_MODEL_NAME],
        iat: now - 7200,
        exp: now - 3600,
      },
      ACCESS_TOKEN_JWS_TYPE,
    );
    expectProblem(
      await call('POST', inferUrl, { token: expired, body: inferenceBody(DEMO_PATIENTS.consented) }),
      401,
      'token.expired',
    );

    const unknown = `${platform.config.http.gatewayUrl}/v2/models/no-such-model/infer`;
    expectProblem(
      await call('POST', unknown, { token: clinician, body: inferenceBody(DEMO_PATIENTS.consented) }),
      404,
      'model.unknown',
    );

    const stranger = `Patient/never-consented-${randomUUID().slice(0, 8)}`;
    expectProblem(
      await call('POST', inferUrl, { token: clinician, body: inferenceBody(stranger) }),
      403,
      'consent.absent',
    );
  });

  it('refuses a missing token, a clinician of another department and a malformed request', async () => {
    expectProblem(
      await call('POST', inferUrl, { body: inferenceBody(DEMO_PATIENTS.consented) }),
      401,
      'token.missing',
    );
    const cardiologist = await platform.token('cardiology-clinician');
    expectProblem(
      await call('POST', inferUrl, { token: cardiologist, body: inferenceBody(DEMO_PATIENTS.consented) }),
      403,
      'access.denied',
    );
    expectProblem(
      await call('POST', inferUrl, { token: clinician, body: { inputs: [] } }),
      400,
      'request.patient_missing',
    );
    const badInput = {
      ...inferenceBody(DEMO_PATIENTS.consented),
      inputs: [{ name: 'age_years', shape: [1], datatype: 'FP32', data: [900] }],
    };
    const invalid = await call('POST', inferUrl, { token: clinician, body: badInput });
    expectProblem(invalid, 400, 'request.invalid');
    expect(invalid.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('/inputs') })]),
    );
  });

  it('refuses a body over the limit and a body that is not JSON, before anything else', async () => {
    const huge = {
      ...inferenceBody(DEMO_PATIENTS.consented),
      padding: 'x'.repeat(platform.config.gateway.bodyLimitBytes),
    };
    expectProblem(await call('POST', inferUrl, { token: clinician, body: huge }), 413, 'request.too_large');
    const text = await fetch(inferUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'text/plain' },
      body: 'run the model please',
    });
    expect(text.status).toBe(415);
    const refusal = (await text.json()) as { code: string; correlationId: string };
    expect(refusal.code).toBe('request.unsupported_media_type');

    // Refused at the edge, before the pipeline: audited all the same, shortly after the answer.
    const officer = await platform.token('security-officer');
    let found: unknown[] = [];
    for (let attempt = 0; attempt < 50 && found.length === 0; attempt += 1) {
      const audit = await call(
        'GET',
        `${platform.config.http.governanceUrl}/audit/events?reason_code=request.unsupported_media_type&limit=1000`,
        { token: officer },
      );
      found = (audit.body.records as { event: { correlationId?: string } }[]).filter(
        (record) => record.event.correlationId === refusal.correlationId,
      );
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(found).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({
          action: 'gateway.request',
          outcome: 'refused',
          entity: { policyVersion: SEEDED_POLICY_VERSION },
        }),
      }),
    ]);
  });

  it('keeps the model unreachable except through the gateway', async () => {
    const direct = `http://127.0.0.1:${platform.config.http.sampleModelPort}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    expectProblem(
      await call('POST', direct, { body: { inputs: exampleEsiInputs() } }),
      401,
      'assertion.missing',
    );
    expectProblem(
      await call('POST', direct, { token: clinician, body: { inputs: exampleEsiInputs() } }),
      401,
      'assertion.invalid',
    );
  });

  it('applies a consent recorded through the API, and its revocation, to the very next inference', async () => {
    const patient = `Patient/new-${randomUUID().slice(0, 8)}`;
    const consentsUrl = `${platform.config.http.governanceUrl}/consents`;
    const recorded = await call('POST', consentsUrl, {
      token: clinician,
      body: purposeConsent(patient),
    });
    expect(recorded.status).toBe(201);
    expect((await call('POST', inferUrl, { token: clinician, body: inferenceBody(patient) })).status).toBe(
      200,
    );

    const revoked = await call(
      'POST',
      `${consentsUrl}/${String(recorded.body.id)}/revoke?patient=${encodeURIComponent(patient)}`,
      { token: clinician },
    );
    expect(revoked.body).toMatchObject({ status: 'inactive', version: 2 });
    expectProblem(
      await call('POST', inferUrl, { token: clinician, body: inferenceBody(patient) }),
      403,
      'consent.revoked',
    );
  });

  it('refuses a consent that is not valid FHIR R4, naming the path of each problem, and stores nothing', async () => {
    const patient = `Patient/invalid-${randomUUID().slice(0, 8)}`;
    const consentsUrl = `${platform.config.http.governanceUrl}/consents`;
    const invalid = { ...purposeConsent(patient), status: 'approved', colour: 'blue' };
    const refused = await call('POST', consentsUrl, { token: clinician, body: invalid });
    expectProblem(refused, 400, 'request.invalid');
    expect(refused.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '$.status' }),
        expect.objectContaining({ path: '$.colour' }),
      ]),
    );
    const stored = await call('GET', `${consentsUrl}?patient=${encodeURIComponent(patient)}`, {
      token: clinician,
    });
    expect(stored.body.total).toBe(0);
  });

  it('lets a security officer verify every audit chain as a job, and nobody else', async () => {
    const clinicianTry = await call('POST', `${platform.config.http.governanceUrl}/audit/verifications`, {
      token: clinician,
    });
    expectProblem(clinicianTry, 403, 'access.denied');

    const officer = await platform.token('security-officer');
    const started = await call('POST', `${platform.config.http.governanceUrl}/audit/verifications`, {
      token: officer,
    });
    expect(started.status).toBe(202);
    let status: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 100 && status.state !== 'completed'; attempt += 1) {
      status = (
        await call('GET', `${platform.config.http.governanceUrl}${String(started.body.status)}`, {
          token: officer,
        })
      ).body;
      if (status.state !== 'completed') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toMatchObject({ state: 'completed', progress: 100, result: { valid: true } });
    const otherUser = await call(
      'GET',
      `${platform.config.http.governanceUrl}${String(started.body.status)}`,
      { token: clinician },
    );
    expectProblem(otherUser, 404, 'request.not_found');
  });
});
