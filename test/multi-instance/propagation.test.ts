import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DEFAULT_POLICY, type PolicyDocument } from '@praesidium/access';
import { exampleEsiInputs, LUMBAR_ESI_MODEL_NAME, type PersonaName } from '@praesidium/demo';
import { checkpointAndVerify } from '../support/audit-verify.js';
import { purposeConsent } from '../support/consents.js';
import { createIsolatedDatabase } from '../support/databases.js';
import { call, type JsonResponse } from '../support/http.js';
import { freePort } from '../support/platform.js';
import { createPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import {
  PROCESS_START_TIMEOUT_MS,
  processTokens,
  startPlatformProcess,
  stopPlatformProcesses,
  type PlatformProcess,
} from '../support/processes.js';

/** The promise: a change made through one instance takes effect on the others within 1 s. */
const PROPAGATION_MS = 1000;

/**
 * Milliseconds from `since` (the change's answer) until each gateway's answer is `expected`, polled
 * back to back. An upper bound: it includes the polling request's own time, which on an overloaded
 * machine can approach the promise by itself. A gateway still answering the old way 10 s on: Infinity.
 */
async function untilEveryGateway(
  gateways: readonly string[],
  request: (gateway: string) => Promise<JsonResponse>,
  expected: (response: JsonResponse) => boolean,
  since: number,
): Promise<number[]> {
  return Promise.all(
    gateways.map(async (gateway) => {
      for (;;) {
        if (expected(await request(gateway))) {
          const elapsed = Date.now() - since;
          // Once changed, it stays changed.
          expect(expected(await request(gateway))).toBe(true);
          return elapsed;
        }
        if (Date.now() - since > 10_000) return Infinity;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }),
  );
}

function expectWithinPromise(seen: readonly number[]) {
  for (const elapsed of seen) expect(elapsed).toBeLessThanOrEqual(PROPAGATION_MS);
}

describe('two gateway processes and one governance process on one PostgreSQL and one Redis', () => {
  let dataDir: string;
  let database: { url: string; drop(): Promise<void> };
  let redis: PrivateRedis;
  let governanceProcess: PlatformProcess;
  let gatewayProcesses: PlatformProcess[] = [];
  let tokens: Awaited<ReturnType<typeof processTokens>>;
  let governance: string;
  let gateways: string[];
  const token = (persona: PersonaName) => tokens.persona(persona);
  const measured: Record<string, number[]> = {};

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-cluster-'));
    [database, redis] = await Promise.all([createIsolatedDatabase(), createPrivateRedis()]);
    const [governancePort, modelPort, ...gatewayPorts] = await Promise.all(
      [0, 1, 2, 3].map(() => freePort()),
    );
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      PRAESIDIUM_DATA_DIR: dataDir,
      PRAESIDIUM_GOVERNANCE_PORT: String(governancePort),
      PRAESIDIUM_SAMPLE_MODEL_PORT: String(modelPort),
      PRAESIDIUM_GATEWAY_PORT: String(gatewayPorts[0]),
      // The sample model checks assertions against the gateways' keys: one key store, shared.
      PRAESIDIUM_GATEWAY_JWKS_URL: `http://127.0.0.1:${gatewayPorts[0]}/.well-known/jwks.json`,
      PRAESIDIUM_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
    };
    // Governance first: it migrates, makes the keys and seeds the demo the gateways serve.
    governanceProcess = await startPlatformProcess(
      'sample-model,governance',
      governancePort,
      '/health/ready',
      shared,
    );
    gatewayProcesses = await Promise.all(
      gatewayPorts.map((port) =>
        startPlatformProcess('gateway', port, '/v2/health/ready', {
          ...shared,
          PRAESIDIUM_GATEWAY_PORT: String(port),
          PRAESIDIUM_MIGRATE_ON_START: 'false',
        }),
      ),
    );
    tokens = await processTokens(shared);
    governance = governanceProcess.url;
    gateways = gatewayProcesses.map((gateway) => gateway.url);
  }, 2 * PROCESS_START_TIMEOUT_MS);
  afterAll(async () => {
    await stopPlatformProcesses();
    await redis?.remove();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    console.log(JSON.stringify({ test: 'multi-instance propagation', ms: measured }));
  });

  const inferAs = (clinician: string, patient: string) => (gateway: string) =>
    call('POST', `${gateway}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
      token: clinician,
      body: { parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs() },
    });

  it('a consent revoked through governance is refused by both gateways within one second', async () => {
    const clinician = await token('pain-clinician');
    const patient = `Patient/cluster-${randomUUID().slice(0, 8)}`;
    const recorded = await call('POST', `${governance}/consents?verification=in-person`, {
      token: clinician,
      body: purposeConsent(patient),
    });
    expect(recorded.status).toBe(201);
    const infer = inferAs(clinician, patient);
    // Both gateways now hold the patient's consent in their caches.
    for (const gateway of gateways) expect((await infer(gateway)).status).toBe(200);

    const revoked = await call(
      'POST',
      `${governance}/consents/${String(recorded.body.id)}/revoke?patient=${encodeURIComponent(patient)}`,
      { token: clinician },
    );
    expect(revoked.body).toMatchObject({ version: 2, status: 'inactive' });
    const seen = await untilEveryGateway(
      gateways,
      infer,
      (response) => response.status === 403 && response.body.code === 'consent.revoked',
      Date.now(),
    );
    measured.consentRevocation = seen;
    expectWithinPromise(seen);
  });

  it('a policy version activated through governance is enforced by both gateways within one second', async () => {
    const clinician = await token('pain-clinician');
    const infer = inferAs(clinician, `Patient/cluster-policy-${randomUUID().slice(0, 8)}`);
    const author = await token('security-officer');
    const approver = await tokens.as('second.officer', ['security-officer']);
    const activate = async (document: PolicyDocument, reason: string) => {
      const proposed = await call('POST', `${governance}/policies`, {
        token: author,
        body: { document, reason },
      });
      expect(proposed.status).toBe(201);
      const approved = await call('POST', `${governance}/policies/${String(proposed.body.version)}/approve`, {
        token: approver,
      });
      expect(approved.status).toBe(200);
      return Date.now();
    };
    const withoutInference: PolicyDocument = {
      ...DEFAULT_POLICY,
      roles: {
        ...DEFAULT_POLICY.roles,
        clinician: (DEFAULT_POLICY.roles.clinician ?? []).filter((rule) => rule.action !== 'infer'),
      },
    };
    // Consent comes after authorization: a patient without consent shows which step refused.
    const refusedByPolicy = (response: JsonResponse) =>
      response.status === 403 && response.body.code === 'access.denied';
    for (const gateway of gateways) expect(refusedByPolicy(await infer(gateway))).toBe(false);

    const suspended = await untilEveryGateway(
      gateways,
      infer,
      refusedByPolicy,
      await activate(withoutInference, 'suspend model use pending incident review'),
    );
    const restored = await untilEveryGateway(
      gateways,
      infer,
      (response) => !refusedByPolicy(response),
      await activate(DEFAULT_POLICY, 'incident closed'),
    );
    measured.policyActivation = [...suspended, ...restored];
    expectWithinPromise([...suspended, ...restored]);
  });

  it('a model version suspended through governance is refused by both gateways within one second, and served again once resumed', async () => {
    const clinician = await token('pain-clinician');
    const infer = inferAs(clinician, `Patient/cluster-model-${randomUUID().slice(0, 8)}`);
    const owner = await token('model-owner');
    const transition = async (action: 'suspend' | 'resume') => {
      const response = await call(
        'POST',
        `${governance}/models/${LUMBAR_ESI_MODEL_NAME}/versions/1.0.0/transitions`,
        { token: owner, body: { action, reason: `${action} in the multi-instance test` } },
      );
      expect(response.status).toBe(200);
      return Date.now();
    };
    const notDeployed = (response: JsonResponse) =>
      response.status === 409 && response.body.code === 'model.not_deployed';
    for (const gateway of gateways) expect(notDeployed(await infer(gateway))).toBe(false);

    const suspended = await untilEveryGateway(gateways, infer, notDeployed, await transition('suspend'));
    const resumed = await untilEveryGateway(
      gateways,
      infer,
      (response) => !notDeployed(response),
      await transition('resume'),
    );
    measured.modelSuspension = [...suspended, ...resumed];
    expectWithinPromise([...suspended, ...resumed]);
  });

  it('a person suspended through governance is refused by both gateways within one second, and let in again once lifted', async () => {
    // A person of their own: refused before and after for want of a department, never for a suspension.
    const subject = `dr.cluster-${randomUUID().slice(0, 8)}`;
    const infer = inferAs(await tokens.as(subject, ['clinician']), `Patient/cluster-lockout-${subject}`);
    const officer = await token('security-officer');
    const suspendedPerson = (response: JsonResponse) =>
      response.status === 403 && response.body.code === 'access.principal_suspended';
    for (const gateway of gateways) expect(suspendedPerson(await infer(gateway))).toBe(false);

    const suspension = await call('POST', `${governance}/access/suspensions`, {
      token: officer,
      body: { issuer: tokens.config.auth.issuer, subject, reason: 'token stolen in the multi-instance test' },
    });
    expect(suspension.status).toBe(201);
    const suspended = await untilEveryGateway(gateways, infer, suspendedPerson, Date.now());
    const lifted = await call('POST', `${governance}/access/suspensions/${String(suspension.body.id)}/lift`, {
      token: officer,
      body: { reason: 'token revoked at the identity provider' },
    });
    expect(lifted.status).toBe(200);
    const restored = await untilEveryGateway(
      gateways,
      infer,
      (response) => !suspendedPerson(response),
      Date.now(),
    );
    measured.principalSuspension = [...suspended, ...restored];
    expectWithinPromise([...suspended, ...restored]);
  });

  it("verifies the three processes' audit streams together under one signed checkpoint", async () => {
    const officer = await token('security-officer');
    const signed = await call('POST', `${governance}/audit/checkpoints`, { token: officer });
    expect(signed.status).toBe(200);
    const checkpoint = signed.body.checkpoint as {
      id: number;
      treeSize: number;
      heads: Record<string, number>;
    };
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    let heads: { stream_id: string; seq: string }[];
    try {
      // The last record of each stream at checkpoint time (governance appends `audit.checkpointed` after).
      heads = (
        await client.query<{ stream_id: string; seq: string }>(
          `SELECT stream_id, max(seq) AS seq FROM audit.event
            WHERE recorded_at <= (SELECT created_at FROM audit.checkpoint WHERE id = $1)
            GROUP BY stream_id`,
          [checkpoint.id],
        )
      ).rows;
    } finally {
      await client.end();
    }
    const sources = Object.keys(checkpoint.heads).map((stream) => stream.split('.')[0]);
    expect(sources.filter((source) => source === 'gateway')).toHaveLength(2);
    expect(sources.filter((source) => source === 'governance')).toHaveLength(1);
    for (const head of heads)
      expect(checkpoint.heads[head.stream_id]).toBeGreaterThanOrEqual(Number(head.seq));

    const verdict = await checkpointAndVerify(database.url, dataDir, { checkpoint: false });
    expect(verdict).toMatchObject({ valid: true });
    expect(verdict.checkpoints).toBeGreaterThanOrEqual(1);
    expect(verdict.perStream.map((stream) => stream.streamId)).toEqual(
      expect.arrayContaining(Object.keys(checkpoint.heads)),
    );
  }, 240_000);
});
