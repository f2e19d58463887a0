/**
 * The self-contained HTML report: inline CSS and SVG, no scripts and no
 * external assets, so it opens offline and can be attached to a ticket.
 * The recommendation comes first, then the verdict by metric, the tables
 * (lexical, metadata overlap, semantic, CLIP, checks, latency and cost),
 * charts, significance, excluded rows and the per-row drill-down.
 */
import type { SummaryMetric } from '../types.js';
import { metadataOverlap } from '../metadata-overlap.js';
import { escapeHtml as h, fmt, fmtInterval, fmtMs, fmtP, fmtUsd, METRIC_LABELS, metricOf } from './format.js';
import {
  buildReport,
  lexicalMetrics,
  rowByIndex,
  verdictMetrics,
  type Interval,
  type Report,
  type ReportInput,
} from './model.js';
import { ALPHA, recommend } from './recommend.js';
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
import { scatter, scoreBars } from './svg.js';
import { verdict } from './verdict.js';

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f6f8}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.muted{color:#666}
.verdict li{margin:4px 0}.sig{font-weight:600;color:#0a6b2d}.flag{display:inline-block;background:#fde8e8;color:#8a1c1c;border-radius:3px;padding:0 4px;margin:1px;font-size:12px;white-space:nowrap}td.null{white-space:normal;color:#666;font-size:12px;max-width:140px}
td.text{min-width:380px;width:45%}details{margin:4px 0}summary{cursor:pointer}.charts{display:flex;flex-wrap:wrap;gap:16px}.excluded{background:#fff6e5}
#recommendation{background:#eef6ff;border:1px solid #b6d4f2;border-radius:6px;padding:8px 16px}#recommendation .pick{font-size:17px;margin:6px 0}
figure{margin:0}figcaption{font-size:12px}.key{margin-right:10px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:50%}.scatter p{max-width:340px;font-size:12px}
tfoot td{background:#fafafa;font-style:italic}`;

const tr = (r: string[]) => `<tr>${r.join('')}</tr>`;
const table = (id: string, head: string[], rows: string[][], foot: string[][] = []): string =>
  `<table id="${id}"><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${rows.map(tr).join('')}</tbody>${foot.length ? `<tfoot>${foot.map(tr).join('')}</tfoot>` : ''}</table>`;
const num = (s: string) => `<td class="num">${s}</td>`;
const td = (s: string) => `<td>${s}</td>`;
const interval = (i: Interval) =>
  i.mean === null ? '<td class="num null">—</td>' : num(`${fmt(i.mean)} [${fmt(i.lower)}, ${fmt(i.upper)}]`);

function metricTable(report: Report, id: string, metrics: readonly SummaryMetric[], digits = 3): string {
  // The row count shown is the first metric's.
  const [counted] = metrics;
  return table(
    id,
    ['Model', ...metrics.map((m) => `${METRIC_LABELS[m]} (95% CI)`), 'n'],
    report.models.map(({ summary: m }) => [
      td(h(m.model)),
      ...metrics.map((x) =>
        metricOf(m, x)?.mean === null
          ? `<td class="num null">${h(fmtInterval(metricOf(m, x), digits))}</td>`
          : num(h(fmtInterval(metricOf(m, x), digits))),
      ),
      num(String(counted ? (metricOf(m, counted)?.n ?? 0) : 0)),
    ]),
  );
}

function metadataTable(report: Report): string {
  return table(
    'metadata-overlap',
    [
      'Model',
      'Words restating the metadata (95% CI)',
      'Reference matches from the metadata (95% CI)',
      'Overlap beyond the metadata, F1 (95% CI)',
      'n',
    ],
    report.models.map((m) => [
      td(h(m.summary.model)),
      interval(m.metadata.restated),
      interval(m.metadata.matchedFromMetadata),
      interval(m.metadata.beyondMetadata),
      num(String(m.metadata.restated.n)),
    ]),
    // The human references measured the same way: how much restating the writers themselves did.
    [
      [
        td('human references'),
        interval(report.referenceRestated),
        td(''),
        td(''),
        num(String(report.referenceRestated.n)),
      ],
    ],
  );
}

function checksTable(report: Report): string {
  return table(
    'checks',
    ['Model', ...report.checks.map((c) => h(c.label)), 'Flag codes'],
    report.models.map(({ summary: m }) => [
      td(h(m.model)),
      ...report.checks.map((c) => `<td class="num" data-check="${h(c.id)}">${checkCell(c.cells[m.model])}</td>`),
      td(
        m.flagCounts.map((f) => `<span class="flag">${h(f.code)} × ${f.count}</span>`).join(' ') ||
          '<span class="muted">none</span>',
      ),
    ]),
  );
}

function factCheckTable(report: Report): string {
  return table(
    'fact-check',
    FACT_CHECK_HEAD,
    factCheckCells(report).map(({ model, figures, codes }) => [
      td(h(model)),
      ...figures.map((c) => num(h(c))),
      td(h(codes)),
    ]),
  );
}

function costTable(report: Report): string {
  return table(
    'latency-cost',
    [
      'Model',
      'Source',
      'p50 latency',
      'p95 latency',
      'Prompt tokens',
      'Completion tokens',
      'Estimated cost',
      'Per description',
      'Errors',
    ],
    report.models.map((m) => {
      const s = m.summary;
      const file = m.provenance.kind === 'file';
      return [
        td(h(s.model)),
        td(h(provenanceText(m.provenance))),
        num(fmtMs(s.latencyP50Ms)),
        num(fmtMs(s.latencyP95Ms)),
        num(s.promptTokens === null ? '—' : String(s.promptTokens)),
        num(s.completionTokens === null ? '—' : String(s.completionTokens)),
        num(file ? '—' : fmtUsd(s.costUsd)),
        num(file ? '—' : fmtUsd(m.costPerRowUsd)),
        num(String(s.errors)),
      ];
    }),
  );
}

function significanceTable(report: Report): string {
  const rows = report.input.summary.comparisons.filter((c) => c.n > 0);
  if (rows.length === 0) {
    return `<table id="significance"><tbody><tr><td class="muted">No test: it needs two models with scored rows kept for both.</td></tr></tbody></table>`;
  }
  return table(
    'significance',
    ['Model A', 'Model B', 'Metric', 'Mean difference (A − B)', 'p-value', 'Pairs'],
    rows.map((c) => [
      td(h(c.modelA)),
      td(h(c.modelB)),
      td(METRIC_LABELS[c.metric]),
      num(fmt(c.meanDifference)),
      `<td class="num${c.pValue !== null && c.pValue < ALPHA ? ' sig' : ''}">${fmtP(c.pValue)}</td>`,
      num(String(c.n)),
    ]),
  );
}

function excludedTable(report: Report): string {
  const rows = rowByIndex(report.input.spec);
  const { excludedRows } = report.input.summary;
  if (excludedRows.length === 0) return '<p id="excluded-rows">No rows were excluded.</p>';
  return table(
    'excluded-rows',
    ['Model', 'Row', 'Product', 'Why'],
    excludedRows.map((e) => [
      td(h(e.model)),
      num(String(e.rowIndex + 1)),
      td(h(rows.get(e.rowIndex)?.title ?? '')),
      td(e.codes.map((c) => `<span class="flag">${h(c)}</span>`).join(' ')),
    ]),
  );
}

function drillDown(report: Report): string {
  const { spec, summary, results } = report.input;
  const rows = rowByIndex(spec);
  const metrics = lexicalMetrics(spec);
  const blocks = summary.testRows.map((index) => {
    const row = rows.get(index);
    const body = table(
      `row-${index}`,
      [
        'Model',
        'Text',
        ...metrics.map((m) => METRIC_LABELS[m]),
        'Restates metadata',
        'Semantic',
        'CLIP',
        'Flags',
        'Fact check',
      ],
      results
        .filter((r) => r.rowIndex === index)
        .map((r) => [
          `<td${r.excluded ? ' class="excluded"' : ''}>${h(r.model)}${r.excluded ? ' <span class="muted">(excluded)</span>' : ''}</td>`,
          `<td class="text">${r.text === null ? `<span class="muted">${h(r.error ?? 'failed')}</span>` : h(r.text)}</td>`,
          ...metrics.map((m) => num(fmt(r.scores[m as keyof typeof r.scores]))),
          num(fmt(row && r.text !== null ? metadataOverlap(row, r.text).restated : null)),
          r.semantic === null
            ? `<td class="num null">${h(r.semanticReason ?? '—').replace(/_/g, '_<wbr>')}</td>`
            : num(fmt(r.semantic)),
          r.clipScore === null
            ? `<td class="num null">${h(r.clipReason ?? '—').replace(/_/g, '_<wbr>')}</td>`
            : num(fmt(r.clipScore, 2)),
          td(r.flags.map((f) => `<span class="flag" title="${h(f.message)}">${h(f.code)}</span>`).join(' ')),
          td(
            r.factCheck
              ? `${h(r.factCheck.verdict)} ${r.factCheck.findings.map((f) => `<span class="flag" title="${h(f.message)}">${h(f.code)}</span>`).join(' ')}`
              : '—',
          ),
        ]),
    );
    return `<details><summary>Row ${index + 1}: ${h(row?.title ?? '')}</summary><p><b>Reference:</b> ${h(row?.reference ?? '')}</p>${body}</details>`;
  });
  return `<div id="rows">${blocks.join('')}</div>`;
}

function skippedSection(report: Report): string {
  const skipped = report.input.skipped ?? [];
  if (skipped.length === 0) return '';
  return `<h2>Skipped providers</h2>${table(
    'skipped',
    ['Provider', 'Why it was not run'],
    skipped.map((s) => [td(h(s.provider)), td(h(s.reason))]),
  )}`;
}

function recommendationSection(report: Report): string {
  const r = recommend(report);
  const pick =
    r.pick === null
      ? '<p class="pick"><b>No model is recommended.</b></p>'
      : `<p class="pick">Recommended: <b id="pick">${h(r.pick)}</b></p>`;
  return `<section id="recommendation"><h2>Recommendation</h2>${pick}<ul class="why">${r.why.map((s) => `<li>${h(s)}</li>`).join('')}</ul>
<details><summary>The rule</summary><ol class="rule">${r.rule.map((s) => `<li>${h(s)}</li>`).join('')}</ol></details>
${table(
  'standings',
  ['Model', 'Points', 'Significant wins', 'Significant losses', 'Discounted (restating the metadata)', 'Eligible'],
  r.standings.map((s) => [
    td(h(s.model)),
    num(String(s.points)),
    ...[s.wins, s.losses, s.discounted].map((xs) => td(h(xs.join('; ')) || '—')),
    td(h(eligibleCell(s))),
  ]),
)}</section>`;
}

/** Renders the whole report as one HTML document. */
export function renderHtml(input: ReportInput): string {
  const report = buildReport(input);
  const { spec, summary } = input;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${h(input.title)}</title><style>${CSS}</style></head><body>
<h1>${h(input.title)}</h1>
<p class="muted" id="run">${h(runLine(report))}</p>
${skippedSection(report)}
${recommendationSection(report)}
<h2>Verdict by metric</h2><ul class="verdict" id="verdict">${verdict(report)
    .map((s) => `<li>${h(s)}</li>`)
    .join('')}</ul>
<h2>Lexical similarity</h2>${metricTable(report, 'lexical', lexicalMetrics(spec))}
<h2>Fact check</h2>${factCheckTable(report)}<p class="muted">${h(factCheckNote())}</p>
<h2>Metadata overlap</h2>${metadataTable(report)}<p class="muted">${h(metadataNote())}</p>
<h2>Semantic similarity</h2>${metricTable(report, 'semantic', ['semantic'])}
<h2>CLIP score</h2>${metricTable(report, 'clip', ['clipScore', 'clipReferenceDelta'], 2)}
<p class="muted">CLIP score is 100 × max(cos(text, image), 0); the reference delta is the human reference's score minus the model's (positive: the reference matches the image better).</p>
<h2>Checks</h2>${checksTable(report)}<ul class="muted">${report.checks.map((c) => `<li><b>${h(c.label)}</b>: ${h(c.description)}</li>`).join('')}</ul>
<h2>Latency and cost</h2>${costTable(report)}
<h2>Charts</h2><div class="charts">${scoreBars(
    summary.models,
    verdictMetrics(spec).filter((m) => m !== 'clipScore'),
  )}
${scatter(report, { label: 'latency (ms)', value: (p) => p.latencyMs })}
${scatter(report, { label: 'cost (USD)', value: (p) => p.costUsd })}</div>
<h2>Significance (paired permutation tests)</h2>${significanceTable(report)}
<h2>Excluded rows</h2><p class="muted">Rows whose text echoed the prompt (PROMPT_ECHO) or copied the reference (REFERENCE_LEAK) are left out of that model's means.</p>${excludedTable(report)}
<h2>Per-row results</h2>${drillDown(report)}
</body></html>
`;
}
