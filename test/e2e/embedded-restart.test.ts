import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DEMO_PATIENTS,
  DEMO_MODEL,
  DEMO_MODELS,
  exampleEsiInputs,
  LUMBAR_ESI_MODEL_NAME,
} from '@praesidium/demo';
import { call, type JsonResponse } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

interface AuditRecordBody {
  streamId: string;
  seq: number;
  hash: string;
  event: Record<string, unknown> & { entity?: Record<string, unknown>; agent?: Record<string, unknown> };
}

function inferenceBody(patient: string) {
  return { parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs() };
}

/**
 * `npm start`, Ctrl-C, `npm start` again on the embedded PGlite default: the second start must find
 * everything the first one left (data, keys, audit chain) and must not seed the demo a second time.
 */
describe('stopping and restarting on the embedded database', () => {
  let dataDir: string;
  let first: TestPlatform | undefined;
  let second: TestPlatform | undefined;
  let tokenFromFirstRun: string;
  let firstInference: JsonResponse;
  let firstIssuerKids: string[];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-restart-'));
    first = await startTestPlatform('pglite', { PRAESIDIUM_DATA_DIR: dataDir });
    tokenFromFirstRun = await first.token('pain-clinician');
    firstInference = await call(
      'POST',
      `${first.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`,
      {
        token: tokenFromFirstRun,
        body: inferenceBody(DEMO_PATIENTS.consented),
      },
    );
    firstIssuerKids = (
      (await call('GET', `${first.config.http.governanceUrl}/demo-issuer/jwks.json`)).body.keys as {
        kid: string;
      }[]
    ).map((key) => key.kid);
    const { gatewayPort, governancePort, sampleModelPort } = first.config.http;
    await first.stop();
    first = undefined;
    // The same ports, as a restarted `npm start` uses: the demo issuer URL (the tokens' `iss`) is
    // derived from the governance URL, so only then does a token from before the restart name the
    // issuer the restarted gateway trusts. (The seeded model version also keeps the sample-model
    // URL of the first start: on another PRAESIDIUM_SAMPLE_MODEL_PORT inference answers 502.)
    second = await startTestPlatform('pglite', {
      PRAESIDIUM_DATA_DIR: dataDir,
      PRAESIDIUM_GATEWAY_PORT: String(gatewayPort),
      PRAESIDIUM_GOVERNANCE_PORT: String(governancePort),
      PRAESIDIUM_SAMPLE_MODEL_PORT: String(sampleModelPort),
    });
  });

  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const running = () => {
    if (!second) throw new Error('the restarted platform did not start');
    return second;
  };
  const governance = (route: string) => `${running().config.http.governanceUrl}${route}`;

  async function auditRecords(): Promise<AuditRecordBody[]> {
    const officer = await running().token('security-officer');
    const response = await call('GET', governance('/audit/events?limit=1000'), { token: officer });
    expect(response.status).toBe(200);
    return response.body.records as AuditRecordBody[];
  }

  it('served an allowed inference before the restart', () => {
    expect(firstInference.status).toBe(200);
  });

  it('still has each demo model exactly once, with one deployed version', async () => {
    const response = await call('GET', governance('/models'), {
      token: await running().token('regulatory-affairs'),
    });
    expect(response.status).toBe(200);
    const models = response.body as unknown as {
      name: string;
      versions: { version: string; status: string }[];
    }[];
    expect(models.map((model) => model.name).sort()).toEqual(DEMO_MODELS.map((model) => model.name).sort());
    for (const model of models) {
      expect(model.versions).toEqual([
        expect.objectContaining({ version: DEMO_MODEL.version, status: 'deployed' }),
      ]);
    }
  });

  it('still has exactly one consent per demo patient, found by the same pseudonym key', async () => {
    const clinician = await running().token('pain-clinician');
    for (const [patient, type] of [
      [DEMO_PATIENTS.consented, 'permit'],
      [DEMO_PATIENTS.refused, 'deny'],
    ] as const) {
      const response = await call('GET', governance(`/consents?patient=${encodeURIComponent(patient)}`), {
        token: clinician,
      });
      expect(response.status).toBe(200);
      expect(response.body.total).toBe(1);
      expect(response.body.entry).toEqual([
        {
          resource: expect.objectContaining({
            resourceType: 'Consent',
            provision: expect.objectContaining({ type }),
          }),
        },
      ]);
    }
    // The seeder's own audit records were written once, not once per start.
    const seeded = (await auditRecords()).filter(
      (record) => record.event.action === 'consent.recorded' && record.event.agent?.subject === 'demo-seed',
    );
    expect(seeded).toHaveLength(2);
  });

  it("keeps the first run's inference in the audit trail, exactly as the response reported it", async () => {
    const meta = (
      firstInference.body.parameters as {
        praesidium: {
          correlation_id: string;
          audit: { stream: string; seq: number; hash: string };
          audit_outcome: string;
        };
      }
    ).praesidium;
    const ofCall = (await auditRecords()).filter(
      (record) => record.event.correlationId === meta.correlation_id,
    );
    expect(
      ofCall.map((record) => `${String(record.event.action)}:${String(record.event.outcome)}`).sort(),
    ).toEqual(['inference.request:success', 'inference.response:success']);
    // Released before its outcome record committed (after-release), the answer named its request
    // record; the stop between the runs waited for the outcome record, which is there too.
    expect(meta.audit_outcome).toBe('pending');
    const named = ofCall.find((record) => record.event.action === 'inference.request');
    expect(named).toMatchObject({
      streamId: meta.audit.stream,
      seq: meta.audit.seq,
      hash: meta.audit.hash,
    });
  });

  it('still verifies every audit chain, the first run’s included', async () => {
    const officer = await running().token('security-officer');
    const started = await call('POST', governance('/audit/verifications'), { token: officer });
    expect(started.status).toBe(202);
    let status: Record<string, unknown> = {};
    for (
      let attempt = 0;
      attempt < 100 && status.state !== 'completed' && status.state !== 'failed';
      attempt += 1
    ) {
      status = (await call('GET', governance(String(started.body.status)), { token: officer })).body;
      if (status.state !== 'completed') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toMatchObject({ state: 'completed', result: { valid: true } });
    const firstStream = (firstInference.body.parameters as { praesidium: { audit: { stream: string } } })
      .praesidium.audit.stream;
    const streams = (status.result as { streams: { streamId: string; valid: boolean; checked: number }[] })
      .streams;
    expect(streams).toEqual(
      expect.arrayContaining([expect.objectContaining({ streamId: firstStream, valid: true })]),
    );
    expect(streams.find((stream) => stream.streamId === firstStream)?.checked).toBeGreaterThanOrEqual(2);
  });

  it('keeps its keys: a token minted before the restart is still accepted for inference', async () => {
    const kids = (
      (await call('GET', governance('/demo-issuer/jwks.json'))).body.keys as { kid: string }[]
    ).map((key) => key.kid);
    expect(kids).toEqual(firstIssuerKids);
    const response = await call(
      'POST',
      `${running().config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`,
      {
        token: tokenFromFirstRun,
        body: inferenceBody(DEMO_PATIENTS.consented),
      },
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ model_name: LUMBAR_ESI_MODEL_NAME });
  });
});
