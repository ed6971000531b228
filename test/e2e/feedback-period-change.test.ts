// An operator changes PRAESIDIUM_FEEDBACK_PERIOD and restarts governance: the periods already recorded
// stay as they were, the ones that began before the change are completed on the former length, and the
// schedule goes on with the new one, back to back with them (no gap, no overlap, nothing counted
// twice). The change is dated in the registry and audited; the schedule's API shows the new length.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { createIsolatedDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { call } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const VERSION_PATH = `/models/${LUMBAR_ESI_MODEL_NAME}/versions/1.0.0`;

interface Observation {
  id: string;
  periodStart: string;
  periodEnd: string;
  recording: 'schedule' | 'request';
  schedule: { period: string | null; isTransition: boolean } | null;
}

describe('a change of the feedback period length', () => {
  let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let dataDir: string;
  let platform: TestPlatform | undefined;

  /** Governance on the same database and keys each time, as a restarted deployment is. */
  const start = (period: string) =>
    startTestPlatform('postgres', {
      DATABASE_URL: database.url,
      PRAESIDIUM_DATA_DIR: dataDir,
      PRAESIDIUM_FEEDBACK_PERIOD: period,
      PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS: '1',
    });
  const governance = () => {
    if (!platform) throw new Error('not started');
    return platform.config.http.governanceUrl;
  };
  const scheduled = async (token: string) =>
    (
      (await call('GET', `${governance()}${VERSION_PATH}/performance`, { token }))
        .body as unknown as Observation[]
    ).filter((observation) => observation.recording === 'schedule');

  beforeAll(async () => {
    database = await createIsolatedDatabase({ migrated: true });
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-period-change-'));
  });
  afterAll(async () => {
    await platform?.stop();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the periods recorded, completes the one under way, then records by the new length', async () => {
    platform = await start('1');
    let ra = await platform.token('regulatory-affairs');
    const declared = await call('PUT', `${governance()}${VERSION_PATH}/feedback-floors`, {
      token: ra,
      body: { floors: [{ metric: 'feedback_count', minimum: 1 }], reason: 'PMS plan' },
    });
    expect(declared.status).toBe(200);
    const before = await eventually(
      () => scheduled(ra),
      (observations) => observations.length >= 3,
      20_000,
      200,
    );
    await platform.stop();
    platform = undefined;

    // Restarted with three-second periods.
    const restartedAt = Date.now();
    platform = await start('3');
    ra = await platform.token('regulatory-affairs');
    const status = await call('GET', `${governance()}${VERSION_PATH}/feedback-schedule`, { token: ra });
    expect(status.body).toMatchObject({ period: { unit: 'seconds', seconds: 3 }, isScheduled: true });
    const since = Date.parse(status.body.periodInForceSince as string);
    expect(since).toBeGreaterThanOrEqual(restartedAt - 1000);

    const after = await eventually(
      () => scheduled(ra),
      (observations) =>
        observations.filter((o) => o.schedule?.period === '3' && !o.schedule.isTransition).length >= 2,
      30_000,
      250,
    );
    // What the first start recorded is unchanged.
    expect(after.slice(0, before.length)).toEqual(before);
    // Back to back from the first period on.
    for (const [index, observation] of after.slice(1).entries())
      expect(observation.periodStart).toBe(after[index].periodEnd);
    const lengthOf = (o: Observation) => (Date.parse(o.periodEnd) - Date.parse(o.periodStart)) / 1000;
    for (const observation of after) {
      const started = Date.parse(observation.periodStart);
      if (started < since) {
        // Begun before the change: one second, as the former setting cut it.
        expect(observation.schedule).toEqual({ period: '1', isTransition: false });
        expect(lengthOf(observation)).toBe(1);
      } else if (observation.schedule?.isTransition) {
        // From the last one-second period to the first three-second boundary.
        expect(observation.schedule.period).toBe('3');
        expect(lengthOf(observation)).toBeLessThan(3);
      } else {
        expect(observation.schedule).toEqual({ period: '3', isTransition: false });
        expect(lengthOf(observation)).toBe(3);
      }
    }
    expect(after.filter((o) => o.schedule?.isTransition).length).toBeLessThanOrEqual(1);

    // Both settings dated and audited: the first start's and the change.
    const officer = await platform.token('security-officer');
    const changes = await call(
      'GET',
      `${governance()}/audit/events?action=post_market.feedback_period_changed`,
      { token: officer },
    );
    expect(changes.body.records).toHaveLength(2);
  });
});
