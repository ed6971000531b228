import type { ConsentRecord } from './consent-provision.js';

/**
 * The latest consent versions of recently decided patients, keyed by pseudonym, in front of the
 * database. Entries are dropped when a change is announced (see `ConsentChangeFeed`) and expire after
 * `ttlMs` whatever happens. The cache serves only while the change feed vouches that it missed nothing
 * (`vouchUntil`): while the feed is down or silent the cache is off, so no decision rests on what might
 * be a revoked consent.
 */
export class ConsentCache {
  private readonly entries = new Map<string, { records: readonly ConsentRecord[]; expiresAt: number }>();
  /** Bumped by every invalidation: a load that started before one must not be cached after it. */
  private epoch = 0;
  /** Entries are served and stored until then only (ms since the epoch). */
  private servesUntil: number;

  constructor(
    private readonly ttlMs: number,
    options: { enabled?: boolean; maxEntries?: number } = {},
  ) {
    this.servesUntil = (options.enabled ?? true) ? Infinity : -Infinity;
    this.maxEntries = options.maxEntries ?? 50_000;
  }

  private readonly maxEntries: number;

  async getOrLoad(
    pseudonym: string,
    load: () => Promise<readonly ConsentRecord[]>,
  ): Promise<readonly ConsentRecord[]> {
    const entry = this.isServing ? this.entries.get(pseudonym) : undefined;
    if (entry && entry.expiresAt > Date.now()) return entry.records;
    const epoch = this.epoch;
    const records = await load();
    if (this.isServing && epoch === this.epoch) this.store(pseudonym, records);
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

  /** Turns the cache on for good or off (feed disconnected: every decision reads the store), emptied. */
  setEnabled(enabled: boolean): void {
    this.clear();
    this.servesUntil = enabled ? Infinity : -Infinity;
  }

  /**
   * Serves entries until `time` (ms since the epoch): the change feed has heard every change committed
   * up to a bound before it. Without a later vouch the cache falls silent and decisions read the store.
   */
  vouchUntil(time: number): void {
    if (time > this.servesUntil) this.servesUntil = time;
  }

  get isServing(): boolean {
    return Date.now() < this.servesUntil;
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
