// A process that stops while Redis is unreachable (the CLI, a gateway on SIGTERM) must exit once it has
// closed its clients: ioredis otherwise keeps a 2-second timer for each socket that had already closed.
import { execFile } from 'node:child_process';
import path from 'node:path';

const DIST = path.resolve('dist');

/** Runs `script` in a process of its own; resolves with the ms between its "closed" line and its exit. */
function msFromCloseToExit(script: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let closedAt: number | undefined;
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('closed')) closedAt ??= Date.now();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0 || closedAt === undefined) reject(new Error(`the script exited ${code}`));
      else resolve(Date.now() - closedAt);
    });
  });
}

describe('closing Redis clients while Redis is unreachable', () => {
  it('lets the job queue’s process exit at once', async () => {
    const ms = await msFromCloseToExit(`
      const { BullJobQueue } = await import('${DIST}/libs/jobs/src/index.js');
      const queue = new BullJobQueue('redis://127.0.0.1:1', 'close-test', 'praesidium-test');
      await queue.add('anything', {}).catch(() => undefined);
      await queue.close();
      console.log('closed');
    `);
    expect(ms).toBeLessThan(1000);
  });

  it('lets the gateway’s process exit at once after closing its rate limiter', async () => {
    const ms = await msFromCloseToExit(`
      const { RedisWindowCounter } = await import('${DIST}/apps/gateway/src/resilience/rate-limiter.js');
      const counter = new RedisWindowCounter('redis://127.0.0.1:1');
      await counter.increment('anyone', 60).catch(() => undefined);
      await counter.close();
      console.log('closed');
    `);
    expect(ms).toBeLessThan(1000);
  });
});
