import { ProblemError } from '@praesidium/problem';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.js';
import { ConcurrencyLimit } from './concurrency-limit.js';

/** What a finished call says about the backend's health; `abandoned`: the call was never made. */
export type CallVerdict = 'healthy' | 'failed' | 'abandoned';

/** Reason codes that mean the backend itself is failing (not the caller, not the gateway). */
const BACKEND_FAULTS = new Set(['backend.timeout', 'backend.unavailable', 'backend.invalid_response']);

export function verdictOf(error: unknown): CallVerdict {
  return error instanceof ProblemError && BACKEND_FAULTS.has(error.code) ? 'failed' : 'healthy';
}

interface Backend {
  readonly breaker: CircuitBreaker;
  readonly limit: ConcurrencyLimit;
}

/**
 * A circuit breaker and a concurrency limit per backend origin. Inference is never retried: a call
 * to a model is not idempotent (it may be billed, logged or acted upon), so a failure goes back to the
 * caller, who decides.
 */
export class BackendGuard {
  private readonly backends = new Map<string, Backend>();

  constructor(
    private readonly options: CircuitBreakerOptions & { readonly concurrency: number },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Admits a call to `origin` or throws (`backend.circuit_open`, `backend.saturated`); the returned
   * function must be called exactly once with how the call went.
   */
  enter(origin: string): (verdict: CallVerdict) => void {
    const backend = this.backend(origin);
    const release = backend.limit.acquire();
    try {
      backend.breaker.admit();
    } catch (error) {
      release();
      throw error;
    }
    return (verdict) => {
      release();
      if (verdict === 'failed') backend.breaker.failed();
      else if (verdict === 'abandoned') backend.breaker.abandoned();
      else backend.breaker.succeeded();
    };
  }

  state(origin: string): CircuitState {
    return this.backend(origin).breaker.state;
  }

  private backend(origin: string): Backend {
    let backend = this.backends.get(origin);
    if (!backend) {
      backend = {
        breaker: new CircuitBreaker(this.options, this.now),
        limit: new ConcurrencyLimit(this.options.concurrency),
      };
      this.backends.set(origin, backend);
    }
    return backend;
  }
}
