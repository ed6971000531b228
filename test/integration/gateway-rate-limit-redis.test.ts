import { randomUUID } from 'node:crypto';
import type { ProblemError } from '@praesidium/problem';
import { RateLimiter, RedisWindowCounter } from '../../apps/gateway/src/resilience/rate-limiter.js';

const REDIS_URL = process.env.PRAESIDIUM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const limits = { perPrincipal: 3, perModel: 100, windowSeconds: 60, failOpen: false };

describe('rate limits shared through Redis', () => {
  it('counts calls of a principal across gateway instances and refuses the one over the limit', async () => {
    const instances = [new RedisWindowCounter(REDIS_URL), new RedisWindowCounter(REDIS_URL)];
    const [first, second] = instances.map((counter) => new RateLimiter(limits, counter));
    const principal = `test-${randomUUID()}`;
    try {
      await first.check(principal, 'model-a');
      await second.check(principal, 'model-a');
      await first.check(principal, 'model-b');
      await expect(second.check(principal, 'model-a')).rejects.toEqual(
        expect.objectContaining({ code: 'rate_limit.exceeded' }) as ProblemError,
      );
      await first.check(`other-${principal}`, 'model-a');
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('fails closed when Redis cannot be reached', async () => {
    const limiter = new RateLimiter(limits, new RedisWindowCounter('redis://127.0.0.1:1'));
    try {
      await expect(limiter.check('anyone', 'model-a')).rejects.toEqual(
        expect.objectContaining({ code: 'rate_limit.unavailable' }) as ProblemError,
      );
    } finally {
      await limiter.close();
    }
  });
});
