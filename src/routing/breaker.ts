/**
 * One circuit breaker per provider, on cockatiel's `circuitBreaker`, with a
 * breaker rule of our own inside it (`RatioBreaker`).
 *
 * The rule is the failure share over a sliding window: at least 50% of at
 * least 20 calls in 30 s. A streak (cockatiel's `ConsecutiveBreaker`) opened
 * on scattered faults: under concurrency, five failures in a row across all
 * calls in flight come often enough at a 20% fault rate (a few hung calls
 * timing out together suffice). A streak still decides while the window
 * holds fewer calls than the minimum (quiet traffic, or just after a
 * restart), so that a dead provider behind little traffic is found too.
 *
 * Why not cockatiel's `SamplingBreaker`: it opens on strictly more than the
 * threshold, states its minimum as requests per second rather than a count,
 * reads `Date.now()` directly (the router's clock is injected), and rotates
 * one bucket per call, so counts from before an idle spell linger.
 *
 * Only provider-side failures count (timeout, unavailable, auth). A 429 is
 * not one: the provider is up and asks for less traffic, which the retry
 * policy honours (`Retry-After`); see executor.ts.
 */
import {
  BrokenCircuitError,
  CircuitState,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
  type IBreaker,
} from 'cockatiel';
import { ProviderError } from '../../providers/types.js';
import type { BreakerState } from './types.js';
import { SlidingCounts } from './window.js';

export interface BreakerSettings {
  /** Failures in a row that open the circuit while the window holds fewer than `minimumCalls` calls. Default 5. */
  consecutiveFailures: number;
  /** Failure share over the window that opens the circuit (≥). Default 0.5. */
  failureRate: number;
  /** Calls needed in the window before the failure share decides. Default 20. */
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

/**
 * Opens when at least `failureRate` of at least `minimumCalls` calls in the
 * window failed; with fewer calls in the window, on `consecutiveFailures` in
 * a row. `tripNext()` makes the next failure open it whatever the counts say.
 */
export class RatioBreaker implements IBreaker {
  readonly #counts: SlidingCounts;
  #streak = 0;
  #tripNext = false;

  constructor(
    private readonly settings: Pick<
      BreakerSettings,
      'consecutiveFailures' | 'failureRate' | 'minimumCalls' | 'windowMs'
    >,
    now: () => number,
  ) {
    const { failureRate, minimumCalls, consecutiveFailures } = settings;
    if (!(failureRate > 0 && failureRate <= 1))
      throw new TypeError(`failureRate must be in (0, 1]; got ${failureRate}`);
    if (!(minimumCalls >= 1)) throw new TypeError(`minimumCalls must be ≥ 1; got ${minimumCalls}`);
    if (!(consecutiveFailures >= 1)) throw new TypeError(`consecutiveFailures must be ≥ 1; got ${consecutiveFailures}`);
    this.#counts = new SlidingCounts(settings.windowMs, 2, now);
  }

  /** What a snapshot carries to another replica or a restart: the streak. */
  get state(): unknown {
    return { streak: this.#streak };
  }

  set state(value: unknown) {
    // Window buckets are not worth carrying across processes: after a restore
    // the share starts from empty, while the open/closed state itself is restored.
    const streak = (value as { streak?: unknown } | null)?.streak;
    if (typeof streak === 'number' && Number.isFinite(streak)) this.#streak = streak;
  }

  /** Calls and failures in the window ending now. */
  window(): { calls: number; failures: number } {
    const [ok = 0, failed = 0] = this.#counts.totals();
    return { calls: ok + failed, failures: failed };
  }

  tripNext(): void {
    this.#tripNext = true;
  }

  /** Drops a pending trip (the circuit opened anyway). */
  clearTrip(): void {
    this.#tripNext = false;
  }

  success(state: CircuitState): void {
    // A successful probe closes the circuit: start the share from clean.
    if (state === CircuitState.HalfOpen) this.#counts.reset();
    this.#counts.add(0);
    this.#streak = 0;
    // The trip stays pending through other calls' successes: the auth failure
    // that asked for it reaches failure() a few microtasks later.
  }

  failure(): boolean {
    this.#counts.add(1);
    this.#streak += 1;
    const trip = this.#tripNext;
    this.#tripNext = false;
    if (trip) return true;
    const { calls, failures } = this.window();
    if (calls >= this.settings.minimumCalls) return failures >= this.settings.failureRate * calls;
    return this.#streak >= this.settings.consecutiveFailures;
  }
}

/** Thrown when the circuit is open, or a half-open probe is already in flight. */
export class CircuitOpenError extends BrokenCircuitError {}

/** Errors that say the provider is in trouble; request-specific kinds never count against it. */
function countsAgainstProvider(error: unknown): boolean {
  return (
    error instanceof ProviderError &&
    !isLocalRejection(error) &&
    ['timeout', 'unavailable', 'auth'].includes(error.kind)
  );
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
  readonly #breaker: RatioBreaker;

  constructor(options: ProviderBreakerOptions) {
    const { settings } = options;
    this.#breaker = new RatioBreaker(settings, options.now);
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

  /** Calls and failures in the failure-share window ending now. */
  window(): { calls: number; failures: number } {
    return this.#breaker.window();
  }

  /**
   * Runs `fn` through the breaker. While a half-open probe is in flight,
   * throws at once: cockatiel would make the caller wait for the probe's
   * verdict, and a router would rather fail over than wait.
   */
  execute<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#policy.state === CircuitState.HalfOpen)
      return Promise.reject(new CircuitOpenError('half-open probe in flight'));
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
