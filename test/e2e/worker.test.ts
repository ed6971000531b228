// The worker mode a scaled-out deployment runs (docker/k8s/worker.yaml): governance enqueues the jobs
// and leaves them to `praesidium start --apps worker` processes, which take them from Bull on Redis.
// A private redis-server keeps this run's queue apart from every other test's.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ConfigError, loadConfig } from '@praesidium/config';
import { BullJobQueue } from '@praesidium/jobs';
import { startPlatform, type RunningPlatform } from '../../apps/cli/src/platform.js';
import { call } from '../support/http.js';
import { freePort, startTestPlatform, type TestPlatform } from '../support/platform.js';

async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-worker-redis-'));
  const server: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('Ready to accept connections')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('jobs left to a worker process', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let governance: TestPlatform;
  let worker: RunningPlatform | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    // One-second feedback periods, set on governance only: the workers record by the period the
    // schedule's runs carry, whatever their own environment says.
    governance = await startTestPlatform('postgres', {
      REDIS_URL: redis.url,
      PRAESIDIUM_GOVERNANCE_RUNS_JOBS: 'false',
      PRAESIDIUM_FEEDBACK_PERIOD: '1',
      // Runs on request only, so that every run below is one this test queued.
      PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS: '0',
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await governance?.stop();
    await redis?.stop();
  });

  it('governance enqueues an audit verification, and only a started worker runs it', async () => {
    const officer = await governance.token('security-officer');
    const governanceUrl = governance.config.http.governanceUrl;
    const started = await call('POST', `${governanceUrl}/audit/verifications`, { token: officer });
    expect(started.status).toBe(202);
    const statusUrl = `${governanceUrl}${String(started.body.status)}`;
    // No process runs jobs yet: governance has left them to workers.
    expect((await call('GET', statusUrl, { token: officer })).body).toMatchObject({ state: 'waiting' });

    const workerConfig = loadConfig({
      NODE_ENV: 'test',
      PRAESIDIUM_LOG_LEVEL: 'error',
      PRAESIDIUM_DATA_DIR: governance.config.dataDir,
      DATABASE_URL: governance.config.database.url ?? '',
      REDIS_URL: redis.url,
      PRAESIDIUM_MIGRATE_ON_START: 'false',
      PRAESIDIUM_WORKER_PORT: String(await freePort()),
      // Not governance's: a worker's own setting must not decide how long a period is.
      PRAESIDIUM_FEEDBACK_PERIOD: 'week',
    });
    worker = await startPlatform(workerConfig, ['worker']);
    const health = `http://127.0.0.1:${workerConfig.http.workerPort}/health`;
    expect((await call('GET', `${health}/live`)).body).toEqual({ live: true });
    expect((await call('GET', `${health}/ready`)).body).toEqual({ ready: true });

    let status: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 300 && status.state !== 'completed'; attempt += 1) {
      status = (await call('GET', statusUrl, { token: officer })).body;
      if (status.state !== 'completed') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toMatchObject({ state: 'completed', progress: 100, result: { valid: true } });

    // The worker audited the verification in a stream of its own.
    const events = await call('GET', `${governanceUrl}/audit/events?action=audit.verified`, {
      token: officer,
    });
    expect(events.status).toBe(200);
    const [verified] = events.body.records as { streamId: string; event: { outcome: string } }[];
    expect(verified.event.outcome).toBe('success');
    const client = new pg.Client({ connectionString: governance.config.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ source: string }>(
        'SELECT source FROM audit.stream WHERE id = $1',
        [verified.streamId],
      );
      expect(rows).toEqual([{ source: 'worker' }]);
    } finally {
      await client.end();
    }
  });

  it('a worker runs the clinician-feedback schedule with governance’s period: recorded, its alert audited there', async () => {
    const owner = await governance.token('model-owner');
    const officer = await governance.token('security-officer');
    const governanceUrl = governance.config.http.governanceUrl;
    const version = `${governanceUrl}/models/lumbar-esi-outcome/versions/1.0.0`;
    const declared = await call('PUT', `${version}/feedback-floors`, {
      token: owner,
      body: { floors: [{ metric: 'feedback_count', minimum: 1 }], reason: 'PMS plan' },
    });
    expect(declared.status).toBe(200);
    // Governance's one-second periods (the worker's own setting is a week): the one holding the
    // declaration closes and settles.
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const started = await call('POST', `${governanceUrl}/post-market/feedback-schedule/runs`, {
      token: owner,
    });
    expect(started.status).toBe(202);
    let job: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 100 && job.state !== 'completed'; attempt += 1) {
      job = (await call('GET', `${governanceUrl}${String(started.body.status)}`, { token: owner })).body;
      if (job.state !== 'completed') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(job).toMatchObject({
      state: 'completed',
      result: {
        recorded: expect.arrayContaining([
          expect.objectContaining({ version: '1.0.0', isAlert: true, period: '1', isTransition: false }),
        ]),
      },
    });
    const recorded = (job.result as { recorded: { periodStart: string; periodEnd: string }[] }).recorded;
    for (const period of recorded)
      expect(Date.parse(period.periodEnd) - Date.parse(period.periodStart)).toBe(1000);
    const alerts = await call(
      'GET',
      `${governanceUrl}/audit/events?action=model_version.performance_alert&agent=system:feedback-schedule`,
      { token: officer },
    );
    const [alert] = alerts.body.records as { streamId: string }[];
    const client = new pg.Client({ connectionString: governance.config.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ source: string }>(
        'SELECT source FROM audit.stream WHERE id = $1',
        [alert.streamId],
      );
      expect(rows).toEqual([{ source: 'worker' }]);
    } finally {
      await client.end();
    }
  });

  it('a run queued with another period than the one in force fails on the worker and records nothing', async () => {
    const owner = await governance.token('model-owner');
    const governanceUrl = governance.config.http.governanceUrl;
    const version = `${governanceUrl}/models/lumbar-esi-outcome/versions/1.0.0`;
    const status = await call('GET', `${version}/feedback-schedule`, { token: owner });
    expect(status.body).toMatchObject({ period: { unit: 'seconds', seconds: 1 } });
    const recordedBefore = status.body.recordedPeriods as number;

    // As a governance process still set to weeks would queue it (one not restarted after a change).
    const queue = new BullJobQueue(redis.url);
    let failed: Record<string, unknown> | undefined;
    try {
      const id = await queue.add('post-market.feedback-schedule', {
        requestedBy: 'system:feedback-schedule',
        period: 'week',
      });
      for (let attempt = 0; attempt < 150 && failed?.state !== 'failed'; attempt += 1) {
        failed = (await queue.status(id)) as unknown as Record<string, unknown>;
        if (failed?.state !== 'failed') await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await queue.close();
    }
    expect(failed).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(
        /^feedback_schedule\.period_mismatch: the run was queued with the period week, but 1 is in force since /,
      ),
    });
    // One-second periods closed meanwhile: it recorded none of them.
    expect((await call('GET', `${version}/feedback-schedule`, { token: owner })).body.recordedPeriods).toBe(
      recordedBefore,
    );
    // Governance put its period in force when it started, audited.
    const changes = await call(
      'GET',
      `${governanceUrl}/audit/events?action=post_market.feedback_period_changed`,
      { token: await governance.token('security-officer') },
    );
    expect(changes.body.records).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({
          outcome: 'success',
          agent: expect.objectContaining({ subject: 'system:feedback-schedule' }),
        }),
      }),
    ]);
  });

  it('refuses a worker without Redis, and governance that leaves jobs to workers without Redis', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PRAESIDIUM_DATA_DIR: governance.config.dataDir,
      DATABASE_URL: governance.config.database.url ?? '',
      PRAESIDIUM_MIGRATE_ON_START: 'false',
      PRAESIDIUM_WORKER_PORT: String(await freePort()),
    });
    await expect(startPlatform(config, ['worker'])).rejects.toThrow(/REDIS_URL/);
    expect(() => loadConfig({ NODE_ENV: 'test', PRAESIDIUM_GOVERNANCE_RUNS_JOBS: 'false' })).toThrow(
      ConfigError,
    );
  });
});
