/**
 * Outcome records of answers already released, from the moment they are handed over until they are
 * committed. Each is held briefly, until the next request record has committed: it then commits while
 * that call's backend works. Back to back calls thus wait for one single-record commit each, and an
 * outcome append never makes the next caller's request record wait behind it or grow its batch. A
 * normal stop waits for them (bounded), so only a crash can lose one.
 */
export class PendingOutcomes {
  private readonly pending = new Set<Promise<void>>();
  private held: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closing = false;

  /** `holdMs`: how long an outcome waits for a request record to commit first, at most. */
  constructor(private readonly holdMs: number) {}

  /** Once the process stops, every answer waits for its own record: nothing is left behind. */
  get isClosing(): boolean {
    return this.closing;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Hands over an append whose failure it handles itself (the promise must not reject). */
  hold(append: () => Promise<void>): void {
    const settled = new Promise<void>((resolve) => this.held.push(() => resolve(append())));
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
    this.timer ??= setTimeout(() => this.release(), this.holdMs);
  }

  /** Starts every held append now: once a request record has committed, while its backend works. */
  release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const held = this.held;
    this.held = [];
    for (const start of held) start();
  }

  /** Starts what is held, takes no more, and waits up to `timeoutMs`; resolves with those left. */
  async drain(timeoutMs: number): Promise<number> {
    this.closing = true;
    this.release();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([Promise.allSettled([...this.pending]), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.pending.size;
  }
}
