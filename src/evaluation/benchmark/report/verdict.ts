/**
 * The plain-language verdict: which model wins on what, whether the
 * difference is significant, and at what cost and latency. Pure.
 */
import type { BenchmarkSummary, Comparison, ModelSummary, SummaryMetric } from '../types.js';
import { fmt, fmtMs, fmtP, fmtUsd, METRIC_LABELS, metricOf } from './format.js';

/** Significance level of the verdict. */
export const ALPHA = 0.05;

function comparisonOf(summary: BenchmarkSummary, a: string, b: string, metric: SummaryMetric): Comparison | undefined {
  return summary.comparisons.find((c) => c.metric === metric && ((c.modelA === a && c.modelB === b) || (c.modelA === b && c.modelB === a)));
}

function metricSentence(summary: BenchmarkSummary, metric: SummaryMetric): string | null {
  const scored = summary.models
    .map((m) => ({ m, s: metricOf(m, metric) }))
    .filter((x): x is { m: ModelSummary; s: NonNullable<typeof x.s> & { mean: number } } => x.s?.mean !== null && x.s !== undefined);
  if (scored.length === 0) return null;
  const label = METRIC_LABELS[metric];
  if (scored.length === 1) return `${label}: only ${scored[0]!.m.model} has a score (${fmt(scored[0]!.s.mean)}).`;
  scored.sort((x, y) => y.s.mean - x.s.mean);
  const [best, second] = [scored[0]!, scored[1]!];
  const c = comparisonOf(summary, best.m.model, second.m.model, metric);
  const diff = best.s.mean - second.s.mean;
  const sig =
    !c || c.pValue === null
      ? 'no paired rows to test'
      : c.pValue < ALPHA
        ? `significant (paired test p = ${fmtP(c.pValue)}, n = ${c.n})`
        : `not significant (p = ${fmtP(c.pValue)}, n = ${c.n}); treat them as tied`;
  return `${label}: ${best.m.model} leads ${second.m.model} by ${fmt(diff)} (${fmt(best.s.mean)} vs ${fmt(second.s.mean)}), ${sig}.`;
}

/** Sentences, most important first. */
export function verdict(summary: BenchmarkSummary, metrics: readonly SummaryMetric[]): string[] {
  const out: string[] = [];
  if (summary.models.length === 0) return ['No models were evaluated.'];
  for (const metric of metrics) {
    const s = metricSentence(summary, metric);
    if (s) out.push(s);
  }
  const timed = summary.models.filter((m) => m.latencyP50Ms !== null).sort((a, b) => a.latencyP50Ms! - b.latencyP50Ms!);
  if (timed.length > 1) out.push(`Latency: ${timed[0]!.model} is fastest (p50 ${fmtMs(timed[0]!.latencyP50Ms)}, p95 ${fmtMs(timed[0]!.latencyP95Ms)}); slowest is ${timed.at(-1)!.model} (p50 ${fmtMs(timed.at(-1)!.latencyP50Ms)}).`);
  const costs = summary.models.filter((m) => m.source !== 'candidates');
  if (costs.length) out.push(`Cost over the evaluated rows: ${costs.map((m) => `${m.model} ${fmtUsd(m.costUsd)}`).join(', ')}.`);
  for (const m of summary.models) {
    if (m.excluded) out.push(`${m.model}: ${m.excluded} of ${m.rows} rows excluded (the text echoed the prompt or leaked the reference), so its scores cover ${m.rows - m.excluded - m.errors} rows.`);
    if (m.errors) out.push(`${m.model}: ${m.errors} of ${m.rows} generations failed and are not scored.`);
  }
  const n = summary.testRows.length;
  if (n < 10) out.push(`Only ${n} rows were evaluated: intervals are wide and small differences cannot be significant.`);
  return out;
}
