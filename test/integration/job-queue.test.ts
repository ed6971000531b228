import { randomUUID } from 'node:crypto';
import {
  BullJobQueue,
  InProcessJobQueue,
  JobQueueUnavailableError,
  type JobQueue,
  type JobRequester,
  type JobStatus,
} from '@praesidium/jobs';
import { ProblemError } from '@praesidium/problem';

const redisUrl = () => process.env.PRAESIDIUM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function settle(queue: JobQueue, id: string): Promise<JobStatus> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const status = await queue.status(id);
    if (status && (status.state === 'completed' || status.state === 'failed')) return status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${id} did not finish`);
}

const QUEUES: [string, () => JobQueue][] = [
  ['Bull on Redis', () => new BullJobQueue(redisUrl(), `test-${randomUUID()}`, 'praesidium-test')],
  ['the in-process runner', () => new InProcessJobQueue()],
];

describe.each(QUEUES)('jobs on %s', (_, makeQueue) => {
  let queue: JobQueue;
  beforeEach(() => {
    queue = makeQueue();
  });
  afterEach(async () => {
    await queue.close();
  });

  it('runs a job, shows its progress and keeps its result and requester (subject and issuer)', async () => {
    const seen: number[] = [];
    queue.register<{ n: number } & JobRequester, { doubled: number }>('double', async (job) => {
      await job.reportProgress(50);
      seen.push(50);
      return { doubled: job.data.n * 2 };
    });
    const id = await queue.add('double', {
      n: 21,
      requestedBy: 'sam.okafor',
      requestedByIssuer: 'https://idp.hospital.example',
    });
    const status = await settle(queue, id);
    expect(status).toMatchObject({
      state: 'completed',
      progress: 100,
      result: { doubled: 42 },
      requestedBy: 'sam.okafor',
      requestedByIssuer: 'https://idp.hospital.example',
    });
    expect(seen).toEqual([50]);
  });

  it("reports a failed job with its refusal's reason code, and nothing of another error's message", async () => {
    queue.register('refuse', async () => {
      throw new ProblemError('bias.input_invalid', 'the file has no outcome column');
    });
    queue.register('explode', async () => {
      // As a parser's message can quote what it read: a value of an uploaded file.
      throw new Error('unexpected category "Patient/4711"');
    });
    const refused = await settle(queue, await queue.add('refuse', {}));
    expect(refused.state).toBe('failed');
    expect(refused.error).toBe('bias.input_invalid: the file has no outcome column');
    const exploded = await settle(queue, await queue.add('explode', {}));
    expect(exploded.state).toBe('failed');
    expect(exploded.error).toMatch(/^internal\.error: /);
    expect(exploded.error).not.toContain('4711');
  });
});

describe('Bull while Redis is unreachable', () => {
  it('refuses to add a job within seconds instead of hanging', async () => {
    const queue = new BullJobQueue('redis://127.0.0.1:1', `test-${randomUUID()}`, 'praesidium-test');
    const started = Date.now();
    await expect(queue.add('anything', {})).rejects.toBeInstanceOf(JobQueueUnavailableError);
    expect(Date.now() - started).toBeLessThan(10_000);
    await queue.close().catch(() => undefined);
  });
});
