/** Sentences and cells the HTML and Markdown reports share, so both say the same. Pure. */
import type { CheckColumn, Provenance, Report } from './model.js';

/** The line under the title: what was run, on which rows, and (only for models generated here) with which prompt. */
export function runLine(report: Report): string {
  const { input } = report;
  const { spec, summary } = input;
  const split = spec.allRows ? 'every row, no split' : `seeded ${Math.round(spec.testShare * 100)}% test split, seed ${spec.seed}`;
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
  return cell.checked === 0 ? 'no kept rows' : `${cell.flagged} of ${cell.checked} (${Math.round((cell.flagged / cell.checked) * 100)}%)`;
}

/** What the metadata-overlap table's columns mean. */
export function metadataNote(): string {
  return (
    'Content words (stop words dropped, Porter stems) compared with the product title and metadata, the facts the prompt gives a model. ' +
    'Words restating the metadata: share of the text\'s words that are title or metadata words. ' +
    'Reference matches from the metadata: of the words the text shares with the reference (what BLEU, ROUGE and METEOR reward), the share that are title or metadata words. ' +
    'Overlap beyond the metadata: unigram F1 against the reference with every title and metadata word left out of both, i.e. what the text shares with the reference besides restating the metadata. ' +
    'The human references row is the first measure on the references themselves.'
  );
}
