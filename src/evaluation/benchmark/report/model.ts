/**
 * The report model: what the HTML and Markdown reports are rendered from. It
 * is built once from a finished (or partial) run and its row results, so both
 * renderers say the same thing. Pure.
 */
import { bootstrapCI, pairedPermutationTest } from '../stats.js';
import { EXCLUDING_FLAGS, kept, metricValue, summaryMetrics } from '../summarize.js';
import { metadataOverlap, type MetadataOverlap } from '../metadata-overlap.js';
import { factCheckColumn } from '../../checks/facts/index.js';
import type {
  BenchmarkRow,
  BenchmarkSpec,
  BenchmarkSummary,
  ModelSpec,
  ModelSummary,
  RowResult,
  SummaryMetric,
} from '../types.js';

/** A provider that was asked for but not run, and why (e.g. no API key). */
export interface SkippedProvider {
  provider: string;
  reason: string;
}

/**
 * One per-model column of the Checks table: rows a checker flagged out of the
 * rows it checked. The responsible-AI flags are the first; other checkers
 * (such as a fact check) add theirs through `ReportInput.checks`, and the
 * recommendation weighs every column alike.
 */
export interface CheckColumn {
  /** Stable id (an HTML id and a key for tests), e.g. "responsible-ai". */
  id: string;
  /** Column heading. */
  label: string;
  /** One sentence under the table: what a flagged row means. */
  description: string;
  /** By model name; a model missing here was not checked. */
  cells: Readonly<Record<string, { flagged: number; checked: number }>>;
  /**
   * Whether a flagged row could not be published (the fact check's BLOCK):
   * then a model with a larger flagged share is never recommended over one
   * with a smaller share. Default false.
   */
  blocking?: boolean;
}

export interface ReportInput {
  title: string;
  runId: string;
  status: string;
  spec: BenchmarkSpec;
  summary: BenchmarkSummary;
  results: readonly RowResult[];
  /** When the report was written (ISO); passed in so rendering stays pure. */
  generatedAt: string;
  /** Providers asked for but not run. Default: none. */
  skipped?: readonly SkippedProvider[];
  /** Check columns beyond the built-in responsible-AI flags. Default: none. */
  checks?: readonly CheckColumn[];
}

/** Where a model's texts came from: generated through the gateway with a prompt version, or read from a file. */
export type Provenance = { kind: 'gateway'; provider: string; promptVersion: string } | { kind: 'file' };

/** A mean over a model's kept rows with its 95% bootstrap interval (null mean: no row had a value). */
export interface Interval {
  mean: number | null;
  lower: number | null;
  upper: number | null;
  n: number;
}

export interface ModelReport {
  summary: ModelSummary;
  provenance: Provenance;
  /** Rows generated and not excluded: what the means are over. */
  keptRows: number;
  metadata: Record<keyof MetadataOverlap, Interval>;
  /** Mean cost of one description over the generated rows; null when unknown or pre-generated. */
  costPerRowUsd: number | null;
}

/** A row's value for the scatter plots: one point per kept row. */
export interface RowPoint {
  model: string;
  rowIndex: number;
  latencyMs: number | null;
  costUsd: number | null;
  value: number | null;
}

/** A paired test of two models' overlap beyond the metadata, over rows kept for both. */
export interface BeyondMetadataTest {
  modelA: string;
  modelB: string;
  /** Mean of A − B; null with no pairs. */
  meanDifference: number | null;
  pValue: number | null;
  n: number;
}

export interface Report {
  input: ReportInput;
  models: ModelReport[];
  /** One per pair of models, in the summary's model order. */
  beyondMetadataTests: BeyondMetadataTest[];
  /** The same overlap measured on the human references of the evaluated rows: the baseline. */
  referenceRestated: Interval;
  /** Responsible-AI flags, the fact check's blocked rows (when the run has the check), then the input's own columns. */
  checks: CheckColumn[];
  /** The metric the scatter plots use. */
  headline: SummaryMetric;
  points: RowPoint[];
}

/** Lexical metrics asked for, in the prototype's order. */
export const lexicalMetrics = (spec: BenchmarkSpec): SummaryMetric[] => spec.metrics;

/** The quality metrics the verdict, the recommendation and the charts consider. */
export const verdictMetrics = (spec: BenchmarkSpec): SummaryMetric[] =>
  summaryMetrics(spec.metrics).filter((m) => m !== 'clipReferenceDelta');

/** The metric the scatter plots use: METEOR, else ROUGE-L, else the first asked for. */
export function headlineMetric(spec: BenchmarkSpec): SummaryMetric {
  const [first] = spec.metrics;
  if (first === undefined) throw new Error('benchmark report: the spec asks for no metric');
  return spec.metrics.includes('meteor') ? 'meteor' : spec.metrics.includes('rougeL') ? 'rougeL' : first;
}

export const rowByIndex = (spec: BenchmarkSpec): Map<number, BenchmarkRow> =>
  new Map(spec.rows.map((r) => [r.index, r]));

function provenanceOf(model: ModelSpec, promptVersion: string): Provenance {
  return model.kind === 'provider' ? { kind: 'gateway', provider: model.provider, promptVersion } : { kind: 'file' };
}

function interval(values: ReadonlyArray<number | null>, spec: BenchmarkSpec): Interval {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return { mean: null, lower: null, upper: null, n: 0 };
  const ci = bootstrapCI(xs, { seed: spec.seed, resamples: spec.resamples });
  return { mean: ci.mean, lower: ci.lower, upper: ci.upper, n: ci.n };
}

/** The built-in check: kept rows with a responsible-AI finding (the integrity findings exclude a row instead). */
function responsibleAiColumn(models: readonly ModelReport[], byModel: Map<string, RowResult[]>): CheckColumn {
  const cells: Record<string, { flagged: number; checked: number }> = {};
  for (const m of models) {
    const rows = (byModel.get(m.summary.model) ?? []).filter(kept);
    cells[m.summary.model] = {
      flagged: rows.filter((r) => r.flags.some((f) => !EXCLUDING_FLAGS.includes(f.code))).length,
      checked: rows.length,
    };
  }
  return {
    id: 'responsible-ai',
    label: 'Responsible-AI flags',
    description:
      'Rows with an inclusive-language finding (gendered, body-shape, age, skin-tone, appropriation or ableist wording); see the per-row results for each one.',
    cells,
  };
}

/** The fact check's column from the run's summary, unless the caller gives one of its own. */
function factColumn(summary: BenchmarkSummary, given: readonly CheckColumn[]): CheckColumn[] {
  const checked = summary.models.flatMap((m) =>
    m.factCheck ? [{ model: m.model, texts: m.factCheck.checked, block: m.factCheck.block }] : [],
  );
  const column = factCheckColumn(checked);
  return checked.length === 0 || given.some((c) => c.id === column.id) ? [] : [column];
}

const pairs = <T>(xs: readonly T[]): Array<[T, T]> => xs.flatMap((a, i) => xs.slice(i + 1).map((b): [T, T] => [a, b]));

function beyondTest(
  a: string,
  b: string,
  overlaps: Map<string, Map<number, MetadataOverlap>>,
  spec: BenchmarkSpec,
): BeyondMetadataTest {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [row, oa] of overlaps.get(a) ?? []) {
    const ob = overlaps.get(b)?.get(row);
    if (oa.beyondMetadata === null || ob?.beyondMetadata === null || ob === undefined) continue;
    xs.push(oa.beyondMetadata);
    ys.push(ob.beyondMetadata);
  }
  if (xs.length === 0) return { modelA: a, modelB: b, meanDifference: null, pValue: null, n: 0 };
  const t = pairedPermutationTest(xs, ys, { seed: spec.seed, resamples: spec.resamples });
  return { modelA: a, modelB: b, meanDifference: t.meanDifference, pValue: t.pValue, n: t.n };
}

export function buildReport(input: ReportInput): Report {
  const { spec, summary } = input;
  const rows = rowByIndex(spec);
  const byModel = new Map<string, RowResult[]>();
  for (const r of input.results) byModel.set(r.model, [...(byModel.get(r.model) ?? []), r]);
  const overlapOf = (r: RowResult): MetadataOverlap | null => {
    const row = rows.get(r.rowIndex);
    return row && r.text !== null ? metadataOverlap(row, r.text) : null;
  };
  const overlapsByModel = new Map<string, Map<number, MetadataOverlap>>();
  for (const r of input.results.filter(kept)) {
    const o = overlapOf(r);
    if (o)
      overlapsByModel.set(
        r.model,
        (overlapsByModel.get(r.model) ?? new Map<number, MetadataOverlap>()).set(r.rowIndex, o),
      );
  }
  const models = summary.models.map((s): ModelReport => {
    const overlaps = [...(overlapsByModel.get(s.model)?.values() ?? [])];
    const pick = (k: keyof MetadataOverlap) =>
      interval(
        overlaps.map((o) => o[k]),
        spec,
      );
    const generated = s.rows - s.errors;
    const modelSpec = spec.models.find((m) => m.name === s.model);
    return {
      summary: s,
      provenance: modelSpec ? provenanceOf(modelSpec, spec.promptVersion) : { kind: 'file' },
      keptRows: generated - s.excluded,
      metadata: {
        restated: pick('restated'),
        matchedFromMetadata: pick('matchedFromMetadata'),
        beyondMetadata: pick('beyondMetadata'),
      },
      costPerRowUsd:
        s.costUsd === null || generated === 0 || modelSpec?.kind !== 'provider' ? null : s.costUsd / generated,
    };
  });
  const headline = headlineMetric(spec);
  const evaluated = summary.testRows.map((i) => rows.get(i)).filter((r): r is BenchmarkRow => r !== undefined);
  return {
    input,
    models,
    beyondMetadataTests: pairs(summary.models.map((m) => m.model)).map(([a, b]) =>
      beyondTest(a, b, overlapsByModel, spec),
    ),
    referenceRestated: interval(
      evaluated.map((r) => metadataOverlap(r, r.reference).restated),
      spec,
    ),
    checks: [responsibleAiColumn(models, byModel), ...factColumn(summary, input.checks ?? []), ...(input.checks ?? [])],
    headline,
    points: input.results.filter(kept).map((r) => ({
      model: r.model,
      rowIndex: r.rowIndex,
      latencyMs: r.latencyMs,
      costUsd: r.costUsd,
      value: metricValue(r, headline),
    })),
  };
}
