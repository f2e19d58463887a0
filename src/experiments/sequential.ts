/**
 * Always-valid inference for the difference of two conversion rates: the
 * mixture sequential probability ratio test (mSPRT) of Johari, Koomen,
 * Pekelis and Walsh, "Always Valid Inference: Continuous Monitoring of A/B
 * Tests" (Operations Research, 2022), with a normal mixing distribution.
 * docs/experiments.md explains why looking at it every day does not inflate
 * its error rate.
 */
import { checkCounts, checkLevel, type Interval, type VariantCounts } from './types.js';

export interface SequentialOptions {
  /** Error rate the test controls over every look, forever. Default 0.05. */
  alpha?: number;
  /**
   * Standard deviation τ of the normal mixture over the true difference of
   * rates (in rate units: 0.01 is one percentage point). Default 0.01: the
   * test is sharpest where the difference's standard error is about τ/3,
   * which for rates near 5% is some 10,000 units per arm, and the boundary is
   * flat in τ, so a factor of three either way costs little.
   */
  mixingSd?: number;
}

export const SEQUENTIAL_DEFAULTS = Object.freeze({ alpha: 0.05, mixingSd: 0.01 });

/** The running state of one comparison: what the next look folds into. */
export interface SequentialState {
  /** Always-valid p-value for "no difference": non-increasing over looks. */
  pValue: number;
  /** Confidence sequence for treatment − control at 1 − alpha: the running intersection of every look's. */
  lower: number;
  upper: number;
}

/** The difference estimate and its variance at one look. */
export interface DifferenceEstimate {
  estimate: number;
  variance: number;
}

/**
 * Treatment − control rate and its plug-in variance, each arm's variance from
 * the smoothed rate (c + 1)/(n + 2): it never vanishes at 0 or n
 * conversions and is slightly conservative at small counts. Null while
 * either arm has no exposures.
 */
export function differenceEstimate(treatment: VariantCounts, control: VariantCounts): DifferenceEstimate | null {
  checkCounts(treatment);
  checkCounts(control);
  if (treatment.exposures === 0 || control.exposures === 0) return null;
  const armVariance = ({ conversions: c, exposures: n }: VariantCounts): number => {
    const p = (c + 1) / (n + 2);
    return (p * (1 - p)) / n;
  };
  return {
    estimate: treatment.conversions / treatment.exposures - control.conversions / control.exposures,
    variance: armVariance(treatment) + armVariance(control),
  };
}

function resolve(options: SequentialOptions): Required<SequentialOptions> {
  const { alpha = SEQUENTIAL_DEFAULTS.alpha, mixingSd = SEQUENTIAL_DEFAULTS.mixingSd } = options;
  checkLevel(alpha, 'alpha');
  if (!(mixingSd > 0 && Number.isFinite(mixingSd)))
    throw new RangeError(`mixingSd must be a finite number > 0, got ${mixingSd}`);
  return { alpha, mixingSd };
}

/**
 * ln Λ, the log of the mixture likelihood ratio against "difference = theta0":
 * with V the variance and τ the mixing sd,
 * Λ = √(V / (V + τ²)) · exp(τ² (estimate − theta0)² / (2 V (V + τ²))).
 */
export function logMixtureLikelihoodRatio(d: DifferenceEstimate, mixingSd: number, theta0 = 0): number {
  const v = d.variance;
  const t2 = mixingSd * mixingSd;
  const gap = d.estimate - theta0;
  return 0.5 * Math.log(v / (v + t2)) + (t2 * gap * gap) / (2 * v * (v + t2));
}

/**
 * Half-width of the confidence sequence at this look: every theta0 with
 * Λ(theta0) < 1/alpha, that is |estimate − theta0| below
 * √(V (V + τ²) / τ² · (2 ln(1/alpha) + ln((V + τ²) / V))).
 */
export function confidenceHalfWidth(variance: number, mixingSd: number, alpha: number): number {
  const t2 = mixingSd * mixingSd;
  return Math.sqrt(
    ((variance * (variance + t2)) / t2) * (2 * Math.log(1 / alpha) + Math.log((variance + t2) / variance)),
  );
}

/**
 * Folds one look into the running state of a comparison. The p-value is
 * min(previous, 1/Λ) and the interval the intersection with the previous
 * one, as the paper defines them; should the intersection be empty (an event
 * of probability at most alpha), this look's own interval is kept. With no
 * estimate yet (an arm without exposures) the state stays as it was.
 */
export function sequentialLook(
  d: DifferenceEstimate | null,
  options: SequentialOptions = {},
  previous?: SequentialState,
): SequentialState {
  const { alpha, mixingSd } = resolve(options);
  const prior = previous ?? { pValue: 1, lower: -1, upper: 1 };
  if (d === null) return { ...prior };
  const pHere = Math.min(1, Math.exp(-logMixtureLikelihoodRatio(d, mixingSd)));
  const half = confidenceHalfWidth(d.variance, mixingSd, alpha);
  const here: Interval = { lower: Math.max(-1, d.estimate - half), upper: Math.min(1, d.estimate + half) };
  const lower = Math.max(prior.lower, here.lower);
  const upper = Math.min(prior.upper, here.upper);
  return { pValue: Math.min(prior.pValue, pHere), ...(lower <= upper ? { lower, upper } : here) };
}
