/**
 * Pure arithmetic for the gateway benchmark: latency percentiles and the
 * throughput frontier. No I/O, so it is unit-tested on its own.
 */

export interface LatencySummary {
  /** Responses the percentiles are taken over. */
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (q in [0, 1]) of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** p50/p90/p99/max of latencies in ms (any order; the input is not modified). */
export function summarizeLatencies(latencies: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const values = Array.from(sorted);
  return { samples: values.length, p50: percentile(values, 0.5), p90: percentile(values, 0.9), p99: percentile(values, 0.99), max: values[values.length - 1] ?? NaN };
}

/** One rate step of a frontier search. */
export interface RateStep {
  /** Requests per second asked of the load generator. */
  rate: number;
  p99: number;
  errors: number;
  achievedRps: number;
}

/**
 * Share of the asked rate a step must reach to count: below it the path fell
 * behind (autocannon's connections are closed-loop, so a saturated path shows
 * a lower rate rather than a longer queue).
 */
export const MIN_ACHIEVED_SHARE = 0.9;

/**
 * Whether a step stays within a p99 budget: no errors, at least
 * MIN_ACHIEVED_SHARE of the rate achieved, and p99 − baselineMs under budgetMs
 * (baselineMs is the provider's own fixed latency, so that a 50 ms fake does
 * not make a 10 ms budget meaningless).
 */
export function withinBudget(step: RateStep, budgetMs: number, baselineMs = 0): boolean {
  return step.errors === 0 && step.achievedRps >= MIN_ACHIEVED_SHARE * step.rate && step.p99 - baselineMs < budgetMs;
}

/**
 * The highest rate whose step stayed within the budget, 0 when none did. A
 * lower step that failed does not cap it: on a machine shared with other
 * work a single stall can break one short step's p99 (the steps are still
 * listed in the report).
 */
export function frontier(steps: readonly RateStep[], budgetMs: number, baselineMs = 0): number {
  return steps.reduce((best, step) => (withinBudget(step, budgetMs, baselineMs) && step.rate > best ? step.rate : best), 0);
}

/**
 * Seconds for a rate step: at least `minSec`, and long enough for
 * `minSamples` responses (so that p99 is not just the maximum of a handful),
 * but never over `maxSec`.
 */
export function stepSeconds(rate: number, minSec: number, maxSec: number, minSamples = 200): number {
  return Math.min(maxSec, Math.max(minSec, Math.ceil(minSamples / rate)));
}

/** `a / b` to two decimals with a trailing ×, or "n/a" when either side is not a positive number. */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';
}

/**
 * Connections for a rate step: enough to carry `rate` if each request took
 * the fake's latency plus 10 ms, with 25% spare. autocannon's connections are
 * closed-loop, so too few cap the rate; and its rate limit is a per-second
 * quota per connection, so too many turn the quota into bursts. Minimum 2.
 */
export function connectionsFor(rate: number, latencyMs: number): number {
  return Math.max(2, Math.ceil(((rate * (latencyMs + 10)) / 1000) * 1.25));
}
