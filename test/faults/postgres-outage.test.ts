import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { SUSPENSIONS_MAX_AGE_MS } from '@praesidium/access';
import { DEMO_PATIENTS } from '@praesidium/demo';
import { checkpointAndVerify } from '../support/audit-verify.js';
import { answersWithoutRecord, drive, inferOnce, within } from '../support/load.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';

const CLIENTS = 8;
/** The promise: service resumes by itself within five seconds of PostgreSQL's return. */
const RESUME_DEADLINE_MS = 5000;
/** Refusals a database outage may cause: each 503, each with its reason code. */
const OUTAGE_CODES = /^(database\.unavailable|audit\.unavailable|access\.suspensions_unavailable)$/;

describe('PostgreSQL stopped during load (a private cluster, killed and started again)', () => {
  let postgres: PrivatePostgres;
  let platform: TestPlatform;
  let clinician: string;

  beforeAll(async () => {
    postgres = await createPrivatePostgres();
    platform = await startTestPlatform('postgres', {
      DATABASE_URL: postgres.url,
      // Load from one clinician: no rate limit may refuse it; the fault is the only cause of refusal.
      PRAESIDIUM_GATEWAY_RATE_LIMIT_PRINCIPAL: '0',
      PRAESIDIUM_GATEWAY_RATE_LIMIT_MODEL: '0',
      PRAESIDIUM_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
    });
    clinician = await platform.token('pain-clinician');
  }, 180_000);
  afterAll(async () => {
    await platform?.stop();
    await postgres?.remove();
    if (platform) await rm(platform.config.dataDir, { recursive: true, force: true });
  });

  it('refuses with 503 and a reason code while it is down, releases no answer without its record, and resumes by itself', async () => {
    const gateway = platform.config.http.gatewayUrl;
    const infer = () => inferOnce(gateway, clinician, DEMO_PATIENTS.consented);
    expect((await infer()).status).toBe(200);

    const load = drive(CLIENTS, infer);
    expect(
      await within(60_000, async () => load.outcomes.filter((o) => o.status === 200).length >= 10),
    ).toBeLessThan(Infinity);
    // A crash, not a shutdown: every connection drops at once, in-flight commits included.
    await postgres.stop('immediate');
    const downAt = Date.now();
    await within(10_000, async () => load.outcomes.some((o) => o.startedAt > downAt && o.status === 503));
    await sleep(500);
    const ready = await fetch(`${gateway}/v2/health/ready`);
    expect(ready.status).toBe(503);
    // Longer than the list of suspended people may be used unread: from then on nobody is let in on a
    // stale list (a suspension made meanwhile would not be known), so the outage lasts past it.
    const staleFrom = downAt + SUSPENSIONS_MAX_AGE_MS + 500;
    await sleep(staleFrom + 500 - Date.now());

    // The server may take calls before `pg_ctl start -w` returns (it polls): the outage ends when the
    // start begins, and the resume deadline counts from when it has returned.
    const restartAt = Date.now();
    await postgres.start();
    const upAt = Date.now();
    // Resumed: a call started after PostgreSQL's return is answered 200 (the load keeps running).
    const resumedAfterMs = await within(
      RESUME_DEADLINE_MS + 5000,
      async () => load.outcomes.some((o) => o.startedAt >= upAt && o.status === 200),
      10,
    );
    await within(10_000, async () => load.outcomes.filter((o) => o.startedAt >= upAt).length >= 20);
    const outcomes = await load.stop();

    const whileDown = outcomes.filter((o) => o.startedAt > downAt && o.endedAt < restartAt);
    expect(whileDown.length).toBeGreaterThan(0);
    // While the database is away: only 503s, each with its reason code, problem+json.
    for (const outcome of whileDown) {
      expect(outcome.status).toBe(503);
      expect(outcome.code).toMatch(OUTAGE_CODES);
    }
    // Once the suspension list is too old to trust, callers are refused at authentication.
    const unknownSuspensions = whileDown.filter((o) => o.startedAt > staleFrom);
    expect(unknownSuspensions.length).toBeGreaterThan(0);
    for (const outcome of unknownSuspensions) expect(outcome.code).toBe('access.suspensions_unavailable');
    // Around the fault: answers or the same refusals, never a 500 or anything else.
    for (const outcome of outcomes) {
      if (outcome.status === 200) continue;
      expect({ status: outcome.status, code: outcome.code }).toEqual({
        status: 503,
        code: expect.stringMatching(OUTAGE_CODES),
      });
    }
    // No model response released without its committed audit record.
    const answered = outcomes.filter((o) => o.status === 200);
    expect(answered.length).toBeGreaterThanOrEqual(10);
    expect(await answersWithoutRecord(postgres.url, outcomes)).toEqual([]);

    console.log(
      JSON.stringify({
        test: 'postgres-outage',
        answered: answered.length,
        refused: outcomes.length - answered.length,
        resumedAfterMs,
      }),
    );
    expect(resumedAfterMs).toBeLessThanOrEqual(RESUME_DEADLINE_MS);
    const stable = outcomes.filter((o) => o.startedAt >= upAt + resumedAfterMs);
    expect(stable.every((o) => o.status === 200)).toBe(true);
    expect((await fetch(`${gateway}/v2/health/ready`)).status).toBe(200);

    // The audit chains of every stream verify, under a checkpoint signed after the fault.
    const verdict = await checkpointAndVerify(postgres.url, platform.config.dataDir);
    expect(verdict).toMatchObject({ valid: true, checkpoints: 1 });
    // Two records per answer, but for outcome records lost with the crash after their answer was
    // released (after-release): counted by the gateway, at most one per client in flight.
    const metrics = await (await fetch(`${gateway}/metrics`)).text();
    const lost = metrics
      .split('\n')
      .filter((line) => line.startsWith('praesidium_gateway_audit_outcome_lost_total{'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    expect(lost).toBeLessThanOrEqual(CLIENTS);
    expect(verdict.records).toBeGreaterThan(answered.length * 2 - lost);
  }, 180_000);
});
