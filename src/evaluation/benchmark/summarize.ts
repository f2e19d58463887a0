/**
 * Turns stored row results into a run's summary: per-model means with
 * bootstrap intervals, latency percentiles, tokens, cost and flag counts,
 * the excluded rows, and a paired test for every pair of models. Pure, so
 * the same rows always give the same summary.
 */
import { summariseFactChecks, type FactCode } from '../checks/facts/index.js';
import type { MetricName } from '../metrics/index.js';
import { bootstrapCI, pairedPermutationTest, percentile } from './stats.js';
import type {
  BenchmarkSpec,
  BenchmarkSummary,
  Comparison,
  ExcludedRow,
  FactCheckModelSummary,
  MetricSummary,
  ModelSummary,
  RowResult,
  SummaryMetric,
} from './types.js';

/** Findings that make a row's scores meaningless: the text copied the prompt or the reference. */
export const EXCLUDING_FLAGS: readonly string[] = ['PROMPT_ECHO', 'REFERENCE_LEAK'];

/** The metrics a spec reports: its lexical metrics, then semantic and CLIP. */
export function summaryMetrics(metrics: readonly MetricName[]): SummaryMetric[] {
  return [...metrics, 'semantic', 'clipScore', 'clipReferenceDelta'];
}

export function metricValue(r: RowResult, metric: SummaryMetric): number | null {
  switch (metric) {
    case 'semantic':
      return r.semantic;
    case 'clipScore':
      return r.clipScore;
    case 'clipReferenceDelta':
      return r.clipReferenceDelta;
    default:
      return r.scores[metric];
  }
}

/** Why a metric has no mean: the scorer's own reason (e.g. not configured) first, then why no row counts. */
function reasonFor(rows: readonly RowResult[], metric: SummaryMetric): string {
  const generated = rows.filter((r) => r.error === null);
  const pick = (f: (r: RowResult) => string | null) => generated.map(f).find((x) => x) ?? null;
  const own =
    metric === 'semantic'
      ? pick((r) => r.semanticReason)
      : metric === 'clipScore' || metric === 'clipReferenceDelta'
        ? pick((r) => r.clipReason)
        : null;
  if (own) return own;
  if (generated.length === 0) return rows.length ? 'ALL_GENERATIONS_FAILED' : 'NO_ROWS';
  if (generated.every((r) => r.excluded)) return 'ALL_ROWS_EXCLUDED';
  return metric === 'semantic' || metric === 'clipScore' || metric === 'clipReferenceDelta'
    ? 'NO_SCORED_ROWS'
    : 'NOT_REQUESTED';
}

/** A row that counts in the means: generated and not excluded. */
export const kept = (r: RowResult): boolean => !r.excluded && r.error === null;

function summarizeMetric(
  rows: readonly RowResult[],
  metric: SummaryMetric,
  spec: Pick<BenchmarkSpec, 'seed' | 'resamples'>,
): MetricSummary {
  const usable = rows.filter(kept);
  const values = usable.map((r) => metricValue(r, metric)).filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0)
    return { metric, mean: null, lower: null, upper: null, n: 0, reason: reasonFor(rows, metric) };
  const ci = bootstrapCI(values, { seed: spec.seed, resamples: spec.resamples });
  return { metric, mean: ci.mean, lower: ci.lower, upper: ci.upper, n: ci.n, reason: null };
}

/** The sum, or null when there are no values or any is null. */
function sumOrNull(xs: ReadonlyArray<number | null>): number | null {
  if (xs.length === 0) return null;
  let sum = 0;
  for (const x of xs) {
    if (x === null) return null;
    sum += x;
  }
  return sum;
}

/** How many of the most frequent finding codes a model's summary lists. */
const TOP_CODES = 5;

/** The fact check over a model's generated texts; null when none carries a check (a run stored before the check existed). */
export function summarizeFactChecks(rows: readonly RowResult[]): FactCheckModelSummary | null {
  const checked = rows.flatMap((r) => (r.error === null && r.factCheck ? [{ model: '', result: r.factCheck }] : []));
  const [s] = summariseFactChecks(checked);
  if (!s) return null;
  const topCodes = (Object.entries(s.findings) as Array<[FactCode, number]>)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, TOP_CODES)
    .map(([code, count]) => ({ code, count }));
  return {
    checked: s.texts,
    pass: s.pass,
    review: s.review,
    block: s.block,
    findings: Object.values(s.findings).reduce((a, b) => a + b, 0),
    topCodes,
  };
}

function summarizeModel(spec: BenchmarkSpec, name: string, source: string, rows: RowResult[]): ModelSummary {
  const ok = rows.filter((r) => r.error === null);
  const latencies = ok.map((r) => r.latencyMs).filter((v): v is number => v !== null);
  const flagCounts = new Map<string, number>();
  for (const r of ok) for (const f of r.flags) flagCounts.set(f.code, (flagCounts.get(f.code) ?? 0) + 1);
  return {
    model: name,
    source,
    rows: rows.length,
    errors: rows.length - ok.length,
    excluded: ok.filter((r) => r.excluded).length,
    metrics: summaryMetrics(spec.metrics).map((m) => summarizeMetric(rows, m, spec)),
    latencyP50Ms: latencies.length ? percentile(latencies, 50) : null,
    latencyP95Ms: latencies.length ? percentile(latencies, 95) : null,
    promptTokens: sumOrNull(ok.map((r) => r.promptTokens)),
    completionTokens: sumOrNull(ok.map((r) => r.completionTokens)),
    costUsd: sumOrNull(ok.map((r) => r.costUsd)),
    flagCounts: [...flagCounts].sort(([a], [b]) => a.localeCompare(b)).map(([code, count]) => ({ code, count })),
    factCheck: summarizeFactChecks(rows),
  };
}

function compare(
  spec: BenchmarkSpec,
  a: string,
  b: string,
  byModel: Map<string, Map<number, RowResult>>,
  metric: SummaryMetric,
): Comparison {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [row, ra] of byModel.get(a) ?? []) {
    const rb = byModel.get(b)?.get(row);
    if (!rb || !kept(ra) || !kept(rb)) continue;
    const va = metricValue(ra, metric);
    const vb = metricValue(rb, metric);
    if (va === null || vb === null) continue;
    xs.push(va);
    ys.push(vb);
  }
  if (xs.length === 0) return { modelA: a, modelB: b, metric, meanDifference: null, pValue: null, n: 0 };
  const t = pairedPermutationTest(xs, ys, { seed: spec.seed, resamples: spec.resamples });
  return { modelA: a, modelB: b, metric, meanDifference: t.meanDifference, pValue: t.pValue, n: t.n };
}

/** The summary of a run from its spec and every stored row result. */
export function summarize(
  spec: BenchmarkSpec,
  testRows: readonly number[],
  results: readonly RowResult[],
): BenchmarkSummary {
  const byModel = new Map<string, Map<number, RowResult>>();
  for (const m of spec.models) byModel.set(m.name, new Map());
  for (const r of results) byModel.get(r.model)?.set(r.rowIndex, r);
  const models = spec.models.map((m) =>
    summarizeModel(
      spec,
      m.name,
      m.kind === 'provider' ? m.provider : 'candidates',
      [...(byModel.get(m.name)?.values() ?? [])].sort((x, y) => x.rowIndex - y.rowIndex),
    ),
  );
  const comparisons: Comparison[] = [];
  for (const [i, a] of spec.models.entries()) {
    for (const b of spec.models.slice(i + 1)) {
      for (const metric of summaryMetrics(spec.metrics))
        comparisons.push(compare(spec, a.name, b.name, byModel, metric));
    }
  }
  const excludedRows: ExcludedRow[] = results
    .filter((r) => r.excluded)
    .map((r) => ({
      model: r.model,
      rowIndex: r.rowIndex,
      codes: [...new Set(r.flags.map((f) => f.code).filter((c) => EXCLUDING_FLAGS.includes(c)))],
    }))
    .sort((x, y) => x.model.localeCompare(y.model) || x.rowIndex - y.rowIndex);
  return { models, comparisons, excludedRows, testRows: [...testRows] };
}
