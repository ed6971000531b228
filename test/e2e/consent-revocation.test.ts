import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { CONSENT_FEED_APPLICATION_NAME } from '@praesidium/consent';
import { exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { call } from '../support/http.js';
import { freePort, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { purposeConsent } from '../support/consents.js';

const CLI = path.resolve('bin/praesidium.js');

function inferenceBody(patient: string) {
  return { parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs() };
}

/** Connections of this database that LISTEN for consent changes: one per app with a consent cache. */
async function listenerCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>(
      `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [CONSENT_FEED_APPLICATION_NAME],
    );
    return Number(result.rows[0].count);
  } finally {
    await client.end();
  }
}

interface Gateway {
  readonly url: string;
  readonly process: ChildProcess;
}

/** A gateway in a process of its own, on the platform's PostgreSQL database and key store. */
async function startGatewayProcess(platform: TestPlatform, dataDir: string): Promise<Gateway> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'start', '--apps', 'gateway'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      NODE_ENV: 'test',
      PRAESIDIUM_LOG_LEVEL: 'error',
      PRAESIDIUM_DATA_DIR: dataDir,
      DATABASE_URL: platform.config.database.url ?? '',
      PRAESIDIUM_GATEWAY_PORT: String(port),
      PRAESIDIUM_GOVERNANCE_PORT: String(platform.config.http.governancePort),
      PRAESIDIUM_SAMPLE_MODEL_PORT: String(platform.config.http.sampleModelPort),
      // The sample model checks assertions against the in-process gateway's keys: the same key store.
      PRAESIDIUM_GATEWAY_JWKS_URL: `${platform.config.http.gatewayUrl}/.well-known/jwks.json`,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const live = await fetch(`${url}/v2/health/live`).catch(() => undefined);
    if (live?.ok) return { url, process: child };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  throw new Error('the gateway process did not start');
}

async function stopGatewayProcess(gateway: Gateway | undefined): Promise<void> {
  if (!gateway || gateway.process.exitCode !== null) return;
  const exited = new Promise((resolve) => gateway.process.once('exit', resolve));
  gateway.process.kill('SIGTERM');
  await exited;
}

describe('revoking a consent while a clinician is working, on PostgreSQL with three gateways', () => {
  let dataDir: string;
  let platform: TestPlatform;
  let clinician: string;
  let gateways: Gateway[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-revoke-'));
    platform = await startTestPlatform('postgres', { PRAESIDIUM_DATA_DIR: dataDir });
    clinician = await platform.token('pain-clinician');
    gateways = await Promise.all([
      startGatewayProcess(platform, dataDir),
      startGatewayProcess(platform, dataDir),
    ]);
  });
  afterAll(async () => {
    await Promise.all(gateways.map(stopGatewayProcess));
    await platform?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const infer = (gatewayUrl: string, patient: string) =>
    call('POST', `${gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
      token: clinician,
      body: inferenceBody(patient),
    });

  it('refuses the next inference, on every gateway, naming the revoking consent version in the audit trail', async () => {
    const patient = `Patient/revoke-${randomUUID().slice(0, 8)}`;
    const governance = platform.config.http.governanceUrl;
    const recorded = await call('POST', `${governance}/consents?verification=in-person`, {
      token: clinician,
      body: purposeConsent(patient),
    });
    expect(recorded.status).toBe(201);
    const consentId = String(recorded.body.id);

    // Every app of every process listens for consent changes (2 in this process, 1 in each other one).
    expect(await listenerCount(platform.config.database.url ?? '')).toBe(4);

    // The clinician works: every gateway answers, and now holds the patient's consent in its cache.
    const urls = [platform.config.http.gatewayUrl, ...gateways.map((gateway) => gateway.url)];
    for (const url of urls) {
      for (let call_ = 0; call_ < 3; call_ += 1) expect((await infer(url, patient)).status).toBe(200);
    }

    const revoked = await call(
      'POST',
      `${governance}/consents/${consentId}/revoke?patient=${encodeURIComponent(patient)}&verification=telephone`,
      { token: clinician },
    );
    expect(revoked.body).toMatchObject({ id: consentId, version: 2, status: 'inactive' });
    const revokedAt = Date.now();

    // The gateway of the governance process hears of it before the revocation is even answered.
    const next = await infer(platform.config.http.gatewayUrl, patient);
    expect(next.status).toBe(403);
    expect(next.body).toMatchObject({ code: 'consent.revoked' });
    expect(JSON.stringify(next.body)).not.toContain(patient.slice('Patient/'.length));

    // The other processes hear of it through PostgreSQL NOTIFY: within a second, each refuses.
    const seenAfterMs = await Promise.all(
      gateways.map(async (gateway) => {
        for (;;) {
          const response = await infer(gateway.url, patient);
          if (response.status === 403) {
            expect(response.body).toMatchObject({ code: 'consent.revoked' });
            return Date.now() - revokedAt;
          }
          expect(response.status).toBe(200);
          if (Date.now() - revokedAt > 1000) return Infinity;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    for (const elapsed of seenAfterMs) expect(elapsed).toBeLessThanOrEqual(1000);

    const officer = await platform.token('security-officer');
    const audit = await call('GET', `${governance}/audit/events?reason_code=consent.revoked&limit=1000`, {
      token: officer,
    });
    const refusals = (audit.body.records as { event: Record<string, unknown> }[])
      .map((record) => record.event)
      .filter((event) => (event.entity as { consentId?: string } | undefined)?.consentId === consentId);
    expect(refusals.length).toBeGreaterThanOrEqual(3);
    for (const event of refusals) {
      expect(event).toMatchObject({
        action: 'inference.request',
        outcome: 'refused',
        reasonCode: 'consent.revoked',
        entity: expect.objectContaining({ consentId, consentVersion: 2, provisionPath: 'provision' }),
      });
    }
    expect(JSON.stringify(audit.body)).not.toContain(patient.slice('Patient/'.length));
  });

  it('answers "why was this refused?" with the consent, version and provision that decided', async () => {
    const patient = `Patient/why-${randomUUID().slice(0, 8)}`;
    const governance = platform.config.http.governanceUrl;
    const recorded = await call('POST', `${governance}/consents`, {
      token: clinician,
      body: purposeConsent(patient),
    });
    const consentId = String(recorded.body.id);
    const query = `patient=${encodeURIComponent(patient)}&purpose=TREAT&model=${LUMBAR_ESI_MODEL_NAME}`;
    const allowed = await call('GET', `${governance}/consents/decision?${query}`, { token: clinician });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({
      decision: 'permit',
      reason: 'consent.permit',
      consentId,
      consentVersion: 1,
      provisionPath: 'provision',
    });
    await call('POST', `${governance}/consents/${consentId}/revoke?patient=${encodeURIComponent(patient)}`, {
      token: clinician,
    });
    const refused = await call('GET', `${governance}/consents/decision?${query}`, { token: clinician });
    expect(refused.body).toMatchObject({
      decision: 'deny',
      reason: 'consent.revoked',
      consentId,
      consentVersion: 2,
    });
    expect(refused.body.considered).toEqual([
      expect.objectContaining({ consentId, consentVersion: 2, status: 'inactive' }),
    ]);
    expect(JSON.stringify(refused.body)).not.toContain(patient.slice('Patient/'.length));

    const history = await call(
      'GET',
      `${governance}/consents/${consentId}/history?patient=${encodeURIComponent(patient)}`,
      {
        token: clinician,
      },
    );
    expect(
      (history.body.entry as { change: string; recordedBy: string }[]).map((entry) => [
        entry.change,
        entry.recordedBy,
      ]),
    ).toEqual([
      ['recorded', 'dr.amara.rivera'],
      ['revoked', 'dr.amara.rivera'],
    ]);
    const exported = await call(
      'GET',
      `${governance}/consents/${consentId}?patient=${encodeURIComponent(patient)}&version=1`,
      { token: clinician },
    );
    expect(exported.body).toMatchObject({
      resourceType: 'Consent',
      id: consentId,
      meta: { versionId: '1' },
      status: 'active',
      patient: { reference: patient },
    });
    const notTheirs = await call('GET', `${governance}/consents/${consentId}?patient=Patient/someone-else`, {
      token: clinician,
    });
    expect(notTheirs).toMatchObject({ status: 404, body: { code: 'request.not_found' } });

    const nobody = await call('GET', `${governance}/consents/decision?${query}`, {
      token: await platform.token('regulatory-affairs'),
    });
    expect(nobody).toMatchObject({ status: 403, body: { code: 'access.denied' } });
  });
  it('accepts a 10 MB signed form with the consent, returns it intact, and refuses a larger one', async () => {
    const patient = `Patient/form-${randomUUID().slice(0, 8)}`;
    const governance = platform.config.http.governanceUrl;
    const form = randomBytes(10 * 1024 * 1024);
    const withForm = (bytes: Buffer) => ({
      ...purposeConsent(patient),
      sourceAttachment: {
        contentType: 'application/pdf',
        title: 'Signed form',
        data: bytes.toString('base64'),
      },
    });
    const recorded = await call('POST', `${governance}/consents?verification=signed-form`, {
      token: clinician,
      body: withForm(form),
    });
    expect(recorded.status).toBe(201);
    const exported = await call(
      'GET',
      `${governance}/consents/${String(recorded.body.id)}?patient=${encodeURIComponent(patient)}`,
      { token: clinician },
    );
    const attachment = exported.body.sourceAttachment as { data: string; title: string };
    expect(attachment.title).toBe('Signed form');
    expect(Buffer.from(attachment.data, 'base64').equals(form)).toBe(true);

    const tooLarge = await call('POST', `${governance}/consents`, {
      token: clinician,
      body: withForm(Buffer.concat([form, Buffer.from('x')])),
    });
    expect(tooLarge).toMatchObject({ status: 413, body: { code: 'consent.document_too_large' } });
  });
});
