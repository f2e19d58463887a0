/**
 * Benchmark runs as the API shows them: the stored run and its rows mapped to
 * the schema's BenchmarkRun; the summary is recomputed from the rows while it runs.
 */
import {
  summarize,
  testRows,
  type BenchmarkRow,
  type FactCheckModelSummary,
  type RowResult,
} from '../../src/evaluation/benchmark/index.js';
import type { BenchmarkRunState } from '../../src/evaluation/benchmark/benchmark.service.js';
import { CheckSeverity, CheckVerdict } from '../../src/evaluation/check.service.js';
import type { BenchmarkStatus } from './benchmark.type.js';
import { type BenchmarkFactCheck, type BenchmarkRowResult, type BenchmarkRun } from './benchmark.type.js';

const ratio = (n: number, of: number): number | null => (of === 0 ? null : n / of);

function toFactCheck(f: FactCheckModelSummary | null): BenchmarkFactCheck | null {
  if (!f) return null;
  return {
    ...f,
    findingsPerText: ratio(f.findings, f.checked),
    blockShare: ratio(f.block, f.checked),
    reviewShare: ratio(f.review, f.checked),
  };
}

function toRowResult(r: RowResult, row: BenchmarkRow | undefined): BenchmarkRowResult {
  return {
    model: r.model,
    rowIndex: r.rowIndex,
    title: row?.title ?? '',
    reference: row?.reference ?? '',
    text: r.text,
    error: r.error,
    ...r.scores,
    semanticSimilarity: r.semantic,
    semanticReason: r.semanticReason,
    clipScore: r.clipScore,
    clipReferenceDelta: r.clipReferenceDelta,
    clipReason: r.clipReason,
    flags: r.flags.map((f) => ({ ...f, start: null, end: null, suggestion: null })),
    factCheck: r.factCheck
      ? {
          verdict: CheckVerdict[r.factCheck.verdict],
          findings: r.factCheck.findings.map((f) => ({ ...f, severity: CheckSeverity[f.severity] })),
        }
      : null,
    excluded: r.excluded,
    latencyMs: r.latencyMs,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    estimatedCostUsd: r.costUsd,
  };
}

/** A stored run (and its rows) as the API shows it. */
export function toBenchmarkRun({ run, results }: BenchmarkRunState): BenchmarkRun {
  const summary = run.summary ?? summarize(run.spec, testRows(run.spec), results);
  const rows = new Map(run.spec.rows.map((r) => [r.index, r]));
  return {
    id: run.id,
    status: run.status as BenchmarkStatus,
    progress: { done: run.done, total: run.total },
    error: run.error,
    seed: run.spec.seed,
    testShare: run.spec.testShare,
    allRows: run.spec.allRows,
    promptVersion: run.spec.promptVersion,
    testRows: summary.testRows,
    models: summary.models.map((m) => ({ ...m, estimatedCostUsd: m.costUsd, factCheck: toFactCheck(m.factCheck) })),
    comparisons: summary.comparisons,
    excludedRows: summary.excludedRows,
    rows: results.map((r) => toRowResult(r, rows.get(r.rowIndex))),
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  };
}
