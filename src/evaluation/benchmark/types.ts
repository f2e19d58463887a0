/**
 * Shapes of a benchmark run: what was asked (the spec, stored with the run so
 * a crashed run can be resumed exactly), what each row produced, and the
 * summary the API and the reports read.
 */
import type { FactCheckResult, FactCode } from '../checks/facts/index.js';
import type { MetricName } from '../metrics/index.js';

export type RunStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED';

/** One dataset row: a product with its human reference. */
export interface BenchmarkRow {
  /** Position in the dataset (0-based); candidate sets line up by it. */
  index: number;
  /** Catalog product id, when the dataset came from the catalog. */
  productId?: string | null;
  title: string;
  reference: string;
  attributes: string[];
  category?: string | null;
  gender?: string | null;
  /** Image path or http(s) URL for CLIP; null when there is none. */
  image: string | null;
  /** The rest of the product record the fact check reads (catalog rows; a CSV row has only its title and attributes). */
  colors?: string[];
  sizes?: string[];
  materials?: string[];
  price?: number | null;
}

/** A model under test: a configured provider, or pre-generated texts. */
export type ModelSpec =
  { kind: 'provider'; name: string; provider: string } | { kind: 'candidates'; name: string; texts: string[] };

/** Every input of a run. Stored as JSON with it. */
export interface BenchmarkSpec {
  rows: BenchmarkRow[];
  models: ModelSpec[];
  /** Share of rows held out for evaluation. Default 0.2. */
  testShare: number;
  /** Seed of the split and of the resampling. Default 42. */
  seed: number;
  /** Evaluate every row (no split). Default false. */
  allRows: boolean;
  metrics: MetricName[];
  promptVersion: string;
  /** Bootstrap resamples and permutations. Default 1000. */
  resamples: number;
}

export interface RowScores {
  bleu: number | null;
  rouge1: number | null;
  rouge2: number | null;
  rougeL: number | null;
  meteor: number | null;
}

export interface RowFlag {
  code: string;
  category: string;
  message: string;
}

/** What one model produced for one row, with its scores. */
export interface RowResult {
  model: string;
  rowIndex: number;
  text: string | null;
  /** Why there is no text (a provider failure), else null. */
  error: string | null;
  scores: RowScores;
  semantic: number | null;
  semanticReason: string | null;
  clipScore: number | null;
  clipReferenceDelta: number | null;
  clipReason: string | null;
  flags: RowFlag[];
  /** The text checked against the row's product record; null when there is no text (absent in runs stored before the check). */
  factCheck?: FactCheckResult | null;
  /** PROMPT_ECHO or REFERENCE_LEAK: left out of the means. */
  excluded: boolean;
  latencyMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  costUsd: number | null;
}

/** Summary metric names: the lexical ones plus semantic and CLIP. */
export type SummaryMetric = MetricName | 'semantic' | 'clipScore' | 'clipReferenceDelta';

export interface MetricSummary {
  metric: SummaryMetric;
  /** Null when no row has a value (with `reason`). */
  mean: number | null;
  lower: number | null;
  upper: number | null;
  n: number;
  reason: string | null;
}

export interface ModelSummary {
  model: string;
  /** Provider id, or "candidates". */
  source: string;
  rows: number;
  errors: number;
  excluded: number;
  metrics: MetricSummary[];
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  /** Total over the evaluated rows; null when the price is unknown. */
  costUsd: number | null;
  flagCounts: Array<{ code: string; count: number }>;
  /** The fact check of every generated text (excluded rows too: they would be published just the same); null when none was checked. */
  factCheck: FactCheckModelSummary | null;
}

/** One model's fact-check results over its generated texts. */
export interface FactCheckModelSummary {
  checked: number;
  pass: number;
  review: number;
  block: number;
  findings: number;
  /** The most frequent codes, most first (ties by code), at most five. */
  topCodes: Array<{ code: FactCode; count: number }>;
}

export interface Comparison {
  modelA: string;
  modelB: string;
  metric: SummaryMetric;
  /** Mean of A − B over rows scored and kept for both. */
  meanDifference: number | null;
  pValue: number | null;
  n: number;
}

export interface ExcludedRow {
  model: string;
  rowIndex: number;
  codes: string[];
}

export interface BenchmarkSummary {
  models: ModelSummary[];
  comparisons: Comparison[];
  excludedRows: ExcludedRow[];
  /** Evaluated dataset rows (the test split). */
  testRows: number[];
}

export interface RunRecord {
  id: string;
  status: RunStatus;
  spec: BenchmarkSpec;
  /** Rows × models to do, and done so far. */
  total: number;
  done: number;
  error: string | null;
  summary: BenchmarkSummary | null;
  createdAt: string;
  updatedAt: string;
}

/** Where runs live: the database's (Storage.benchmarks), on the connection the storage owns and closes. */
export interface BenchmarkStore {
  createRun(id: string, spec: BenchmarkSpec, total: number): Promise<RunRecord>;
  run(id: string): Promise<RunRecord | null>;
  /** Runs in one of `statuses`, oldest first (for recovery at start). */
  runsWithStatus(statuses: readonly RunStatus[]): Promise<RunRecord[]>;
  setStatus(
    id: string,
    status: RunStatus,
    fields?: { error?: string | null; summary?: BenchmarkSummary | null },
  ): Promise<void>;
  /** Stores row results (replacing any for the same model and row) and bumps `done`. */
  saveResults(runId: string, results: readonly RowResult[]): Promise<void>;
  results(runId: string): Promise<RowResult[]>;
}
