/**
 * The analysis of an experiment at one look: per-variant rates, each
 * treatment against control, and the recommended action. The first variant
 * is the control. Pure: the caller passes the roll-ups (and the previous
 * look's analysis, so the sequential state carries over).
 */
import { probabilityBeats } from './beta-binomial.js';
import { differenceInterval, liftInterval, wilsonInterval } from './intervals.js';
import {
  differenceEstimate,
  SEQUENTIAL_DEFAULTS,
  sequentialLook,
  type SequentialOptions,
  type SequentialState,
} from './sequential.js';
import {
  checkCounts,
  checkLevel,
  checkPrior,
  UNIFORM_PRIOR,
  type BetaPrior,
  type Interval,
  type VariantCounts,
} from './types.js';

export interface AnalysisOptions extends SequentialOptions {
  /** Level of the fixed-sample intervals (rate, difference, lift). Default 0.95. */
  level?: number;
  /** Exposures every variant needs before the analysis recommends a stop. Default 1000. */
  minSample?: number;
  /**
   * Smallest relative lift that matters. "No difference" means the
   * confidence sequence for the difference lies inside ± minimumEffect ×
   * the control's rate. Default 0.1 (a 10% lift).
   */
  minimumEffect?: number;
  /** Prior of each rate for the probability of beating control. Default Beta(1, 1). */
  prior?: BetaPrior;
}

export const ANALYSIS_DEFAULTS = Object.freeze({
  ...SEQUENTIAL_DEFAULTS,
  level: 0.95,
  minSample: 1000,
  minimumEffect: 0.1,
});

export type Decision = 'KEEP_RUNNING' | 'STOP_WINNER' | 'STOP_NO_DIFFERENCE';
/** Where the confidence sequence puts a treatment against control. */
export type Verdict = 'BETTER' | 'WORSE' | 'EQUIVALENT' | 'UNDECIDED';

export interface Comparison {
  /** Treatment − control with Newcombe's interval; null while an arm has no exposures. */
  difference: (Interval & { estimate: number }) | null;
  /** Treatment / control − 1 with the Katz log interval; null until both arms have a conversion. */
  lift: (Interval & { estimate: number }) | null;
  /** P(treatment's rate > control's) under the Beta posteriors. */
  probabilityBeatsControl: number;
  /** The always-valid p-value and confidence sequence, at alpha / (number of treatments). */
  sequential: SequentialState;
  verdict: Verdict;
}

export interface VariantAnalysis {
  id: string;
  control: boolean;
  exposures: number;
  conversions: number;
  /** conversions / exposures; null with no exposures. */
  rate: number | null;
  /** Wilson interval of the rate. */
  interval: Interval;
  /** Against control; null for the control itself. */
  comparison: Comparison | null;
}

export interface ExperimentAnalysis {
  variants: VariantAnalysis[];
  decision: Decision;
  /** The variant to publish on STOP_WINNER (possibly the control); null otherwise. */
  winnerId: string | null;
  /** One sentence saying why. */
  reason: string;
  /** The settings the analysis ran with, with the per-comparison alpha (Bonferroni). */
  method: Required<Omit<AnalysisOptions, 'prior'>> & { prior: BetaPrior; comparisonAlpha: number; test: 'mSPRT' };
}

function resolve(options: AnalysisOptions, treatments: number): ExperimentAnalysis['method'] {
  const d = ANALYSIS_DEFAULTS;
  const {
    level = d.level,
    minSample = d.minSample,
    minimumEffect = d.minimumEffect,
    alpha = d.alpha,
    mixingSd = d.mixingSd,
    prior = UNIFORM_PRIOR,
  } = options;
  checkLevel(level);
  checkLevel(alpha, 'alpha'); // before the split over treatments, which could bring 1.5 under 1
  checkPrior(prior);
  if (!Number.isSafeInteger(minSample) || minSample < 0)
    throw new RangeError(`minSample must be a whole number ≥ 0, got ${minSample}`);
  if (!(minimumEffect >= 0 && Number.isFinite(minimumEffect)))
    throw new RangeError(`minimumEffect must be a finite number ≥ 0, got ${minimumEffect}`);
  return {
    level,
    minSample,
    minimumEffect,
    alpha,
    mixingSd,
    prior,
    comparisonAlpha: alpha / treatments,
    test: 'mSPRT',
  };
}

function verdictOf(s: SequentialState, margin: number): Verdict {
  if (s.lower > 0) return 'BETTER';
  if (s.upper < 0) return 'WORSE';
  if (margin > 0 && s.lower > -margin && s.upper < margin) return 'EQUIVALENT';
  return 'UNDECIDED';
}

const fmt = (p: number): string => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));

/**
 * Analyses one look at an experiment. `variants[0]` is the control; ids must
 * be unique. Pass the analysis of the previous look as `previous` so that the
 * always-valid p-values and confidence sequences carry over (without it this
 * look stands alone, which is still valid but forgets earlier evidence).
 * Throws a RangeError for counts or options that make no sense.
 */
export function analyzeExperiment(
  variants: readonly VariantCounts[],
  options: AnalysisOptions = {},
  previous?: ExperimentAnalysis,
): ExperimentAnalysis {
  const [control] = variants;
  if (control === undefined || variants.length < 2)
    throw new RangeError(`an experiment needs at least two variants, got ${variants.length}`);
  const ids = new Set<string>();
  for (const v of variants) {
    checkCounts(v);
    if (ids.has(v.id)) throw new RangeError(`variant ids must be unique: ${JSON.stringify(v.id)} appears twice`);
    ids.add(v.id);
  }
  const method = resolve(options, variants.length - 1);
  const margin = control.exposures > 0 ? method.minimumEffect * (control.conversions / control.exposures) : 0;
  const before = new Map(previous?.variants.map((v) => [v.id, v.comparison?.sequential]));

  const analysed: VariantAnalysis[] = variants.map((v, i) => {
    let comparison: Comparison | null = null;
    if (i > 0) {
      const sequential = sequentialLook(
        differenceEstimate(v, control),
        { alpha: method.comparisonAlpha, mixingSd: method.mixingSd },
        before.get(v.id),
      );
      comparison = {
        difference: differenceInterval(v, control, method.level),
        lift: liftInterval(v, control, method.level),
        probabilityBeatsControl: probabilityBeats(v, control, method.prior),
        sequential,
        verdict: verdictOf(sequential, margin),
      };
    }
    return {
      id: v.id,
      control: i === 0,
      exposures: v.exposures,
      conversions: v.conversions,
      rate: v.exposures > 0 ? v.conversions / v.exposures : null,
      interval: wilsonInterval(v.conversions, v.exposures, method.level),
      comparison,
    };
  });
  return { variants: analysed, ...decide(analysed, method), method };
}

function decide(
  variants: readonly VariantAnalysis[],
  method: ExperimentAnalysis['method'],
): Pick<ExperimentAnalysis, 'decision' | 'winnerId' | 'reason'> {
  const short = variants.filter((v) => v.exposures < method.minSample);
  if (short.length > 0) {
    return {
      decision: 'KEEP_RUNNING',
      winnerId: null,
      reason: `minimum sample of ${method.minSample} per variant not reached (${short.map((v) => v.id).join(', ')})`,
    };
  }
  const treatments = variants.slice(1) as (VariantAnalysis & { comparison: Comparison })[];
  const better = treatments.filter((v) => v.comparison.verdict === 'BETTER');
  if (better.length > 0) {
    const best = better.reduce((a, b) => (b.comparison.sequential.lower > a.comparison.sequential.lower ? b : a));
    return {
      decision: 'STOP_WINNER',
      winnerId: best.id,
      reason: `${best.id} beats control (always-valid p = ${fmt(best.comparison.sequential.pValue)} ≤ ${fmt(method.comparisonAlpha)})`,
    };
  }
  const [control] = variants;
  if (control && treatments.every((v) => v.comparison.verdict === 'WORSE')) {
    return {
      decision: 'STOP_WINNER',
      winnerId: control.id,
      reason: `control beats every treatment (each always-valid p ≤ ${fmt(method.comparisonAlpha)})`,
    };
  }
  if (treatments.every((v) => v.comparison.verdict === 'WORSE' || v.comparison.verdict === 'EQUIVALENT')) {
    return {
      decision: 'STOP_NO_DIFFERENCE',
      winnerId: null,
      reason: `no treatment can beat control by a ${(method.minimumEffect * 100).toFixed(0)}% lift: every confidence sequence lies below that margin`,
    };
  }
  return {
    decision: 'KEEP_RUNNING',
    winnerId: null,
    reason: 'the confidence sequences still include both no difference and a meaningful one',
  };
}

/**
 * Folds a series of looks (each the cumulative roll-ups at one time, oldest
 * first) into the analysis of the last, as if each had been analysed when it
 * was taken: what a caller with daily roll-ups but no stored analysis uses.
 */
export function analyzeLooks(
  looks: readonly (readonly VariantCounts[])[],
  options: AnalysisOptions = {},
): ExperimentAnalysis {
  let analysis: ExperimentAnalysis | undefined;
  for (const look of looks) analysis = analyzeExperiment(look, options, analysis);
  if (analysis === undefined) throw new RangeError('analyzeLooks needs at least one look');
  return analysis;
}
