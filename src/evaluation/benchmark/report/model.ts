/** What a report is rendered from: a finished (or partial) run and its row results. */
import type { BenchmarkRow, BenchmarkSpec, BenchmarkSummary, RowResult, SummaryMetric } from '../types.js';
import { summaryMetrics } from '../summarize.js';

export interface ReportInput {
  title: string;
  runId: string;
  status: string;
  spec: BenchmarkSpec;
  summary: BenchmarkSummary;
  results: readonly RowResult[];
  /** When the report was written (ISO); passed in so rendering stays pure. */
  generatedAt: string;
}

/** Lexical metrics asked for, in the prototype's order. */
export const lexicalMetrics = (spec: BenchmarkSpec): SummaryMetric[] => spec.metrics;

/** The metrics the verdict and charts consider. */
export const verdictMetrics = (spec: BenchmarkSpec): SummaryMetric[] => summaryMetrics(spec.metrics).filter((m) => m !== 'clipReferenceDelta');

/** The metric the scatter plots use: METEOR, else ROUGE-L, else the first asked for. */
export function headlineMetric(spec: BenchmarkSpec): SummaryMetric {
  return spec.metrics.includes('meteor') ? 'meteor' : spec.metrics.includes('rougeL') ? 'rougeL' : spec.metrics[0]!;
}

export const rowByIndex = (spec: BenchmarkSpec): Map<number, BenchmarkRow> => new Map(spec.rows.map((r) => [r.index, r]));
