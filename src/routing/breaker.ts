/**
 * One circuit breaker per provider, on cockatiel's `circuitBreaker`.
 *
 * Why a small breaker of our own inside it: cockatiel's policy takes a
 * single `IBreaker`, and its `SamplingBreaker` cannot state our rule
 * exactly: it opens on strictly more than the threshold (we want ≥ 50%),
 * sets its minimum as requests per second rather than a call count (we want
 * "at least 20 calls in 30 s"), and reads `Date.now()` directly. So
 * `FailureRateBreaker` states that rule with an injected clock, and
 * `AnyBreaker` opens when either it or cockatiel's `ConsecutiveBreaker` says
 * so. `AnyBreaker.tripNext()` makes the next failure open the circuit at
 * once (an `auth` error isolates the provider), while keeping cockatiel's
 * cooldown and single half-open probe, which `isolate()` would not.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
  type IBreaker,
} from 'cockatiel';
import { ProviderError } from '../../providers/types.js';
import type { BreakerState } from './types.js';
import { SlidingCounts } from './window.js';

export interface BreakerSettings {
  /** Failures in a row that open the circuit. Default 5. */
  consecutiveFailures: number;
  /** Failure share over the window that opens the circuit (≥). Default 0.5. */
  failureRate: number;
  /** Calls needed in the window before the failure share counts. Default 20. */
  minimumCalls: number;
  /** The failure-share window, ms. Default 30000. */
  windowMs: number;
  /** Time open before one half-open probe is let through, ms. Default 30000. */
  cooldownMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  consecutiveFailures: 5,
  failureRate: 0.5,
  minimumCalls: 20,
  windowMs: 30_000,
  cooldownMs: 30_000,
};

/** Opens when at least `rate` of at least `minimumCalls` calls in the window failed. */
export class FailureRateBreaker implements IBreaker {
  readonly #counts: SlidingCounts;

  constructor(
    private readonly rate: number,
    private readonly minimumCalls: number,
    windowMs: number,
    now: () => number,
  ) {
    if (!(rate > 0 && rate <= 1)) throw new TypeError(`failureRate must be in (0, 1]; got ${rate}`);
    this.#counts = new SlidingCounts(windowMs, 2, now);
  }

  get state(): unknown {
    return this.#counts.totals();
  }

  set state(_value: unknown) {
    // Window buckets are not worth carrying across processes: after a restore
    // the rate starts from empty, while the open/closed state itself is restored.
  }

  success(state: CircuitState): void {
    // A successful probe closes the circuit: start the rate from clean.
    if (state === CircuitState.HalfOpen) this.#counts.reset();
    this.#counts.add(0);
  }

  failure(): boolean {
    this.#counts.add(1);
    const [ok = 0, failed = 0] = this.#counts.totals();
    const total = ok + failed;
    return total >= this.minimumCalls && failed >= this.rate * total;
  }
}

/** Opens when any part says so; `tripNext()` forces the next failure to open. */
export class AnyBreaker implements IBreaker {
  #tripNext = false;

  constructor(private readonly parts: readonly IBreaker[]) {}

  get state(): unknown {
    return this.parts.map((p) => p.state);
  }

  set state(value: unknown) {
    if (!Array.isArray(value)) return;
    this.parts.forEach((p, i) => {
      if (value[i] !== undefined) p.state = value[i];
    });
  }

  tripNext(): void {
    this.#tripNext = true;
  }

  /** Drops a pending trip (the circuit opened anyway). */
  clearTrip(): void {
    this.#tripNext = false;
  }

  success(state: CircuitState): void {
    // The trip stays pending through other calls' successes: the auth failure
    // that asked for it reaches failure() a few microtasks later.
    for (const part of this.parts) part.success(state);
  }

  failure(state: CircuitState): boolean {
    // Every part must see the failure, so no short-circuiting `some`.
    const votes = this.parts.map((part) => part.failure(state));
    const trip = this.#tripNext;
    this.#tripNext = false;
    return trip || votes.includes(true);
  }
}

/** Thrown when the circuit is open, or a half-open probe is already in flight. */
export class CircuitOpenError extends BrokenCircuitError {}

/** Errors that say the provider is in trouble; request-specific kinds never count against it. */
function countsAgainstProvider(error: unknown): boolean {
  return error instanceof ProviderError && !isLocalRejection(error) && ['timeout', 'unavailable', 'rate_limited', 'auth'].includes(error.kind);
}

const LOCAL = Symbol('local rejection');

/** Marks an error the router made itself (a full bulkhead), which says nothing about the provider. */
export function markLocalRejection<E extends ProviderError>(error: E): E {
  (error as unknown as Record<symbol, boolean>)[LOCAL] = true;
  return error;
}

export function isLocalRejection(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[LOCAL] === true;
}

export interface ProviderBreakerOptions {
  settings: BreakerSettings;
  now: () => number;
  /** A snapshot from `toJSON()` (another replica's, or an earlier run's). */
  initialState?: unknown;
  onStateChange?: (state: BreakerState) => void;
}

export class ProviderBreaker {
  readonly #policy: CircuitBreakerPolicy;
  readonly #breaker: AnyBreaker;

  constructor(options: ProviderBreakerOptions) {
    const { settings } = options;
    this.#breaker = new AnyBreaker([
      new ConsecutiveBreaker(settings.consecutiveFailures),
      new FailureRateBreaker(settings.failureRate, settings.minimumCalls, settings.windowMs, options.now),
    ]);
    this.#policy = circuitBreaker(handleWhen(countsAgainstProvider), {
      halfOpenAfter: settings.cooldownMs,
      breaker: this.#breaker,
      ...(options.initialState === undefined ? {} : { initialState: options.initialState }),
    });
    const onChange = options.onStateChange;
    this.#policy.onStateChange((s) => {
      if (s !== CircuitState.Closed) this.#breaker.clearTrip();
      onChange?.(toBreakerState(s));
    });
  }

  get state(): BreakerState {
    return toBreakerState(this.#policy.state);
  }

  /** Makes the next failure open the circuit whatever the counts say. */
  tripNext(): void {
    this.#breaker.tripNext();
  }

  /**
   * Runs `fn` through the breaker. While a half-open probe is in flight,
   * throws at once: cockatiel would make the caller wait for the probe's
   * verdict, and a router would rather fail over than wait.
   */
  execute<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#policy.state === CircuitState.HalfOpen) return Promise.reject(new CircuitOpenError('half-open probe in flight'));
    return this.#policy.execute(fn);
  }

  toJSON(): unknown {
    return this.#policy.toJSON();
  }
}

function toBreakerState(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half_open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
  }
}
