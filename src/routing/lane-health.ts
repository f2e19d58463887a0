/**
 * What the router has seen of one provider lately, for the `providers`
 * query: the breaker's verdict and window, the last failure, and how long a
 * 429 asked it to stay away. Shared by every request; one per provider lane.
 *
 * A provider's own `health()` sees only the calls it finished itself: a call
 * the router's timeout cut short is, to the provider, a caller that gave up.
 * The router sees those timeouts, so health that ignores them would report a
 * provider whose every call hung as healthy.
 */
import type { ProviderError } from '../../providers/types.js';
import type { BreakerState, RouteHealth } from './types.js';

export class LaneHealth {
  #lastError: string | null = null;
  #backoffUntil = 0;

  constructor(private readonly now: () => number) {}

  success(): void {
    this.#lastError = null;
  }

  /** Records a failure the router saw on this lane (not the caller's own abort, not a full bulkhead). */
  failure(error: ProviderError): void {
    this.#lastError = `${error.kind}: ${error.message}`;
  }

  /** Keeps first tries off this provider for `ms` (a 429 with a Retry-After longer than a retry would wait). */
  backOff(ms: number): void {
    this.#backoffUntil = Math.max(this.#backoffUntil, this.now() + ms);
  }

  /** Milliseconds left of the current back-off; 0 when none. */
  backoffMs(): number {
    return Math.max(0, this.#backoffUntil - this.now());
  }

  snapshot(breakerState: BreakerState, window: { calls: number; failures: number }, failureRate: number): RouteHealth {
    const failing = window.calls > 0 && window.failures >= failureRate * window.calls;
    return {
      breakerState,
      healthy: breakerState === 'closed' && !failing,
      lastError: this.#lastError,
      backoffMs: this.backoffMs(),
    };
  }
}
