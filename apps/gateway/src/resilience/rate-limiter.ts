import { Redis } from 'ioredis';
import { ProblemError } from '@praesidium/problem';

/** Counts calls per key in fixed windows. */
export interface WindowCounter {
  /** Adds one call to `key` in the current window and returns the window's count. */
  increment(key: string, windowSeconds: number): Promise<number>;
  close(): Promise<void>;
}

/** One process's counters: right for the embedded default and a single gateway. */
export class MemoryWindowCounter implements WindowCounter {
  private readonly counts = new Map<string, number>();
  private currentWindow = -1;

  constructor(private readonly now: () => number = Date.now) {}

  increment(key: string, windowSeconds: number): Promise<number> {
    const window = Math.floor(this.now() / 1000 / windowSeconds);
    // Fixed windows: a new window forgets every count of the last one, so memory stays bounded.
    if (window !== this.currentWindow) {
      this.counts.clear();
      this.currentWindow = window;
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return Promise.resolve(count);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Counters shared by every gateway instance: INCR on `praesidium:rl:<key>:<window>` with an EXPIRE
 * of one window. No retries and a 500 ms command timeout, so an unreachable Redis fails the call
 * quickly instead of holding it.
 */
export class RedisWindowCounter implements WindowCounter {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly now: () => number = Date.now,
  ) {
    // `disconnectTimeout`: on close, ioredis waits that long for a socket to finish closing, even one
    // that already has (Redis unreachable), and holds the process meanwhile (2 s by default).
    this.redis = new Redis(url, { maxRetriesPerRequest: 0, commandTimeout: 500, disconnectTimeout: 100 });
    // Connection errors surface on each increment; the client reconnects by itself.
    this.redis.on('error', () => undefined);
  }

  async increment(key: string, windowSeconds: number): Promise<number> {
    const window = Math.floor(this.now() / 1000 / windowSeconds);
    const redisKey = `praesidium:rl:${key}:${window}`;
    const results = await this.redis.multi().incr(redisKey).expire(redisKey, windowSeconds).exec();
    const [error, count] = results?.[0] ?? [new Error('no result'), 0];
    if (error) throw error;
    return Number(count);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}

export interface RateLimits {
  readonly perPrincipal: number;
  readonly perModel: number;
  readonly windowSeconds: number;
  readonly failOpen: boolean;
}

/**
 * Calls per principal and per model in fixed windows (0 turns a limit off). When the counter store
 * is unreachable the configured policy applies: refuse (`rate_limit.unavailable`, the default,
 * since a limit that silently vanishes protects nothing) or let the call through.
 */
export class RateLimiter {
  constructor(
    private readonly limits: RateLimits,
    private readonly counter: WindowCounter,
  ) {}

  async check(principalKey: string, modelName: string): Promise<void> {
    const { perPrincipal, perModel, windowSeconds, failOpen } = this.limits;
    let counts: [number, number];
    try {
      counts = await Promise.all([
        perPrincipal > 0 ? this.counter.increment(`p:${principalKey}`, windowSeconds) : 0,
        perModel > 0 ? this.counter.increment(`m:${modelName}`, windowSeconds) : 0,
      ]);
    } catch {
      if (failOpen) return;
      throw new ProblemError('rate_limit.unavailable');
    }
    if ((perPrincipal > 0 && counts[0] > perPrincipal) || (perModel > 0 && counts[1] > perModel)) {
      throw new ProblemError('rate_limit.exceeded');
    }
  }

  close(): Promise<void> {
    return this.counter.close();
  }
}
