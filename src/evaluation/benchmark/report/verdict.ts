/**
 * The verdict by metric: who leads on what, whether the difference is
 * significant, whether a word-overlap lead only restates the metadata, and
 * at what cost and latency. The pick itself is recommend.ts's. Pure.
 */
import type { SummaryMetric } from '../types.js';
import { fmt, fmtMs, fmtUsd, METRIC_LABELS, metricOf, pText } from './format.js';
import { lexicalMetrics, verdictMetrics, type ModelReport, type Report } from './model.js';
import { ALPHA, comparisonOf, restatingLead } from './recommend.js';

function metricSentence(report: Report, metric: SummaryMetric): string | null {
  const scored = report.models
    .map((m) => ({ m, mean: metricOf(m.summary, metric)?.mean ?? null }))
    .filter((x): x is { m: ModelReport; mean: number } => x.mean !== null)
    .sort((x, y) => y.mean - x.mean);
  const [best, second] = scored;
  if (best === undefined) return null;
  const label = METRIC_LABELS[metric];
  if (second === undefined) return `${label}: only ${best.m.summary.model} has a score (${fmt(best.mean)}).`;
  const c = comparisonOf(report.input.summary.comparisons, best.m.summary.model, second.m.summary.model, metric);
  const sig =
    !c || c.pValue === null
      ? 'no paired rows to test'
      : c.pValue < ALPHA
        ? `significant (paired test ${pText(c.pValue)}, n = ${c.n})`
        : `not significant (${pText(c.pValue)}, n = ${c.n}); treat them as tied`;
  const lead = `${label}: ${best.m.summary.model} leads ${second.m.summary.model} by ${fmt(best.mean - second.mean)} (${fmt(best.mean)} vs ${fmt(second.mean)}), ${sig}`;
  const restating = lexicalMetrics(report.input.spec).includes(metric)
    ? restatingLead(report, best.m.summary.model, second.m.summary.model)
    : null;
  if (restating) {
    const beyond = `${fmt(restating.winner)} vs ${fmt(restating.loser)}${restating.pValue === null ? '' : `, ${pText(restating.pValue)}`}`;
    return `${lead}; but ${Math.round(restating.share * 100)}% of the words of ${best.m.summary.model} that match the references restate the product's metadata (against ${Math.round(restating.loserShare * 100)}% for ${second.m.summary.model}), and beyond those words it does not overlap the references significantly more (${beyond}): the lead is discounted.`;
  }
  return `${lead}.`;
}

/** Sentences, most important first. */
export function verdict(report: Report): string[] {
  const { models } = report;
  const out: string[] = [];
  for (const s of report.input.skipped ?? []) out.push(`${s.provider} was not run: ${s.reason}.`);
  if (models.length === 0) return [...out, 'No models were evaluated.'];
  for (const metric of verdictMetrics(report.input.spec)) {
    const s = metricSentence(report, metric);
    if (s) out.push(s);
  }
  const timed = models
    .flatMap(({ summary }) => (summary.latencyP50Ms === null ? [] : [{ summary, p50: summary.latencyP50Ms }]))
    .sort((a, b) => a.p50 - b.p50)
    .map((t) => t.summary);
  const [fast] = timed;
  const slow = timed.at(-1);
  if (fast && slow && timed.length > 1) {
    out.push(
      `Latency: ${fast.model} is fastest (p50 ${fmtMs(fast.latencyP50Ms)}, p95 ${fmtMs(fast.latencyP95Ms)}); slowest is ${slow.model} (p50 ${fmtMs(slow.latencyP50Ms)}).`,
    );
  }
  const gateway = models.filter((m) => m.provenance.kind === 'gateway');
  if (gateway.length)
    out.push(
      `Cost over the evaluated rows: ${gateway.map((m) => `${m.summary.model} ${fmtUsd(m.summary.costUsd)}`).join(', ')}.`,
    );
  const files = models.filter((m) => m.provenance.kind === 'file');
  if (files.length)
    out.push(
      `${files.map((m) => m.summary.model).join(', ')}: pre-generated texts, so no latency or cost was measured.`,
    );
  for (const { summary: m } of models) {
    if (m.excluded)
      out.push(
        `${m.model}: ${m.excluded} of ${m.rows} rows excluded (the text echoed the prompt or leaked the reference), so its scores cover ${m.rows - m.excluded - m.errors} rows.`,
      );
    if (m.errors) out.push(`${m.model}: ${m.errors} of ${m.rows} generations failed and are not scored.`);
  }
  const n = report.input.summary.testRows.length;
  if (n < 10)
    out.push(`Only ${n} rows were evaluated: intervals are wide and small differences cannot be significant.`);
  return out;
}
