/** Shared shapes of the experiment statistics. */

/**
 * One variant's roll-up: how many units saw it and how many of them
 * converted. The unit is whatever the caller randomises (a session), so that
 * units are independent; see docs/experiments.md.
 */
export interface VariantCounts {
  /** Stable variant id. */
  id: string;
  /** Units that saw the variant (integer ≥ 0). */
  exposures: number;
  /** Units among them that converted (integer, 0 ≤ conversions ≤ exposures). */
  conversions: number;
}

/** A Beta(alpha, beta) prior on a conversion rate. */
export interface BetaPrior {
  alpha: number;
  beta: number;
}

/** The uniform prior Beta(1, 1): no view of the rate before data. */
export const UNIFORM_PRIOR: BetaPrior = Object.freeze({ alpha: 1, beta: 1 });

export interface Interval {
  lower: number;
  upper: number;
}

/** Throws a RangeError naming the variant unless its counts are whole, non-negative and consistent. */
export function checkCounts(counts: VariantCounts): void {
  const { id, exposures, conversions } = counts;
  if (!Number.isSafeInteger(exposures) || exposures < 0)
    throw new RangeError(`variant ${JSON.stringify(id)}: exposures must be a whole number ≥ 0, got ${exposures}`);
  if (!Number.isSafeInteger(conversions) || conversions < 0 || conversions > exposures) {
    throw new RangeError(
      `variant ${JSON.stringify(id)}: conversions must be a whole number from 0 to exposures (${exposures}), got ${conversions}`,
    );
  }
}

/** Throws a RangeError unless both prior parameters are finite and positive. */
export function checkPrior(prior: BetaPrior): void {
  if (!(prior.alpha > 0 && prior.beta > 0 && Number.isFinite(prior.alpha) && Number.isFinite(prior.beta))) {
    throw new RangeError(
      `a Beta prior needs finite alpha > 0 and beta > 0, got alpha=${prior.alpha}, beta=${prior.beta}`,
    );
  }
}

/** Throws a RangeError unless 0 < level < 1. */
export function checkLevel(level: number, what = 'level'): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`${what} must be between 0 and 1, got ${level}`);
}
