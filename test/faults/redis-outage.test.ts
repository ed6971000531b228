import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { DEMO_PATIENTS } from '@praesidium/demo';
import { loadConfig } from '@praesidium/config';
import { BullJobQueue, JobQueueUnavailableError } from '@praesidium/jobs';
import { startPlatform, type RunningPlatform } from '../../apps/cli/src/platform.js';
import { call } from '../support/http.js';
import { inferOnce, within } from '../support/load.js';
import { freePort, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createPrivateRedis, type PrivateRedis } from '../support/private-redis.js';

/** Generous on a loaded 2-core machine: Bull's worker retries its blocking read every few seconds. */
const RESUME_DEADLINE_MS = 30_000;

describe('Redis stopped (a private redis-server, killed and started again)', () => {
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await createPrivateRedis();
  });
  afterAll(async () => {
    await redis?.remove();
  });

  it('keeps queued jobs waiting through the outage and runs every accepted one afterwards; a job added meanwhile is refused, not lost', async () => {
    const queue = new BullJobQueue(redis.url, 'fault-test', `praesidium-fault-${randomUUID().slice(0, 8)}`);
    const ran: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstStarted = false;
    queue.register<{ n: number }, number>('fault.job', async (job) => {
      if (!firstStarted) {
        firstStarted = true;
        await gate; // the first job is running when Redis goes away, and ends after it returns
      }
      ran.push(job.id);
      return job.data.n;
    });
    try {
      const accepted: string[] = [];
      for (let n = 0; n < 6; n += 1) accepted.push(await queue.add('fault.job', { n }));
      expect(await within(RESUME_DEADLINE_MS, async () => firstStarted)).toBeLessThan(Infinity);

      await redis.stop();
      await expect(queue.add('fault.job', { n: 99 })).rejects.toBeInstanceOf(JobQueueUnavailableError);
      await expect(queue.status(accepted[1])).rejects.toBeInstanceOf(JobQueueUnavailableError);
      await redis.start();
      // The running job ends once the queue answers again. (One that ends while Redis is still away
      // cannot be marked complete: Bull runs it again after its stall check, ~30-60 s later; see README.)
      expect(
        await within(
          RESUME_DEADLINE_MS,
          async () => (await queue.status(accepted[0]).catch(() => null)) !== null,
          100,
        ),
      ).toBeLessThan(Infinity);
      release();

      const resumed = await within(
        RESUME_DEADLINE_MS,
        async () => {
          const states = await Promise.all(accepted.map((id) => queue.status(id).catch(() => undefined)));
          return states.every((status) => status?.state === 'completed');
        },
        200,
      );
      const states = await Promise.all(accepted.map(async (id) => (await queue.status(id))?.state));
      expect({ resumed: resumed < Infinity, states }).toEqual({
        resumed: true,
        states: accepted.map(() => 'completed'),
      });
      for (const [n, id] of accepted.entries()) {
        expect(await queue.status(id)).toMatchObject({ state: 'completed', result: n });
      }
      expect(new Set(ran)).toEqual(new Set(accepted));
      console.log(
        JSON.stringify({
          test: 'redis-outage jobs',
          accepted: accepted.length,
          runs: ran.length,
          resumedAfterMs: resumed,
        }),
      );
    } finally {
      release();
      await queue.close();
    }
  });

  describe('the platform on Redis', () => {
    let platform: TestPlatform;
    let optional: RunningPlatform;

    beforeAll(async () => {
      // Governance and a gateway whose rate limits require Redis (the default: fail closed)...
      platform = await startTestPlatform('postgres', { REDIS_URL: redis.url });
      // ...and a second gateway, on the same database and keys, configured to serve without it.
      optional = await startPlatform(
        loadConfig({
          NODE_ENV: 'test',
          PRAESIDIUM_LOG_LEVEL: 'error',
          PRAESIDIUM_DATA_DIR: platform.config.dataDir,
          DATABASE_URL: platform.config.database.url,
          REDIS_URL: redis.url,
          PRAESIDIUM_GATEWAY_RATE_LIMIT_FAIL_OPEN: 'true',
          PRAESIDIUM_GATEWAY_PORT: String(await freePort()),
          PRAESIDIUM_GOVERNANCE_PORT: String(platform.config.http.governancePort),
          PRAESIDIUM_SAMPLE_MODEL_PORT: String(platform.config.http.sampleModelPort),
          PRAESIDIUM_GATEWAY_JWKS_URL: platform.config.gateway.jwksUrl,
          PRAESIDIUM_MIGRATE_ON_START: 'false',
        }),
        ['gateway'],
      );
    }, 180_000);
    afterAll(async () => {
      await optional?.stop();
      await platform?.stop();
      if (platform) await rm(platform.config.dataDir, { recursive: true, force: true });
    });

    it('refuses where Redis is required, keeps serving where it is optional, refuses new jobs with a reason code, and resumes by itself', async () => {
      const clinician = await platform.token('pain-clinician');
      const officer = await platform.token('security-officer');
      const required = platform.config.http.gatewayUrl;
      const tolerant = optional.config.http.gatewayUrl;
      const governance = platform.config.http.governanceUrl;
      const infer = (gateway: string) => inferOnce(gateway, clinician, DEMO_PATIENTS.consented);
      expect((await infer(required)).status).toBe(200);
      expect((await infer(tolerant)).status).toBe(200);

      await redis.stop();
      try {
        expect(await infer(required)).toMatchObject({ status: 503, code: 'rate_limit.unavailable' });
        const served = await infer(tolerant);
        expect(served.status).toBe(200);
        expect(served.audit).toBeDefined();
        const job = await call('POST', `${governance}/audit/verifications`, { token: officer });
        expect(job).toMatchObject({ status: 503, body: { code: 'jobs.unavailable' } });
      } finally {
        await redis.start();
      }

      expect(
        await within(RESUME_DEADLINE_MS, async () => (await infer(required)).status === 200, 100),
      ).toBeLessThan(Infinity);
      expect((await infer(tolerant)).status).toBe(200);
      let started = await call('POST', `${governance}/audit/verifications`, { token: officer });
      await within(
        RESUME_DEADLINE_MS,
        async () => {
          if (started.status !== 202)
            started = await call('POST', `${governance}/audit/verifications`, { token: officer });
          return started.status === 202;
        },
        200,
      );
      expect(started.status).toBe(202);
      let result: Record<string, unknown> = {};
      await within(
        RESUME_DEADLINE_MS,
        async () => {
          result = (await call('GET', `${governance}${String(started.body.status)}`, { token: officer }))
            .body;
          return result.state === 'completed';
        },
        200,
      );
      expect(result).toMatchObject({ state: 'completed', result: { valid: true } });
    });
  });
});
