/**
 * Outcome records appended after their answer was released, still committing. A normal stop waits
 * for them (bounded), so only a crash can lose one; each settles on its own and never rejects here.
 */
export class PendingOutcomes {
  private readonly pending = new Set<Promise<void>>();
  private closing = false;

  /** Once the process stops, every answer waits for its own record: nothing is left behind. */
  get isClosing(): boolean {
    return this.closing;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Tracks an append whose failure `settle` has already handled (it must not reject). */
  track(settle: Promise<void>): void {
    this.pending.add(settle);
    void settle.finally(() => this.pending.delete(settle));
  }

  /** Stops taking after-release appends and waits up to `timeoutMs`; resolves with those left. */
  async drain(timeoutMs: number): Promise<number> {
    this.closing = true;
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
