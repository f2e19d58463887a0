/**
 * The self-contained HTML report: inline CSS and SVG, no scripts and no
 * external assets, so it opens offline and can be attached to a ticket.
 * Tables follow the prototype's layout (lexical, semantic, CLIP, latency and
 * cost), then significance, charts, excluded rows and the per-row drill-down.
 */
import type { SummaryMetric } from '../types.js';
import { escapeHtml as h, fmt, fmtInterval, fmtMs, fmtP, fmtUsd, METRIC_LABELS, metricOf } from './format.js';
import { headlineMetric, lexicalMetrics, rowByIndex, verdictMetrics, type ReportInput } from './model.js';
import { scatter, scoreBars } from './svg.js';
import { ALPHA, verdict } from './verdict.js';

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f6f8}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.muted{color:#666}
.verdict li{margin:4px 0}.sig{font-weight:600;color:#0a6b2d}.flag{display:inline-block;background:#fde8e8;color:#8a1c1c;border-radius:3px;padding:0 4px;margin:1px;font-size:12px;white-space:nowrap}td.null{white-space:normal;color:#666;font-size:12px;max-width:140px}
td.text{min-width:380px;width:45%}details{margin:4px 0}summary{cursor:pointer}.charts{display:flex;flex-wrap:wrap;gap:16px}.excluded{background:#fff6e5}`;

const table = (id: string, head: string[], rows: string[][]): string =>
  `<table id="${id}"><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
const num = (s: string) => `<td class="num">${s}</td>`;
const td = (s: string) => `<td>${s}</td>`;

function metricTable(input: ReportInput, id: string, metrics: readonly SummaryMetric[], digits = 3): string {
  const { models } = input.summary;
  return table(
    id,
    ['Model', ...metrics.map((m) => `${METRIC_LABELS[m]} (95% CI)`), 'n'],
    models.map((m) => [td(h(m.model)), ...metrics.map((x) => (metricOf(m, x)?.mean === null ? `<td class="num null">${h(fmtInterval(metricOf(m, x), digits))}</td>` : num(h(fmtInterval(metricOf(m, x), digits))))), num(String(metricOf(m, metrics[0]!)?.n ?? 0))]),
  );
}

function costTable(input: ReportInput): string {
  return table(
    'latency-cost',
    ['Model', 'Source', 'p50 latency', 'p95 latency', 'Prompt tokens', 'Completion tokens', 'Estimated cost', 'Errors', 'Flags'],
    input.summary.models.map((m) => [
      td(h(m.model)),
      td(h(m.source)),
      num(fmtMs(m.latencyP50Ms)),
      num(fmtMs(m.latencyP95Ms)),
      num(m.promptTokens === null ? '—' : String(m.promptTokens)),
      num(m.completionTokens === null ? '—' : String(m.completionTokens)),
      num(m.source === 'candidates' ? '—' : fmtUsd(m.costUsd)),
      num(String(m.errors)),
      td(m.flagCounts.map((f) => `<span class="flag">${h(f.code)} × ${f.count}</span>`).join(' ') || '<span class="muted">none</span>'),
    ]),
  );
}

function significanceTable(input: ReportInput): string {
  const rows = input.summary.comparisons.filter((c) => c.n > 0);
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

function excludedTable(input: ReportInput): string {
  const rows = rowByIndex(input.spec);
  if (input.summary.excludedRows.length === 0) return '<p id="excluded-rows">No rows were excluded.</p>';
  return table(
    'excluded-rows',
    ['Model', 'Row', 'Product', 'Why'],
    input.summary.excludedRows.map((e) => [td(h(e.model)), num(String(e.rowIndex + 1)), td(h(rows.get(e.rowIndex)?.title ?? '')), td(e.codes.map((c) => `<span class="flag">${h(c)}</span>`).join(' '))]),
  );
}

function drillDown(input: ReportInput): string {
  const rows = rowByIndex(input.spec);
  const metrics = lexicalMetrics(input.spec);
  const blocks = input.summary.testRows.map((index) => {
    const row = rows.get(index);
    const results = input.results.filter((r) => r.rowIndex === index);
    const body = table(
      `row-${index}`,
      ['Model', 'Text', ...metrics.map((m) => METRIC_LABELS[m]), 'Semantic', 'CLIP', 'Flags'],
      results.map((r) => [
        `<td${r.excluded ? ' class="excluded"' : ''}>${h(r.model)}${r.excluded ? ' <span class="muted">(excluded)</span>' : ''}</td>`,
        `<td class="text">${r.text === null ? `<span class="muted">${h(r.error ?? 'failed')}</span>` : h(r.text)}</td>`,
        ...metrics.map((m) => num(fmt(r.scores[m as keyof typeof r.scores]))),
        r.semantic === null ? `<td class="num null">${h(r.semanticReason ?? '—').replace(/_/g, '_<wbr>')}</td>` : num(fmt(r.semantic)),
        r.clipScore === null ? `<td class="num null">${h(r.clipReason ?? '—').replace(/_/g, '_<wbr>')}</td>` : num(fmt(r.clipScore, 2)),
        td(r.flags.map((f) => `<span class="flag" title="${h(f.message)}">${h(f.code)}</span>`).join(' ')),
      ]),
    );
    return `<details><summary>Row ${index + 1}: ${h(row?.title ?? '')}</summary><p><b>Reference:</b> ${h(row?.reference ?? '')}</p>${body}</details>`;
  });
  return `<div id="rows">${blocks.join('')}</div>`;
}

/** Renders the whole report as one HTML document. */
export function renderHtml(input: ReportInput): string {
  const { spec, summary } = input;
  const headline = headlineMetric(spec);
  const split = spec.allRows ? 'every row, no split' : `seeded ${Math.round(spec.testShare * 100)}% test split, seed ${spec.seed}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${h(input.title)}</title><style>${CSS}</style></head><body>
<h1>${h(input.title)}</h1>
<p class="muted">Run ${h(input.runId)} (${h(input.status)}) · ${summary.testRows.length} of ${spec.rows.length} rows evaluated (${split}) · prompt ${h(spec.promptVersion)} · ${spec.resamples} bootstrap resamples · written ${h(input.generatedAt)}</p>
<h2>Verdict</h2><ul class="verdict">${verdict(summary, verdictMetrics(spec)).map((s) => `<li>${h(s)}</li>`).join('')}</ul>
<h2>Lexical similarity</h2>${metricTable(input, 'lexical', lexicalMetrics(spec))}
<h2>Semantic similarity</h2>${metricTable(input, 'semantic', ['semantic'])}
<h2>CLIP score</h2>${metricTable(input, 'clip', ['clipScore', 'clipReferenceDelta'], 2)}
<p class="muted">CLIP score is 100 × max(cos(text, image), 0); the reference delta is the human reference's score minus the model's (positive: the reference matches the image better).</p>
<h2>Latency and cost</h2>${costTable(input)}
<h2>Charts</h2><div class="charts">${scoreBars(summary.models, verdictMetrics(spec).filter((m) => m !== 'clipScore'))}
${scatter(summary.models, headline, { label: 'p50 latency (ms)', value: (m) => m.latencyP50Ms })}
${scatter(summary.models, headline, { label: 'cost (USD)', value: (m) => (m.source === 'candidates' ? null : m.costUsd) })}</div>
<h2>Significance (paired permutation tests)</h2>${significanceTable(input)}
<h2>Excluded rows</h2><p class="muted">Rows whose text echoed the prompt (PROMPT_ECHO) or copied the reference (REFERENCE_LEAK) are left out of that model's means.</p>${excludedTable(input)}
<h2>Per-row results</h2>${drillDown(input)}
</body></html>
`;
}
