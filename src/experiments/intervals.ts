/**
 * Fixed-sample confidence intervals for conversion rates and their
 * comparisons. They describe the data at one look; they are not valid when
 * the results are watched and the test stopped on them — the decision uses
 * the confidence sequence in sequential.ts for that.
 */
import { normalQuantile } from './special.js';
import { checkCounts, checkLevel, type Interval, type VariantCounts } from './types.js';

/** Two-sided critical value z with P(|Z| ≤ z) = level. */
export function criticalValue(level: number): number {
  checkLevel(level);
  return normalQuantile(1 - (1 - level) / 2);
}

/**
 * Wilson score interval for a rate (default 95%). It stays inside [0, 1] and
 * keeps near its nominal coverage at small counts and rates near 0, where the
 * Wald interval collapses; with no exposures it is [0, 1].
 */
export function wilsonInterval(conversions: number, exposures: number, level = 0.95): Interval {
  checkCounts({ id: 'wilson', exposures, conversions });
  const z = criticalValue(level);
  if (exposures === 0) return { lower: 0, upper: 1 };
  const z2 = z * z;
  const centre = (conversions + z2 / 2) / (exposures + z2);
  const half = (z / (exposures + z2)) * Math.sqrt((conversions * (exposures - conversions)) / exposures + z2 / 4);
  // At 0 or n conversions the bound is exactly 0 or 1; rounding must not move it.
  return {
    lower: conversions === 0 ? 0 : Math.max(0, centre - half),
    upper: conversions === exposures ? 1 : Math.min(1, centre + half),
  };
}

const rateOf = (c: VariantCounts): number => c.conversions / c.exposures;

/**
 * Newcombe's hybrid score interval (his method 10) for the difference
 * treatment − control of two independent rates, built from the two Wilson
 * intervals. Null while either arm has no exposures.
 */
export function differenceInterval(
  treatment: VariantCounts,
  control: VariantCounts,
  level = 0.95,
): (Interval & { estimate: number }) | null {
  checkCounts(treatment);
  checkCounts(control);
  if (treatment.exposures === 0 || control.exposures === 0) return null;
  const p1 = rateOf(treatment);
  const p2 = rateOf(control);
  const w1 = wilsonInterval(treatment.conversions, treatment.exposures, level);
  const w2 = wilsonInterval(control.conversions, control.exposures, level);
  const estimate = p1 - p2;
  return {
    estimate,
    lower: estimate - Math.hypot(p1 - w1.lower, w2.upper - p2),
    upper: estimate + Math.hypot(w1.upper - p1, p2 - w2.lower),
  };
}

/**
 * Relative lift treatment/control − 1 with the Katz log interval for the
 * ratio of two rates (as SciPy's `relative_risk(...).confidence_interval()`),
 * shifted by −1. Null until both arms have at least one conversion: a ratio
 * with a zero in it has no finite interval on the log scale.
 */
export function liftInterval(
  treatment: VariantCounts,
  control: VariantCounts,
  level = 0.95,
): (Interval & { estimate: number }) | null {
  checkCounts(treatment);
  checkCounts(control);
  if (treatment.conversions === 0 || control.conversions === 0) return null;
  const z = criticalValue(level);
  const logRatio = Math.log(rateOf(treatment) / rateOf(control));
  const se = Math.sqrt(
    1 / treatment.conversions - 1 / treatment.exposures + 1 / control.conversions - 1 / control.exposures,
  );
  return {
    estimate: Math.exp(logRatio) - 1,
    lower: Math.exp(logRatio - z * se) - 1,
    upper: Math.exp(logRatio + z * se) - 1,
  };
}
