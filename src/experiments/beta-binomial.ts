/**
 * Beta–binomial posteriors: the probability that one variant's true rate is
 * above another's, by numeric integration with a bounded error.
 */
import { integrate } from './quadrature.js';
import { betaLogPdf, logBeta, regularizedBeta } from './special.js';
import { checkCounts, checkPrior, UNIFORM_PRIOR, type BetaPrior, type VariantCounts } from './types.js';

/** Posterior mass left out of the integration range on each side. */
const TAIL = 1e-13;
/** Absolute tolerance of the quadrature over the range. */
const QUADRATURE_TOLERANCE = 1e-12;

/** The Beta posterior of a variant's rate after its counts, from `prior`. */
export function posterior(counts: VariantCounts, prior: BetaPrior = UNIFORM_PRIOR): BetaPrior {
  checkCounts(counts);
  checkPrior(prior);
  return { alpha: prior.alpha + counts.conversions, beta: prior.beta + counts.exposures - counts.conversions };
}

const sdOf = ({ alpha: a, beta: b }: BetaPrior): number => Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));

/**
 * A point on the far side of `mean`, a whole number of standard deviations
 * away in `direction`, where `tail` (the mass beyond it) is at most TAIL; the
 * exact tail mass there is accounted for, so the point need not be tight.
 */
function cut(tail: (x: number) => number, mean: number, sd: number, direction: 1 | -1): number {
  for (let k = 8; ; k += 4) {
    const x = mean + direction * k * sd;
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    if (tail(x) <= TAIL) return x;
  }
}

/**
 * P(rate of `treatment` > rate of `control`) when each rate has the Beta
 * posterior of its counts from `prior` (default uniform Beta(1, 1)).
 *
 * Method: P = ∫ f_A(x) g(x) dx, where A is the posterior with the smaller
 * spread and g is the other's CDF (or survival function) at x, so the
 * integrand is never steeper than A's density. The range is cut where A's
 * own tails hold at most 1e-13 each (8, 12, 16, … standard deviations out);
 * each cut tail adds its mass × the mean of g at its ends, an error of at
 * most 1e-13 since g is monotone. The rest is integrated by globally
 * adaptive Gauss–Legendre from panels four standard deviations of A wide
 * (ten nodes each, so no feature of g, which is wider than A, falls between
 * them) until the panels' error estimates sum to 1e-12. The tests hold the
 * result to SciPy's quad, and to the exact sum, within 1e-9.
 */
export function probabilityBeats(
  treatment: VariantCounts,
  control: VariantCounts,
  prior: BetaPrior = UNIFORM_PRIOR,
): number {
  const t = posterior(treatment, prior);
  const c = posterior(control, prior);
  // Outer density A and inner g with g(0), g(1) at the ends of [0, 1].
  const controlOuter = sdOf(c) <= sdOf(t);
  const outer = controlOuter ? c : t;
  const g = controlOuter
    ? (x: number): number => regularizedBeta(1 - x, t.beta, t.alpha) // P(treatment > x)
    : (x: number): number => regularizedBeta(x, c.alpha, c.beta); // P(control < x)
  const [g0, g1] = controlOuter ? [1, 0] : [0, 1];

  const cdf = (x: number): number => regularizedBeta(x, outer.alpha, outer.beta);
  const survival = (x: number): number => regularizedBeta(1 - x, outer.beta, outer.alpha);
  const mean = outer.alpha / (outer.alpha + outer.beta);
  const sd = sdOf(outer);
  const lo = cut(cdf, mean, sd, -1);
  const hi = cut(survival, mean, sd, 1);
  const lnB = logBeta(outer.alpha, outer.beta);
  const density = (x: number): number => Math.exp(betaLogPdf(x, outer.alpha, outer.beta, lnB));
  const panels = Math.min(1000, Math.max(2, Math.ceil((hi - lo) / (4 * sd))));
  const body = integrate((x) => density(x) * g(x), lo, hi, panels, QUADRATURE_TOLERANCE).value;
  const lowerTail = cdf(lo) * ((g0 + g(lo)) / 2);
  const upperTail = survival(hi) * ((g(hi) + g1) / 2);
  return Math.min(1, Math.max(0, body + lowerTail + upperTail));
}
