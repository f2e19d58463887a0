/**
 * Seeded statistics for benchmark runs: shuffles, train/test splits,
 * bootstrap confidence intervals and a paired permutation test. Pure: the
 * same inputs and seed always give the same numbers, so a stored run can be
 * re-summarised and a report re-rendered without drift.
 */
export { seededRandom } from '../../../providers/random.js';
import { seededRandom } from '../../../providers/random.js';

/** Fisher–Yates shuffle of a copy of `items`, driven by `seed`. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rand = seededRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const [a, b] = [out[i], out[j]];
    // 0 <= j <= i < out.length: both are items.
    if (a === undefined || b === undefined) throw new Error(`seededShuffle: index ${i} or ${j} out of range`);
    [out[i], out[j]] = [b, a];
  }
  return out;
}

export interface Split {
  /** Row indices used for evaluation, ascending. */
  test: number[];
  train: number[];
}

/**
 * Seeded train/test split of `n` rows: the first ceil(n × testShare) rows of
 * a seeded shuffle are the test set (at least one row when n > 0).
 */
export function trainTestSplit(n: number, testShare: number, seed: number): Split {
  if (!(testShare > 0 && testShare <= 1)) throw new RangeError(`testShare must be in (0, 1], got ${testShare}`);
  const order = seededShuffle(
    Array.from({ length: n }, (_, i) => i),
    seed,
  );
  const size = n === 0 ? 0 : Math.max(1, Math.ceil(n * testShare));
  return { test: order.slice(0, size).sort((a, b) => a - b), train: order.slice(size).sort((a, b) => a - b) };
}

export const mean = (xs: readonly number[]): number =>
  xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : Number.NaN;

/** Linear-interpolated percentile (p in [0, 100]), as numpy's default; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  // 0 <= lo <= hi < sorted.length; NaN would show a broken rank rather than hide it.
  const low = sorted[lo] ?? Number.NaN;
  const high = sorted[hi] ?? Number.NaN;
  return low + (high - low) * (rank - lo);
}

export interface StatsOptions {
  /** Resamples (bootstrap) or permutations. Default 1000. */
  resamples?: number;
  /** PRNG seed. Default 42. */
  seed?: number;
}

export interface ConfidenceInterval {
  mean: number;
  lower: number;
  upper: number;
  n: number;
}

/**
 * Mean with a percentile bootstrap confidence interval (default 95%). With
 * one value (or none) the interval collapses to the mean (NaN for none).
 */
export function bootstrapCI(
  values: readonly number[],
  options: StatsOptions & { level?: number } = {},
): ConfidenceInterval {
  const { resamples = 1000, seed = 42, level = 0.95 } = options;
  const m = mean(values);
  const n = values.length;
  if (n < 2) return { mean: m, lower: m, upper: m, n };
  const rand = seededRandom(seed);
  const means = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rand() * n)] ?? Number.NaN; // an index below n
    means[r] = s / n;
  }
  const tail = ((1 - level) / 2) * 100;
  return { mean: m, lower: percentile(means, tail), upper: percentile(means, 100 - tail), n };
}

export interface PairedTest {
  /** Mean of a − b over the pairs. */
  meanDifference: number;
  /** Two-sided p-value; 1 when the models never differ. NaN with no pairs. */
  pValue: number;
  n: number;
  /** True when every sign assignment was enumerated (small n), not sampled. */
  exact: boolean;
}

/**
 * Two-sided paired permutation (sign-flip) test of mean(a − b) = 0. For n ≤
 * log2(resamples) every one of the 2^n sign assignments is enumerated, so the
 * p-value is exact; otherwise `resamples` random assignments are drawn and
 * p = (hits + 1) / (resamples + 1), which is never 0.
 */
export function pairedPermutationTest(
  a: readonly number[],
  b: readonly number[],
  options: StatsOptions = {},
): PairedTest {
  if (a.length !== b.length) throw new RangeError(`pairedPermutationTest: ${a.length} vs ${b.length} values`);
  const { resamples = 1000, seed = 42 } = options;
  const d = a.map((x, i) => x - (b[i] ?? Number.NaN)); // b is as long as a
  const n = d.length;
  const observed = mean(d);
  if (n === 0) return { meanDifference: Number.NaN, pValue: Number.NaN, n, exact: true };
  // Sums compare with a tolerance: float addition order must not turn a tie into a miss.
  const target = Math.abs(observed * n) - 1e-12 * Math.max(1, Math.abs(observed * n));
  const hit = (signs: (i: number) => number): boolean => {
    let s = 0;
    for (const [i, x] of d.entries()) s += signs(i) * x;
    return Math.abs(s) >= target;
  };
  if (2 ** n <= resamples) {
    let hits = 0;
    for (let mask = 0; mask < 2 ** n; mask++) if (hit((i) => ((mask >> i) & 1 ? -1 : 1))) hits++;
    return { meanDifference: observed, pValue: hits / 2 ** n, n, exact: true };
  }
  const rand = seededRandom(seed);
  let hits = 0;
  for (let r = 0; r < resamples; r++) if (hit(() => (rand() < 0.5 ? -1 : 1))) hits++;
  return { meanDifference: observed, pValue: (hits + 1) / (resamples + 1), n, exact: false };
}
