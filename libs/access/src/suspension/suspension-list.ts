import { performance } from 'node:perf_hooks';
import { ProblemError } from '@praesidium/problem';
import type { Identity } from '../identity.js';

/**
 * The oldest a list of suspended people may be and still be used (ms), when reading it again fails:
 * the one-second promise of a suspension. Older, every caller is refused (fail closed) until a read
 * succeeds again.
 */
export const SUSPENSIONS_MAX_AGE_MS = 1000;

/** A suspension or its lifting, as news of it travels. */
export interface SuspensionChange extends Identity {
  readonly suspended: boolean;
}

export interface SuspensionListOptions {
  /** How long a list read is used before it is read again (ms; 0: read again for every check). */
  readonly refreshMs: number;
  /** The oldest a list may be when a read again fails (ms); `SUSPENSIONS_MAX_AGE_MS` by default. */
  readonly maxAgeMs?: number;
  /** A monotonic clock in ms (a wall clock set back would make an old list look fresh). */
  readonly now?: () => number;
  readonly onReadFailed?: (error: unknown) => void;
}

/**
 * Who is suspended, held in memory so that checking a caller is a set lookup, read again from the
 * store at most every `refreshMs`: a suspension made by any process reaches this one that late at
 * most. Checks arriving while a read is in flight share it, or use the list in hand while it is
 * younger than `maxAgeMs`. A failed read is retried at most every
 * `refreshMs`, and until the list in hand is older than `maxAgeMs` it still serves; after that a
 * check throws `access.suspensions_unavailable` rather than trust a stale list, until a read succeeds.
 * Changes made in this process (`apply`) count at once, and are laid again over any read that began
 * before them, so a read in flight cannot undo them.
 */
export class SuspensionList {
  private suspended = new Set<string>();
  /** When the read of the list in hand began: what it shows was true then, maybe not since. */
  private readAt = -Infinity;
  private attemptedAt = -Infinity;
  private reading: Promise<void> | undefined;
  private local: { readonly at: number; readonly change: SuspensionChange }[] = [];
  private readonly refreshMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly read: () => Promise<readonly Identity[]>,
    private readonly options: SuspensionListOptions,
  ) {
    this.refreshMs = options.refreshMs;
    this.maxAgeMs = Math.max(options.maxAgeMs ?? SUSPENSIONS_MAX_AGE_MS, options.refreshMs);
    this.now = options.now ?? (() => performance.now());
  }

  /** Whether the person is suspended; throws `access.suspensions_unavailable` when that is not known. */
  async isSuspended(identity: Identity): Promise<boolean> {
    const age = this.now() - this.readAt;
    if (age >= this.refreshMs) {
      // A list still young enough to use serves while the next read runs, so no caller waits for
      // it on the hot path; one too old (or with refresh 0) is waited for.
      const reading = this.refresh();
      if (this.refreshMs === 0 || age > this.maxAgeMs) await reading;
    }
    if (this.now() - this.readAt > this.maxAgeMs) throw new ProblemError('access.suspensions_unavailable');
    return this.suspended.has(keyOf(identity));
  }

  /** A change committed by this process: it counts from now on, without waiting for the next read. */
  apply(change: SuspensionChange): void {
    this.local.push({ at: this.now(), change });
    applyTo(this.suspended, change);
  }

  private refresh(): Promise<void> {
    if (this.reading) return this.reading;
    const startedAt = this.now();
    if (startedAt - this.attemptedAt < this.refreshMs) return Promise.resolve();
    this.attemptedAt = startedAt;
    this.reading = this.read()
      .then(
        (identities) => this.replace(identities, startedAt),
        (error: unknown) => this.options.onReadFailed?.(error),
      )
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  private replace(identities: readonly Identity[], startedAt: number): void {
    const next = new Set(identities.map(keyOf));
    // A change applied before the read began was committed before it too, so the read shows it.
    this.local = this.local.filter((entry) => entry.at >= startedAt);
    for (const entry of this.local) applyTo(next, entry.change);
    this.suspended = next;
    this.readAt = startedAt;
  }
}

function applyTo(set: Set<string>, change: SuspensionChange): void {
  if (change.suspended) set.add(keyOf(change));
  else set.delete(keyOf(change));
}

/** Subject and issuer, unambiguously joined (a subject may hold any character but NUL). */
function keyOf(identity: Identity): string {
  return `${identity.issuer}\u0000${identity.subject}`;
}
