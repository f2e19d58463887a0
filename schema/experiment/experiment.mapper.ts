import type { ExperimentRecord } from '../../src/storage/types.js';
import type { ExperimentReport } from '../../src/experiments/experiment.service.js';
import type { Experiment, ExperimentAnalysis } from './experiment.type.js';

export function toExperiment(r: ExperimentRecord): Experiment {
  return {
    ...r,
    metric: r.metric as Experiment['metric'],
    allocation: r.allocation as Experiment['allocation'],
    status: r.status as Experiment['status'],
    variants: r.variants.map((v) => ({
      id: v.id,
      name: v.name,
      weight: v.weight,
      descriptions: Object.entries(v.descriptionIds).map(([productId, descriptionId]) => ({
        productId,
        descriptionId,
      })),
      recipe: v.recipe
        ? {
            provider: v.recipe.provider,
            policy: v.recipe.policy,
            promptVersion: v.recipe.promptVersion,
            channel: v.recipe.channel,
          }
        : null,
    })),
  };
}

export function toAnalysis({ analysis, looks }: ExperimentReport): ExperimentAnalysis {
  return {
    decision: analysis.decision as ExperimentAnalysis['decision'],
    winnerVariantId: analysis.winnerId,
    reason: analysis.reason,
    looks: looks.length,
    history: looks.map((l) => ({
      at: l.at.toISOString(),
      variants: l.counts.map((c) => ({ variantId: c.id, exposures: c.exposures, conversions: c.conversions })),
    })),
    minSample: analysis.method.minSample,
    comparisonAlpha: analysis.method.comparisonAlpha,
    variants: analysis.variants.map((v) => ({
      variantId: v.id,
      control: v.control,
      exposures: v.exposures,
      conversions: v.conversions,
      rate: v.rate,
      interval: v.interval,
      difference: v.comparison?.difference ?? null,
      lift: v.comparison?.lift ?? null,
      probabilityBeatsControl: v.comparison?.probabilityBeatsControl ?? null,
      alwaysValidPValue: v.comparison?.sequential.pValue ?? null,
      confidenceSequence: v.comparison
        ? { lower: v.comparison.sequential.lower, upper: v.comparison.sequential.upper }
        : null,
      verdict: (v.comparison?.verdict ?? null) as ExperimentAnalysis['variants'][number]['verdict'],
    })),
  };
}
