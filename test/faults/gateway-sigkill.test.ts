import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DEFAULT_POLICY } from '@praesidium/access';
import { DEMO_PATIENTS } from '@praesidium/demo';
import { checkpointAndVerify } from '../support/audit-verify.js';
import { purposeConsent } from '../support/consents.js';
import { createIsolatedDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { answersWithoutRecord, drive, inferOnce, within, type Outcome } from '../support/load.js';
import { freePort } from '../support/platform.js';
import {
  PROCESS_START_TIMEOUT_MS,
  processTokens,
  startPlatformProcess,
  stopPlatformProcesses,
  type PlatformProcess,
} from '../support/processes.js';
import { exampleModel } from '../support/registry-fixtures.js';

/** A write a client saw acknowledged (2xx) before the kill: it must be there, whole, afterwards. */
interface Acknowledged {
  readonly consents: { id: string; patient: string; version: number }[];
  readonly policies: { version: number; active: boolean }[];
  readonly models: string[];
}

describe('the platform process killed with SIGKILL during load', () => {
  let dataDir: string;
  let database: { url: string; drop(): Promise<void> };
  let env: Record<string, string>;
  let running: PlatformProcess | undefined;
  let gatewayPort: number;

  const start = () =>
    startPlatformProcess('sample-model,governance,gateway', gatewayPort, '/v2/health/ready', env);

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-sigkill-'));
    database = await createIsolatedDatabase();
    gatewayPort = await freePort();
    env = {
      DATABASE_URL: database.url,
      PRAESIDIUM_DATA_DIR: dataDir,
      PRAESIDIUM_GATEWAY_PORT: String(gatewayPort),
      PRAESIDIUM_GOVERNANCE_PORT: String(await freePort()),
      PRAESIDIUM_SAMPLE_MODEL_PORT: String(await freePort()),
      PRAESIDIUM_GATEWAY_RATE_LIMIT_PRINCIPAL: '0',
      PRAESIDIUM_GATEWAY_RATE_LIMIT_MODEL: '0',
      PRAESIDIUM_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
    };
    running = await start();
  }, PROCESS_START_TIMEOUT_MS);
  afterAll(async () => {
    await stopPlatformProcesses();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'leaves every 2xx answer with its audit record, no half-written consent, policy or model, and chains that verify after restart',
    async () => {
      const tokens = await processTokens(env);
      const gateway = `http://127.0.0.1:${gatewayPort}`;
      const governance = tokens.config.http.governanceUrl;
      const clinician = await tokens.persona('pain-clinician');
      const officer = await tokens.persona('security-officer');
      const approver = await tokens.as('second.officer', ['security-officer']);
      const regulatory = await tokens.persona('regulatory-affairs');
      const acknowledged: Acknowledged = { consents: [], policies: [], models: [] };

      const inferences = drive(6, () => inferOnce(gateway, clinician, DEMO_PATIENTS.consented));
      // Writes through governance, each counted only once its answer arrived.
      const failed = (): Outcome => ({ status: 0, startedAt: 0, endedAt: 0 });
      const consents = drive(2, async () => {
        const patient = `Patient/kill-${randomUUID().slice(0, 8)}`;
        const recorded = await call('POST', `${governance}/consents`, {
          token: clinician,
          body: purposeConsent(patient),
        }).catch(() => undefined);
        if (recorded?.status !== 201) return failed();
        const id = String(recorded.body.id);
        acknowledged.consents.push({ id, patient, version: 1 });
        const revoked = await call(
          'POST',
          `${governance}/consents/${id}/revoke?patient=${encodeURIComponent(patient)}`,
          { token: clinician },
        ).catch(() => undefined);
        if (revoked?.status === 200) acknowledged.consents.push({ id, patient, version: 2 });
        return { status: 201, startedAt: 0, endedAt: 0 };
      });
      const policies = drive(1, async () => {
        const proposed = await call('POST', `${governance}/policies`, {
          token: officer,
          body: { document: DEFAULT_POLICY, reason: 'unchanged rules, re-approved' },
        }).catch(() => undefined);
        if (proposed?.status !== 201) return failed();
        const version = Number(proposed.body.version);
        acknowledged.policies.push({ version, active: false });
        const approved = await call('POST', `${governance}/policies/${version}/approve`, {
          token: approver,
        }).catch(() => undefined);
        if (approved?.status === 200) acknowledged.policies.push({ version, active: true });
        return { status: 201, startedAt: 0, endedAt: 0 };
      });
      const models = drive(1, async () => {
        const name = `kill-${randomUUID().slice(0, 8)}`;
        const registered = await call('POST', `${governance}/models`, {
          token: regulatory,
          body: exampleModel(name),
        }).catch(() => undefined);
        if (registered?.status !== 201) return failed();
        acknowledged.models.push(name);
        return { status: 201, startedAt: 0, endedAt: 0 };
      });

      // Killed once every kind of work is under way (no fixed time: the machine may be slow).
      const underWay = await within(120_000, async () => {
        const answered = inferences.outcomes.filter((o) => o.status === 200).length;
        const { consents: c, policies: p, models: m } = acknowledged;
        return answered >= 20 && c.length >= 2 && p.length >= 1 && m.length >= 1;
      });
      expect(underWay).toBeLessThan(Infinity);
      await running?.kill();
      const outcomes = await inferences.stop();
      await Promise.all([consents.stop(), policies.stop(), models.stop()]);
      expect(outcomes.some((o) => o.networkError)).toBe(true);
      expect(acknowledged.models.length).toBeGreaterThan(0);

      // Every answer a client received as 2xx has its committed audit record.
      const answered = outcomes.filter((o) => o.status === 200);
      expect(answered.length).toBeGreaterThanOrEqual(20);
      expect(await answersWithoutRecord(database.url, outcomes)).toEqual([]);

      // No half-written state in the database.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        // Consents are append-only versions: each consent's versions run 1..n with no gap.
        const torn = await client.query(
          `SELECT consent_id FROM consent.consent_version GROUP BY consent_id
         HAVING count(*) <> max(version) OR min(version) <> 1`,
        );
        expect(torn.rows).toEqual([]);
      } finally {
        await client.end();
      }

      running = await start();
      for (const consent of acknowledged.consents) {
        const read = await call(
          'GET',
          `${governance}/consents/${consent.id}?patient=${encodeURIComponent(consent.patient)}`,
          { token: clinician },
        );
        expect(read.status).toBe(200);
        expect(Number((read.body.meta as { versionId: string }).versionId)).toBeGreaterThanOrEqual(
          consent.version,
        );
      }
      const listed = await call('GET', `${governance}/policies`, { token: officer });
      const stored = new Map(
        (listed.body.versions as { version: number; approvedBy: string | null }[]).map((row) => [
          row.version,
          row,
        ]),
      );
      for (const policy of acknowledged.policies) {
        expect(stored.has(policy.version)).toBe(true);
        if (policy.active) expect(stored.get(policy.version)?.approvedBy).toBe('second.officer');
      }
      for (const name of acknowledged.models) {
        expect((await call('GET', `${governance}/models/${name}`, { token: regulatory })).status).toBe(200);
      }

      // The restarted process serves, and every stream, the killed one's included, verifies.
      expect((await inferOnce(gateway, clinician, DEMO_PATIENTS.consented)).status).toBe(200);
      const verdict = await checkpointAndVerify(database.url, dataDir);
      expect(verdict.valid).toBe(true);
      expect(verdict.streams).toBeGreaterThanOrEqual(2);
      console.log(
        JSON.stringify({
          test: 'gateway-sigkill',
          answered: answered.length,
          cut: outcomes.filter((o) => o.networkError).length,
          consents: acknowledged.consents.length,
          policies: acknowledged.policies.length,
          models: acknowledged.models.length,
          records: verdict.records,
        }),
      );
    },
    PROCESS_START_TIMEOUT_MS + 180_000,
  );
});
