import { ProblemError } from '@praesidium/problem';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  readonly failures: number;
  /** How long the circuit stays open before one trial call is let through. */
  readonly resetMs: number;
}

/**
 * A circuit breaker for one backend: closed, it counts consecutive failures; after `failures` of them
 * it opens and refuses every call for `resetMs`; then it lets exactly one trial call through
 * (half-open): success closes it, failure opens it again. Small and synchronous, so the gateway
 * decides without awaiting anything.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt = 0;
  private current: CircuitState = 'closed';
  private trialInFlight = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    return this.current;
  }

  /** Lets a call through, or throws `backend.circuit_open`. Every admitted call must report back. */
  admit(): void {
    if (this.current === 'open') {
      if (this.now() - this.openedAt < this.options.resetMs) throw new ProblemError('backend.circuit_open');
      this.current = 'half-open';
    }
    if (this.current === 'half-open') {
      if (this.trialInFlight) throw new ProblemError('backend.circuit_open');
      this.trialInFlight = true;
    }
  }

  /** An admitted call that was never made: frees a half-open trial without judging the backend. */
  abandoned(): void {
    this.trialInFlight = false;
  }

  succeeded(): void {
    this.trialInFlight = false;
    this.consecutiveFailures = 0;
    this.current = 'closed';
  }

  failed(): void {
    this.trialInFlight = false;
    this.consecutiveFailures += 1;
    if (this.current === 'half-open' || this.consecutiveFailures >= this.options.failures) {
      this.current = 'open';
      this.openedAt = this.now();
    }
  }
}
