import type { ProblemError } from '@praesidium/problem';
import { BackendGuard } from './backend-guard.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { MemoryWindowCounter, RateLimiter, type WindowCounter } from './rate-limiter.js';

const code = (value: string) => expect.objectContaining({ code: value }) as ProblemError;

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, lets one trial through after the reset time, and closes on its success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 3, resetMs: 1000 }, () => now);
    for (let i = 0; i < 3; i += 1) {
      breaker.admit();
      breaker.failed();
    }
    expect(breaker.state).toBe('open');
    expect(() => breaker.admit()).toThrow(code('backend.circuit_open'));
    now = 1000;
    breaker.admit();
    expect(breaker.state).toBe('half-open');
    expect(() => breaker.admit()).toThrow(code('backend.circuit_open'));
    breaker.succeeded();
    expect(breaker.state).toBe('closed');
    breaker.admit();
  });

  it('opens again at once when the half-open trial fails, and a success resets the count', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 2, resetMs: 10 }, () => now);
    breaker.failed();
    breaker.succeeded();
    breaker.failed();
    expect(breaker.state).toBe('closed');
    breaker.failed();
    now = 10;
    breaker.admit();
    breaker.failed();
    expect(breaker.state).toBe('open');
    expect(() => breaker.admit()).toThrow(code('backend.circuit_open'));
  });
});

describe('BackendGuard', () => {
  it('refuses calls over the concurrency limit and gives the slot back when a call ends', () => {
    const guard = new BackendGuard({ failures: 5, resetMs: 1000, concurrency: 2 });
    const first = guard.enter('http://a');
    guard.enter('http://a');
    expect(() => guard.enter('http://a')).toThrow(code('backend.saturated'));
    guard.enter('http://b');
    first('healthy');
    guard.enter('http://a');
  });

  it('keeps one circuit per backend', () => {
    const guard = new BackendGuard({ failures: 1, resetMs: 1000, concurrency: 10 });
    guard.enter('http://a')('failed');
    expect(() => guard.enter('http://a')).toThrow(code('backend.circuit_open'));
    expect(guard.state('http://b')).toBe('closed');
  });
});

describe('RateLimiter', () => {
  const limits = { perPrincipal: 2, perModel: 3, windowSeconds: 60, failOpen: false };

  it('refuses a principal over its limit, and a model over its own, until the window turns', async () => {
    let now = 0;
    const limiter = new RateLimiter(limits, new MemoryWindowCounter(() => now));
    await limiter.check('alice', 'm');
    await limiter.check('alice', 'm');
    await expect(limiter.check('alice', 'm')).rejects.toEqual(code('rate_limit.exceeded'));
    await expect(limiter.check('bob', 'm')).rejects.toEqual(code('rate_limit.exceeded'));
    await limiter.check('bob', 'other');
    now = 60_000;
    await limiter.check('alice', 'm');
  });

  it('fails closed when the counter store is down, or open when configured so', async () => {
    const broken: WindowCounter = {
      increment: () => Promise.reject(new Error('down')),
      close: () => Promise.resolve(),
    };
    await expect(new RateLimiter(limits, broken).check('a', 'm')).rejects.toEqual(
      code('rate_limit.unavailable'),
    );
    await new RateLimiter({ ...limits, failOpen: true }, broken).check('a', 'm');
  });
});
