// The worker mode a scaled-out deployment runs (docker/k8s/worker.yaml): governance enqueues the jobs
// and leaves them to `praesidium start --apps worker` processes, which take them from Bull on Redis.
// A private redis-server keeps this run's queue apart from every other test's.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ConfigError, loadConfig } from '@praesidium/config';
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
    governance = await startTestPlatform('postgres', {
      REDIS_URL: redis.url,
      PRAESIDIUM_GOVERNANCE_RUNS_JOBS: 'false',
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
      PRAESIDIUM_FEEDBACK_PERIOD: '1',
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

  it('a worker runs the clinician-feedback schedule: the period is recorded and its alert audited there', async () => {
    const owner = await governance.token('model-owner');
    const officer = await governance.token('security-officer');
    const governanceUrl = governance.config.http.governanceUrl;
    const version = `${governanceUrl}/models/lumbar-esi-outcome/versions/1.0.0`;
    const declared = await call('PUT', `${version}/feedback-floors`, {
      token: owner,
      body: { floors: [{ metric: 'feedback_count', minimum: 1 }], reason: 'PMS plan' },
    });
    expect(declared.status).toBe(200);
    // The worker's one-second periods: the one holding the declaration closes and settles.
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
        recorded: expect.arrayContaining([expect.objectContaining({ version: '1.0.0', isAlert: true })]),
      },
    });
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
