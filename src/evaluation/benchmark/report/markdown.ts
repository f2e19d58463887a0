/** The Markdown summary written next to the HTML report (tables and verdict, no drill-down). Pure. */
import type { SummaryMetric } from '../types.js';
import { escapeMd as e, fmt, fmtInterval, fmtMs, fmtP, fmtUsd, METRIC_LABELS, metricOf } from './format.js';
import { lexicalMetrics, rowByIndex, verdictMetrics, type ReportInput } from './model.js';
import { verdict } from './verdict.js';

const mdTable = (head: string[], rows: string[][]): string =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function metricTable(input: ReportInput, metrics: readonly SummaryMetric[], digits = 3): string {
  return mdTable(
    ['Model', ...metrics.map((m) => `${METRIC_LABELS[m]} (95% CI)`)],
    input.summary.models.map((m) => [e(m.model), ...metrics.map((x) => fmtInterval(metricOf(m, x), digits))]),
  );
}

export function renderMarkdown(input: ReportInput): string {
  const { spec, summary } = input;
  const rows = rowByIndex(spec);
  const split = spec.allRows ? 'every row, no split' : `seeded ${Math.round(spec.testShare * 100)}% test split, seed ${spec.seed}`;
  const parts = [
    `# ${e(input.title)}`,
    `Run \`${input.runId}\` (${input.status}): ${summary.testRows.length} of ${spec.rows.length} rows evaluated (${split}), prompt ${spec.promptVersion}, ${spec.resamples} bootstrap resamples. Written ${input.generatedAt}.`,
    '## Verdict',
    verdict(summary, verdictMetrics(spec))
      .map((s) => `- ${s}`)
      .join('\n'),
    '## Lexical similarity',
    metricTable(input, lexicalMetrics(spec)),
    '## Semantic similarity',
    metricTable(input, ['semantic']),
    '## CLIP score',
    metricTable(input, ['clipScore', 'clipReferenceDelta'], 2),
    '## Latency and cost',
    mdTable(
      ['Model', 'p50', 'p95', 'Prompt tokens', 'Completion tokens', 'Estimated cost', 'Flags'],
      summary.models.map((m) => [
        e(m.model),
        fmtMs(m.latencyP50Ms),
        fmtMs(m.latencyP95Ms),
        m.promptTokens === null ? '—' : String(m.promptTokens),
        m.completionTokens === null ? '—' : String(m.completionTokens),
        m.source === 'candidates' ? '—' : fmtUsd(m.costUsd),
        m.flagCounts.map((f) => `${f.code} × ${f.count}`).join(', ') || 'none',
      ]),
    ),
    '## Significance (paired permutation tests)',
    mdTable(
      ['A', 'B', 'Metric', 'Mean diff (A − B)', 'p', 'Pairs'],
      summary.comparisons.filter((c) => c.n > 0).map((c) => [e(c.modelA), e(c.modelB), METRIC_LABELS[c.metric], fmt(c.meanDifference), fmtP(c.pValue), String(c.n)]),
    ),
    '## Excluded rows',
    summary.excludedRows.length
      ? mdTable(
          ['Model', 'Row', 'Product', 'Why'],
          summary.excludedRows.map((x) => [e(x.model), String(x.rowIndex + 1), e(rows.get(x.rowIndex)?.title ?? ''), x.codes.join(', ')]),
        )
      : 'No rows were excluded.',
    '',
  ];
  return parts.join('\n\n');
}
