import { createHash } from 'node:crypto';
import {
  AFTERCARE_DEMO_TEXT,
  AFTERCARE_MODEL_NAME,
  DEMO_PATIENTS,
  exampleEsiInputs,
  FLUORO_NEEDLE_MODEL_NAME,
  fluoroFrameInputs,
  LUMBAR_ESI_MODEL_NAME,
  syntheticFluoroFrame,
} from '@praesidium/demo';
import { ModelEntity, ModelRegistry, ModelVersionEntity } from '@praesidium/model-registry';
import { dataSourceOptions, openDataSource } from '@praesidium/database';
import { eventually, withOutcome } from '../support/eventually.js';
import { call } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

type AuditEvent = Record<string, unknown> & { correlationId?: string; responseSha256?: string };

function esiBody(patient: string = DEMO_PATIENTS.consented) {
  return { parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs() };
}

function chatBody(stream: boolean, patient: string = DEMO_PATIENTS.consented) {
  return {
    model: AFTERCARE_MODEL_NAME,
    stream,
    messages: [{ role: 'user', content: 'Draft aftercare for today’s L4-L5 interlaminar ESI.' }],
    metadata: { patient, purpose_of_use: 'TREAT' },
  };
}

/** The server-sent events of a body, each as its raw text (without the blank line). */
function events(text: string): string[] {
  return text.split('\n\n').filter((event) => event.length > 0);
}

describe('the gateway speaks Open Inference Protocol v2 and OpenAI chat completions', () => {
  let platform: TestPlatform;
  let clinician: string;
  let gateway: string;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    clinician = await platform.token('pain-clinician');
    gateway = platform.config.http.gatewayUrl;
  });
  afterAll(async () => {
    await platform?.stop();
  });

  async function auditEvents(): Promise<AuditEvent[]> {
    const officer = await platform.token('security-officer');
    const audit = await call('GET', `${platform.config.http.governanceUrl}/audit/events?limit=1000`, {
      token: officer,
    });
    expect(audit.status).toBe(200);
    return (audit.body.records as { event: AuditEvent }[]).map((record) => record.event);
  }

  it('answers server metadata and health openly, and model metadata only to an authenticated reader', async () => {
    expect((await call('GET', `${gateway}/v2`)).body).toMatchObject({ name: 'praesidium-gateway' });
    expect((await call('GET', `${gateway}/v2/health/live`)).body).toEqual({ live: true });
    expect((await call('GET', `${gateway}/v2/health/ready`)).body).toEqual({ ready: true });

    expect((await call('GET', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}`)).status).toBe(401);
    const model = await call('GET', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}`, { token: clinician });
    expect(model.status).toBe(200);
    expect(model.body).toMatchObject({ name: LUMBAR_ESI_MODEL_NAME, versions: ['1.0.0'] });
    const version = await call('GET', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/versions/1.0.0`, {
      token: clinician,
    });
    expect(version.body).toMatchObject({ name: LUMBAR_ESI_MODEL_NAME, versions: ['1.0.0'] });
    const ready = await call('GET', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/ready`, {
      token: clinician,
    });
    expect(ready.body).toEqual({ name: LUMBAR_ESI_MODEL_NAME, ready: true });
    const unknown = await call('GET', `${gateway}/v2/models/no-such-model`, { token: clinician });
    expect(unknown.status).toBe(404);
  });

  it('serves a pinned version only when it is approved or deployed, with a reason code otherwise', async () => {
    const pinned = await fetch(`${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/versions/1.0.0/infer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify(esiBody()),
    });
    expect(pinned.status).toBe(200);
    expect(Number(pinned.headers.get('x-gateway-overhead'))).toBeGreaterThanOrEqual(0);
    expect(await pinned.json()).toMatchObject({ model_name: LUMBAR_ESI_MODEL_NAME, model_version: '1.0.0' });

    const missing = await call('POST', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/versions/9.9.9/infer`, {
      token: clinician,
      body: esiBody(),
    });
    expect(missing.body).toMatchObject({ status: 404, code: 'model.version_unknown' });

    // A draft version, registered straight in the registry: it exists but may not be pinned.
    const dataSource = await openDataSource(
      dataSourceOptions(
        { kind: 'server', url: platform.config.database.url as string },
        [ModelEntity, ModelVersionEntity],
        1,
      ),
    );
    try {
      const registry = new ModelRegistry(
        dataSource.getRepository(ModelEntity),
        dataSource.getRepository(ModelVersionEntity),
      );
      const model = (await registry.listModels()).find(
        (candidate) => candidate.name === LUMBAR_ESI_MODEL_NAME,
      );
      const [deployed] = await registry.listVersions(model?.id as string);
      await registry.registerVersion(model as ModelEntity, {
        version: '2.0.0-draft',
        backendUrl: deployed.backendUrl,
        inputSchema: deployed.inputSchema,
        outputSchema: deployed.outputSchema,
      });
    } finally {
      await dataSource.destroy();
    }
    const draft = await call(
      'POST',
      `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/versions/2.0.0-draft/infer`,
      {
        token: clinician,
        body: esiBody(),
      },
    );
    expect(draft.body).toMatchObject({ status: 409, code: 'model.version_not_approved' });
    const events = await auditEvents();
    expect(events.find((event) => event.correlationId === draft.body.correlationId)).toMatchObject({
      action: 'inference.request',
      outcome: 'refused',
      reasonCode: 'model.version_not_approved',
    });
  });

  it('answers a chat completion through the same checks, without the patient reaching the model', async () => {
    const answer = await call('POST', `${gateway}/v1/chat/completions`, {
      token: clinician,
      body: chatBody(false),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: AFTERCARE_DEMO_TEXT } }],
      praesidium: { demonstration: true, version: '1.0.0' },
    });
    const refused = await call('POST', `${gateway}/v1/chat/completions`, {
      token: clinician,
      body: chatBody(false, DEMO_PATIENTS.refused),
    });
    expect(refused.body).toMatchObject({ status: 403, code: 'consent.denied' });
    const noPatient = await call('POST', `${gateway}/v1/chat/completions`, {
      token: clinician,
      body: { ...chatBody(false), metadata: {} },
    });
    expect(noPatient.body).toMatchObject({ status: 400, code: 'request.patient_missing' });
    const cardiologist = await platform.token('cardiology-clinician');
    const denied = await call('POST', `${gateway}/v1/chat/completions`, {
      token: cardiologist,
      body: chatBody(false),
    });
    expect(denied.body).toMatchObject({ status: 403, code: 'access.denied' });
  });

  it('pins a chat completion with model name@version: a servable version goes through every check, an unknown or unapproved one is refused', async () => {
    // Two more versions of the language model, straight in the registry: 1.1.0 approved (servable
    // but not deployed), 1.2.0-draft not approved.
    const dataSource = await openDataSource(
      dataSourceOptions(
        { kind: 'server', url: platform.config.database.url as string },
        [ModelEntity, ModelVersionEntity],
        1,
      ),
    );
    try {
      const versions = dataSource.getRepository(ModelVersionEntity);
      const registry = new ModelRegistry(dataSource.getRepository(ModelEntity), versions);
      const model = await registry.getModel(AFTERCARE_MODEL_NAME);
      const [deployed] = await registry.listVersions(model.id);
      const shape = {
        backendUrl: deployed.backendUrl,
        inputSchema: deployed.inputSchema,
        outputSchema: deployed.outputSchema,
      };
      const approved = await registry.registerVersion(model, { version: '1.1.0', ...shape });
      await versions.update({ id: approved.id }, { status: 'approved' });
      await registry.registerVersion(model, { version: '1.2.0-draft', ...shape });
    } finally {
      await dataSource.destroy();
    }
    const chat = (model: string) =>
      call('POST', `${gateway}/v1/chat/completions`, {
        token: clinician,
        body: { ...chatBody(false), model },
      });

    const pinned = await chat(`${AFTERCARE_MODEL_NAME}@1.0.0`);
    expect(pinned.status).toBe(200);
    expect(pinned.body).toMatchObject({ praesidium: { version: '1.0.0' } });
    const streamed = await fetch(`${gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...chatBody(true), model: `${AFTERCARE_MODEL_NAME}@1.0.0` }),
    });
    expect(await streamed.text()).toContain('"version":"1.0.0"');
    // The approved version is servable, so the pin reaches authorization with that version, where the
    // seeded policy lets clinicians infer with deployed versions only.
    const approved = await chat(`${AFTERCARE_MODEL_NAME}@1.1.0`);
    expect(approved.body).toMatchObject({ status: 403, code: 'access.denied' });
    expect((await chat(`${AFTERCARE_MODEL_NAME}@9.9.9`)).body).toMatchObject({
      status: 404,
      code: 'model.version_unknown',
    });
    const draft = await chat(`${AFTERCARE_MODEL_NAME}@1.2.0-draft`);
    expect(draft.body).toMatchObject({ status: 409, code: 'model.version_not_approved' });
    expect((await chat(`${AFTERCARE_MODEL_NAME}@`)).body).toMatchObject({
      status: 404,
      code: 'model.version_unknown',
    });

    const pinnedCall = (pinned.body.praesidium as { correlation_id: string }).correlation_id;
    // The pinned call's outcome record may commit just after its answer (after-release).
    const events = await eventually(auditEvents, (all) =>
      withOutcome(all.filter((event) => event.correlationId === pinnedCall)),
    );
    const recorded = (correlationId: unknown) =>
      events.filter((event) => event.correlationId === correlationId);
    expect(recorded(pinnedCall)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'inference.response',
          entity: expect.objectContaining({ modelVersion: '1.0.0' }),
        }),
      ]),
    );
    expect(recorded(approved.body.correlationId)).toEqual([
      expect.objectContaining({
        reasonCode: 'access.denied',
        entity: expect.objectContaining({ modelVersion: '1.1.0' }),
      }),
    ]);
    expect(recorded(draft.body.correlationId)).toEqual([
      expect.objectContaining({
        action: 'inference.request',
        outcome: 'refused',
        reasonCode: 'model.version_not_approved',
      }),
    ]);
  });

  it('streams a chat completion event by event, and releases [DONE] after the response record holding the hash of the whole stream', async () => {
    const response = await fetch(`${gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify(chatBody(true)),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const received = events(await response.text());
    expect(received.at(-1)).toBe('data: [DONE]');
    const trailer = JSON.parse(received.at(-2)?.slice('data: '.length) ?? '{}') as {
      praesidium: { audit: { stream: string; seq: number }; correlation_id: string };
    };
    const modelEvents = received.slice(0, -2);
    const text = modelEvents
      .map(
        (event) => JSON.parse(event.slice('data: '.length)) as { choices: { delta: { content?: string } }[] },
      )
      .map((chunk) => chunk.choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe(AFTERCARE_DEMO_TEXT);
    expect(modelEvents.length).toBeGreaterThan(10);

    // The backend's stream was these events and its own [DONE], byte for byte.
    const backendStream = `${modelEvents.map((event) => `${event}\n\n`).join('')}data: [DONE]\n\n`;
    const expectedHash = createHash('sha256').update(backendStream).digest('hex');
    const events_ = await auditEvents();
    const records = events_.filter((event) => event.correlationId === trailer.praesidium.correlation_id);
    expect(records.map((event) => `${String(event.action)}:${String(event.outcome)}`).sort()).toEqual([
      'inference.request:success',
      'inference.response:success',
    ]);
    expect(records.find((event) => event.action === 'inference.response')?.responseSha256).toBe(expectedHash);

    // Clinician feedback on that output, tied to its record and audited.
    const feedback = await call('POST', `${gateway}/v2/feedback`, {
      token: clinician,
      body: { audit: trailer.praesidium.audit, verdict: 'modified', reason: 'output.incomplete' },
    });
    expect(feedback.status).toBe(201);
    const officer = await platform.token('security-officer');
    const notMine = await call('POST', `${gateway}/v2/feedback`, {
      token: officer,
      body: { audit: trailer.praesidium.audit, verdict: 'rejected', reason: 'output.other' },
    });
    expect(notMine.body).toMatchObject({ status: 403, code: 'access.denied' });
    const unknown = await call('POST', `${gateway}/v2/feedback`, {
      token: clinician,
      body: {
        audit: { stream: trailer.praesidium.audit.stream, seq: 999999 },
        verdict: 'accepted',
        reason: 'output.other',
      },
    });
    expect(unknown.body).toMatchObject({ status: 404, code: 'feedback.output_unknown' });
    expect(
      (await auditEvents()).find((event) => event.action === 'inference.feedback.modified'),
    ).toMatchObject({
      correlationId: trailer.praesidium.correlation_id,
      reasonCode: 'output.incomplete',
      responseSha256: expectedHash,
      entity: {
        outputRecord: `${trailer.praesidium.audit.stream}/${trailer.praesidium.audit.seq}`,
      },
    });
  });

  it('carries a ~3 MB fluoroscopy frame end to end, hashes it for the audit, and refuses one over the model limit', async () => {
    const frame = syntheticFluoroFrame(3 * 1024 * 1024);
    const body = JSON.stringify({
      parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
      inputs: fluoroFrameInputs(frame),
    });
    const response = await fetch(`${gateway}/v2/models/${FLUORO_NEEDLE_MODEL_NAME}/infer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      outputs: { name: string; data: number[] }[];
      parameters: { praesidium: { correlation_id: string } };
    };
    expect(answer.outputs[0].name).toBe('needle_at_target_probability');
    expect(answer.outputs[0].data[0]).toBeGreaterThanOrEqual(0);
    const request = (await auditEvents()).find(
      (event) =>
        event.correlationId === answer.parameters.praesidium.correlation_id &&
        event.action === 'inference.request',
    );
    expect(request?.requestSha256).toBe(createHash('sha256').update(body).digest('hex'));

    // The same frame is over the ESI model's (default 1 MiB) limit.
    const tooLarge = await call('POST', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
      token: clinician,
      body: JSON.parse(body) as unknown,
    });
    expect(tooLarge.body).toMatchObject({ status: 413, code: 'request.too_large' });
  });

  it('exposes Prometheus metrics of decisions and step latency to loopback callers', async () => {
    const response = await fetch(`${gateway}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('praesidium_gateway_decisions_total{outcome="success",reason="ok"');
    expect(text).toContain('praesidium_gateway_decisions_total{outcome="refused",reason="consent.denied"');
    expect(text).toContain('praesidium_gateway_step_duration_seconds_bucket{step="consent"');
    expect(text).not.toContain('esi-demo');
  });
});
