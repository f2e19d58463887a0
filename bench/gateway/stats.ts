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
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

/** p50/p90/p99/max of latencies in ms (any order; the input is not modified). */
export function summarizeLatencies(latencies: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const values = Array.from(sorted);
  return {
    samples: values.length,
    p50: percentile(values, 0.5),
    p90: percentile(values, 0.9),
    p99: percentile(values, 0.99),
    max: values[values.length - 1] ?? NaN,
  };
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
  return steps.reduce(
    (best, step) => (withinBudget(step, budgetMs, baselineMs) && step.rate > best ? step.rate : best),
    0,
  );
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
 * Connections for a paced rate step: twice what the rate needs if each
 * request took the fake's latency plus 20 ms, at least 8, at most 512. The
 * steps are open loop, so connections only cap how many requests can be in
 * the path at once; a path that slows down gets more in flight, up to this
 * pool, and a request beyond it waits in the generator's pool, which its
 * latency counts.
 */
export function connectionsFor(rate: number, latencyMs: number): number {
  return Math.min(512, Math.max(8, Math.ceil(((rate * (latencyMs + 20)) / 1000) * 2)));
}

/** One RSS sample of a soak: seconds since it began, and KiB. */
export interface RssSample {
  tSec: number;
  kib: number;
}

/**
 * Least-squares slope of RSS over time, in MiB per minute; NaN with fewer
 * than two samples. Pure.
 */
export function rssSlopeMiBPerMin(samples: readonly RssSample[]): number {
  const n = samples.length;
  if (n < 2) return NaN;
  const meanT = samples.reduce((s, x) => s + x.tSec, 0) / n;
  const meanK = samples.reduce((s, x) => s + x.kib, 0) / n;
  let num = 0;
  let den = 0;
  for (const { tSec, kib } of samples) {
    num += (tSec - meanT) * (kib - meanK);
    den += (tSec - meanT) ** 2;
  }
  return den === 0 ? NaN : ((num / den) * 60) / 1024;
}
