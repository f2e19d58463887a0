/** The Markdown summary written next to the HTML report (recommendation, verdict and tables; no charts or drill-down). Pure. */
import type { SummaryMetric } from '../types.js';
import { escapeMd as e, fmt, fmtInterval, fmtMs, fmtP, fmtUsd, METRIC_LABELS, metricOf } from './format.js';
import { buildReport, lexicalMetrics, rowByIndex, type Interval, type Report, type ReportInput } from './model.js';
import { recommend } from './recommend.js';
import {
  checkCell,
  eligibleCell,
  FACT_CHECK_HEAD,
  factCheckCells,
  factCheckNote,
  metadataNote,
  provenanceText,
  runLine,
} from './text.js';
import { verdict } from './verdict.js';

const mdTable = (head: string[], rows: string[][]): string =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const interval = (i: Interval): string => (i.mean === null ? '—' : `${fmt(i.mean)} [${fmt(i.lower)}, ${fmt(i.upper)}]`);
const bullets = (xs: readonly string[]): string => xs.map((s) => `- ${s}`).join('\n');

function metricTable(report: Report, metrics: readonly SummaryMetric[], digits = 3): string {
  return mdTable(
    ['Model', ...metrics.map((m) => `${METRIC_LABELS[m]} (95% CI)`)],
    report.models.map(({ summary: m }) => [e(m.model), ...metrics.map((x) => fmtInterval(metricOf(m, x), digits))]),
  );
}

function recommendation(report: Report): string[] {
  const r = recommend(report);
  return [
    '## Recommendation',
    r.pick === null ? '**No model is recommended.**' : `**Recommended: ${e(r.pick)}**`,
    bullets(r.why.map(e)),
    mdTable(
      ['Model', 'Points', 'Significant wins', 'Significant losses', 'Discounted (restating the metadata)', 'Eligible'],
      r.standings.map((s) => [
        e(s.model),
        String(s.points),
        ...[s.wins, s.losses, s.discounted].map((xs) => e(xs.join('; ')) || '—'),
        e(eligibleCell(s)),
      ]),
    ),
    `The rule:\n\n${r.rule.map((s, i) => `${i + 1}. ${e(s)}`).join('\n')}`,
  ];
}

/** The skipped-providers section, or nothing when every provider ran. */
function skippedSection(input: ReportInput): string[] {
  const skipped = input.skipped ?? [];
  if (!skipped.length) return [];
  return [
    '## Skipped providers',
    mdTable(
      ['Provider', 'Why it was not run'],
      skipped.map((s) => [e(s.provider), e(s.reason)]),
    ),
  ];
}

/** The metadata-overlap table, with the human references as the last row. */
function metadataTable(report: Report): string {
  return mdTable(
    [
      'Model',
      'Words restating the metadata',
      'Reference matches from the metadata',
      'Overlap beyond the metadata (F1)',
    ],
    [
      ...report.models.map((m) => [
        e(m.summary.model),
        interval(m.metadata.restated),
        interval(m.metadata.matchedFromMetadata),
        interval(m.metadata.beyondMetadata),
      ]),
      ['*human references*', interval(report.referenceRestated), '', ''],
    ],
  );
}

/** The checks table (one column per check plus the flag codes) and the description of each check. */
function checksSection(report: Report): string[] {
  return [
    '## Checks',
    mdTable(
      ['Model', ...report.checks.map((c) => e(c.label)), 'Flag codes'],
      report.models.map(({ summary: m }) => [
        e(m.model),
        ...report.checks.map((c) => checkCell(c.cells[m.model])),
        m.flagCounts.map((f) => `${f.code} × ${f.count}`).join(', ') || 'none',
      ]),
    ),
    bullets(report.checks.map((c) => `**${e(c.label)}**: ${e(c.description)}`)),
  ];
}

/** The latency and cost table; cost is blank for outputs read from a file, which cost nothing to produce here. */
function latencyTable(report: Report): string {
  return mdTable(
    ['Model', 'Source', 'p50', 'p95', 'Prompt tokens', 'Completion tokens', 'Estimated cost', 'Per description'],
    report.models.map((m) => {
      const s = m.summary;
      const file = m.provenance.kind === 'file';
      return [
        e(s.model),
        e(provenanceText(m.provenance)),
        fmtMs(s.latencyP50Ms),
        fmtMs(s.latencyP95Ms),
        s.promptTokens === null ? '—' : String(s.promptTokens),
        s.completionTokens === null ? '—' : String(s.completionTokens),
        file ? '—' : fmtUsd(s.costUsd),
        file ? '—' : fmtUsd(m.costPerRowUsd),
      ];
    }),
  );
}

/** The significance table (comparisons with at least one pair) and the excluded-rows table. */
function significanceAndExclusions(input: ReportInput): string[] {
  const { spec, summary } = input;
  const rows = rowByIndex(spec);
  return [
    '## Significance (paired permutation tests)',
    mdTable(
      ['A', 'B', 'Metric', 'Mean diff (A − B)', 'p', 'Pairs'],
      summary.comparisons
        .filter((c) => c.n > 0)
        .map((c) => [
          e(c.modelA),
          e(c.modelB),
          METRIC_LABELS[c.metric],
          fmt(c.meanDifference),
          fmtP(c.pValue),
          String(c.n),
        ]),
    ),
    '## Excluded rows',
    summary.excludedRows.length
      ? mdTable(
          ['Model', 'Row', 'Product', 'Why'],
          summary.excludedRows.map((x) => [
            e(x.model),
            String(x.rowIndex + 1),
            e(rows.get(x.rowIndex)?.title ?? ''),
            x.codes.join(', '),
          ]),
        )
      : 'No rows were excluded.',
  ];
}

export function renderMarkdown(input: ReportInput): string {
  const report = buildReport(input);
  const parts = [
    `# ${e(input.title)}`,
    `${e(runLine(report))}.`,
    ...skippedSection(input),
    ...recommendation(report),
    '## Verdict by metric',
    bullets(verdict(report).map(e)),
    '## Lexical similarity',
    metricTable(report, lexicalMetrics(input.spec)),
    '## Fact check',
    mdTable(
      FACT_CHECK_HEAD,
      factCheckCells(report).map(({ model, figures, codes }) => [model, ...figures, codes].map(e)),
    ),
    e(factCheckNote()),
    '## Metadata overlap',
    metadataTable(report),
    metadataNote(),
    '## Semantic similarity',
    metricTable(report, ['semantic']),
    '## CLIP score',
    metricTable(report, ['clipScore', 'clipReferenceDelta'], 2),
    ...checksSection(report),
    '## Latency and cost',
    latencyTable(report),
    ...significanceAndExclusions(input),
    '',
  ];
  return parts.join('\n\n');
}
