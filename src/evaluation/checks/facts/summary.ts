/**
 * Fact-check results summarised per model, for reports that compare models
 * (the benchmark report can call this with each model's checked texts).
 */
import { FACT_CODES, type FactCheckResult, type FactCode } from './types.js';

export interface FactCheckSummary {
  readonly model: string;
  readonly texts: number;
  readonly pass: number;
  readonly review: number;
  readonly block: number;
  /** Findings per code, every code listed (0 where none). */
  readonly findings: Readonly<Record<FactCode, number>>;
  /** Texts with at least one finding of the code. */
  readonly textsWith: Readonly<Record<FactCode, number>>;
}

const zeroes = (): Record<FactCode, number> =>
  Object.fromEntries(Object.keys(FACT_CODES).map((c) => [c, 0])) as Record<FactCode, number>;

/** One summary per model, in the order models first appear. */
export function summariseFactChecks(
  rows: Iterable<{ readonly model: string; readonly result: FactCheckResult }>,
): FactCheckSummary[] {
  const byModel = new Map<
    string,
    {
      texts: number;
      pass: number;
      review: number;
      block: number;
      findings: Record<FactCode, number>;
      textsWith: Record<FactCode, number>;
    }
  >();
  for (const { model, result } of rows) {
    let s = byModel.get(model);
    if (!s)
      byModel.set(model, (s = { texts: 0, pass: 0, review: 0, block: 0, findings: zeroes(), textsWith: zeroes() }));
    s.texts += 1;
    if (result.verdict === 'PASS') s.pass += 1;
    else if (result.verdict === 'REVIEW') s.review += 1;
    else s.block += 1;
    for (const f of result.findings) s.findings[f.code] += 1;
    for (const code of new Set(result.findings.map((f) => f.code))) s.textsWith[code] += 1;
  }
  return [...byModel].map(([model, s]) => ({ model, ...s }));
}

/** A per-model column for the benchmark report's Checks table (the shape of its `CheckColumn`). */
export interface FactCheckColumn {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly cells: Readonly<Record<string, { flagged: number; checked: number }>>;
  /** A blocked text cannot be published: the report's recommendation ranks a model with more of them below one with fewer. */
  readonly blocking: true;
}

/** The report column of texts the fact check blocks, from `summariseFactChecks`' result (or any summary with those three fields). */
export function factCheckColumn(
  summaries: ReadonlyArray<Pick<FactCheckSummary, 'model' | 'texts' | 'block'>>,
): FactCheckColumn {
  return {
    id: 'fact-check',
    label: 'Fact check: blocked',
    description:
      "Generated texts the fact check blocks: they contradict the product's record or make an origin, guarantee, green or price claim it does not support (docs/fact-check.md).",
    cells: Object.fromEntries(summaries.map((s) => [s.model, { flagged: s.block, checked: s.texts }])),
    blocking: true,
  };
}
