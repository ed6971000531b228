import { ProblemError } from '@praesidium/problem';

/**
 * At most `limit` calls in flight to one backend. A call over the limit is refused at once with
 * `backend.saturated` rather than queued: a queued clinical request would only time out later.
 */
export class ConcurrencyLimit {
  private inFlight = 0;

  constructor(private readonly limit: number) {}

  get active(): number {
    return this.inFlight;
  }

  acquire(): () => void {
    if (this.inFlight >= this.limit) throw new ProblemError('backend.saturated');
    this.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
    };
  }
}
