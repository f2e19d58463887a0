/** Sentences and cells the HTML and Markdown reports share, so both say the same. Pure. */
import type { CheckColumn, Provenance, Report } from './model.js';
import type { Standing } from './recommend.js';

/** The line under the title: what was run, on which rows, and (only for models generated here) with which prompt. */
export function runLine(report: Report): string {
  const { input } = report;
  const { spec, summary } = input;
  const split = spec.allRows
    ? 'every row, no split'
    : `seeded ${Math.round(spec.testShare * 100)}% test split, seed ${spec.seed}`;
  const gateway = report.models.filter((m) => m.provenance.kind === 'gateway').map((m) => m.summary.model);
  const prompt = gateway.length ? ` · prompt ${spec.promptVersion} (for ${gateway.join(', ')})` : '';
  return `Run ${input.runId} (${input.status}) · ${summary.testRows.length} of ${spec.rows.length} rows evaluated (${split})${prompt} · ${spec.resamples} bootstrap resamples · written ${input.generatedAt}`;
}

/** Where a model's texts came from. */
export function provenanceText(p: Provenance): string {
  return p.kind === 'gateway' ? `generated: ${p.provider}, prompt ${p.promptVersion}` : 'pre-generated file';
}

/** "1 of 16 (6%)"; "—" when the model was not checked. */
export function checkCell(cell: CheckColumn['cells'][string] | undefined): string {
  if (!cell) return '—';
  return cell.checked === 0
    ? 'no kept rows'
    : `${cell.flagged} of ${cell.checked} (${Math.round((cell.flagged / cell.checked) * 100)}%)`;
}

/** What the metadata-overlap table's columns mean. */
export function metadataNote(): string {
  return (
    'Content words (stop words dropped, Porter stems) compared with the product title and metadata, the facts the prompt gives a model. ' +
    "Words restating the metadata: share of the text's words that are title or metadata words. " +
    'Reference matches from the metadata: of the words the text shares with the reference (what BLEU, ROUGE and METEOR reward), the share that are title or metadata words. ' +
    'Overlap beyond the metadata: unigram F1 against the reference with every title and metadata word left out of both, i.e. what the text shares with the reference besides restating the metadata. ' +
    'The human references row is the first measure on the references themselves.'
  );
}

/** The fact-check table's headings (HTML and Markdown alike). */
export const FACT_CHECK_HEAD = [
  'Model',
  'Texts checked',
  'PASS',
  'REVIEW',
  'BLOCK',
  'Would be blocked',
  'Need review',
  'Findings per text',
  'Most frequent findings',
];

const share = (n: number, of: number): string => (of === 0 ? '—' : `${Math.round((n / of) * 100)}%`);

/** A row of the fact-check table as plain text: the model, its figures, and its most frequent codes. */
export interface FactCheckRow {
  readonly model: string;
  readonly figures: readonly string[];
  readonly codes: string;
}

/** One row per model of the fact-check table; a model without the check gets dashes. */
export function factCheckCells(report: Report): FactCheckRow[] {
  return report.models.map(({ summary: m }) => {
    const f = m.factCheck;
    if (!f) return { model: m.model, figures: ['—', '—', '—', '—', '—', '—', '—'], codes: 'not checked' };
    const figures = [
      String(f.checked),
      String(f.pass),
      String(f.review),
      String(f.block),
      share(f.block, f.checked),
      share(f.review, f.checked),
      f.checked === 0 ? '—' : (f.findings / f.checked).toFixed(2),
    ];
    return { model: m.model, figures, codes: f.topCodes.map((c) => `${c.code} × ${c.count}`).join(', ') || 'none' };
  });
}

/** What the fact-check table means. */
export function factCheckNote(): string {
  return (
    "Every generated text (excluded rows too) checked against its product's record: for a dataset CSV, the row's title and metadata; for catalog products, the whole record. " +
    'BLOCK: it contradicts the record or makes an origin, guarantee, green or price claim; such a text would not be published. REVIEW: a claim or detail the record does not support, or a text defect. ' +
    'A model can score well on BLEU, ROUGE and METEOR by restating the metadata and still write texts that would be blocked. See docs/fact-check.md.'
  );
}

/** The standings table's last cell: eligible, ranked lower by a blocking check, or not eligible and why. */
export function eligibleCell(s: Standing): string {
  if (s.ineligible !== null) return `no: ${s.ineligible}`;
  return s.outranked ? `yes, ranked lower: ${s.outranked}` : 'yes';
}
