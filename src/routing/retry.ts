/**
 * Retry decisions: which kinds are retried, how long to wait (cockatiel's
 * exponential backoff with jitter, or the provider's `Retry-After`), and the
 * retry budget that keeps retries from multiplying load during an outage.
 */
import { DelegateBackoff, ExponentialBackoff, type IBackoff, type IRetryBackoffContext } from 'cockatiel';
import { ProviderError, type ProviderErrorKind } from '../../providers/types.js';
import { SlidingCounts } from './window.js';

export interface RetrySettings {
  /** First backoff delay before jitter, ms. Default 100. */
  initialDelayMs: number;
  /** Longest backoff delay, ms. Default 2000. */
  maxDelayMs: number;
  /**
   * Longest `Retry-After` honoured, ms. Default 5000. A provider asking for
   * longer is not retried at all: the request fails over instead, since
   * retrying earlier than asked would only be refused again.
   */
  maxRetryAfterMs: number;
  /**
   * Longest a provider is kept off first tries after a 429 whose
   * `Retry-After` is beyond `maxRetryAfterMs` (a spent quota, say). Default
   * 30000. Shorter ones only delay the retry of the request that got them:
   * scattered 429s must not send all traffic elsewhere.
   */
  maxProviderBackoffMs: number;
  /** Retries allowed as a share of first tries in the window. Default 0.2 (at most 20% extra load). */
  budgetRatio: number;
  /** The budget's sliding window, ms. Default 10000. */
  budgetWindowMs: number;
  /** Retries always allowed per window, so a quiet service can still retry. Default 10. */
  budgetMinRetries: number;
}

export const DEFAULT_RETRY_SETTINGS: RetrySettings = {
  initialDelayMs: 100,
  maxDelayMs: 2000,
  maxRetryAfterMs: 5000,
  maxProviderBackoffMs: 30_000,
  budgetRatio: 0.2,
  budgetWindowMs: 10_000,
  budgetMinRetries: 10,
};

/** Kinds that say "try again later"; the rest are either final or need another provider. */
export const RETRYABLE_KINDS: ReadonlySet<ProviderErrorKind> = new Set(['timeout', 'unavailable', 'rate_limited']);

/**
 * A retry budget in the style of Finagle's: first tries deposit
 * `budgetRatio` of a retry each, a retry withdraws one. Over budget, the
 * caller skips the retry and fails over, so an outage costs at most
 * (1 + ratio) × the normal upstream load plus a small constant.
 */
export class RetryBudget {
  readonly #counts: SlidingCounts;

  constructor(
    private readonly settings: Pick<RetrySettings, 'budgetRatio' | 'budgetWindowMs' | 'budgetMinRetries'>,
    now: () => number,
  ) {
    this.#counts = new SlidingCounts(settings.budgetWindowMs, 2, now);
  }

  recordFirstTry(): void {
    this.#counts.add(0);
  }

  /** Withdraws one retry when the budget allows it; returns whether it did. */
  tryRetry(): boolean {
    const [firsts = 0, retries = 0] = this.#counts.totals();
    if (retries + 1 > this.settings.budgetRatio * firsts + this.settings.budgetMinRetries) return false;
    this.#counts.add(1);
    return true;
  }

  /** First tries and retries in the current window. */
  snapshot(): { firstTries: number; retries: number } {
    const [firstTries = 0, retries = 0] = this.#counts.totals();
    return { firstTries, retries };
  }
}

/**
 * The delay before a retry: the provider's `Retry-After` when it sent one
 * (it knows when it will take work again), else cockatiel's exponential
 * backoff with decorrelated jitter, whose state carries across attempts.
 */
export function retryBackoff(
  settings: Pick<RetrySettings, 'initialDelayMs' | 'maxDelayMs'>,
): DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown> | undefined> {
  const exponential = new ExponentialBackoff({ initialDelay: settings.initialDelayMs, maxDelay: settings.maxDelayMs });
  return new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown> | undefined>((context, previous) => {
    const next = previous ? previous.next(context) : exponential.next();
    const error = 'error' in context.result ? context.result.error : undefined;
    const retryAfter = error instanceof ProviderError ? error.retryAfterMs : undefined;
    return { delay: retryAfter ?? next.duration, state: next };
  });
}
