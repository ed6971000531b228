import type { ConsentRecord } from './consent-provision.js';

/**
 * The latest consent versions of recently decided patients, keyed by pseudonym, in front of the
 * database. Entries are dropped when a change is announced (see `ConsentChangeFeed`) and expire after
 * `ttlMs` whatever happens. While the change feed is down the cache is off: no decision may rest on
 * what might be a revoked consent.
 */
export class ConsentCache {
  private readonly entries = new Map<string, { records: readonly ConsentRecord[]; expiresAt: number }>();
  /** Bumped by every invalidation: a load that started before one must not be cached after it. */
  private epoch = 0;
  private enabled: boolean;

  constructor(
    private readonly ttlMs: number,
    options: { enabled?: boolean; maxEntries?: number } = {},
  ) {
    this.enabled = options.enabled ?? true;
    this.maxEntries = options.maxEntries ?? 50_000;
  }

  private readonly maxEntries: number;

  async getOrLoad(
    pseudonym: string,
    load: () => Promise<readonly ConsentRecord[]>,
  ): Promise<readonly ConsentRecord[]> {
    const entry = this.enabled ? this.entries.get(pseudonym) : undefined;
    if (entry && entry.expiresAt > Date.now()) return entry.records;
    const epoch = this.epoch;
    const records = await load();
    if (this.enabled && epoch === this.epoch) this.store(pseudonym, records);
    return records;
  }

  invalidate(pseudonym: string): void {
    this.epoch += 1;
    this.entries.delete(pseudonym);
  }

  clear(): void {
    this.epoch += 1;
    this.entries.clear();
  }

  /** Turns the cache on (change feed connected) or off (disconnected: every decision reads the store). */
  setEnabled(enabled: boolean): void {
    this.clear();
    this.enabled = enabled;
  }

  get size(): number {
    return this.entries.size;
  }

  private store(pseudonym: string, records: readonly ConsentRecord[]): void {
    this.entries.delete(pseudonym);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(pseudonym, { records, expiresAt: Date.now() + this.ttlMs });
  }
}
