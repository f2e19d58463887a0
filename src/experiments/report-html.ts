/**
 * The HTML view of one experiment, pure string building like the benchmark
 * report (inline SVG, no scripts, no external assets): each variant's
 * cumulative conversion rate at every daily look with its 95% Wilson band,
 * the decision and why, and the table of the last look.
 */
import { escapeHtml, fmt, fmtP } from '../evaluation/benchmark/report/format.js';
import { PALETTE } from '../evaluation/benchmark/report/svg.js';
import type { ExperimentRecord } from '../storage/types.js';
import type { ExperimentAnalysis } from './analysis.js';
import { wilsonInterval } from './intervals.js';
import type { VariantCounts } from './types.js';

/** What the view shows: the experiment, the analysis as of now and the daily looks (cumulative counts). */
export interface ExperimentView {
  experiment: ExperimentRecord;
  analysis: ExperimentAnalysis;
  looks: ReadonlyArray<{ at: Date; counts: readonly VariantCounts[] }>;
}

const W = 720;
const H = 320;
const PAD = { l: 56, r: 16, t: 16, b: 48 };
const pct = (x: number | null, digits = 2): string => (x === null ? '—' : `${(100 * x).toFixed(digits)}%`);

/** Per variant, per look: the rate and its interval (null before the variant's first exposure). */
function series(view: ExperimentView): Array<Array<{ rate: number; lower: number; upper: number } | null>> {
  return view.experiment.variants.map((_, v) =>
    view.looks.map((look) => {
      const c = look.counts[v];
      if (!c || c.exposures === 0) return null;
      const ci = wilsonInterval(c.conversions, c.exposures);
      return { rate: c.conversions / c.exposures, lower: ci.lower, upper: ci.upper };
    }),
  );
}

/** Conversion over time: one line per variant with its interval band, days on x. */
export function conversionChart(view: ExperimentView): string {
  if (view.looks.length === 0) return '<p class="muted">No exposures yet: nothing to chart.</p>';
  const all = series(view);
  const top = Math.max(0.001, ...all.flat().map((p) => (p ? p.upper : 0)));
  const n = view.looks.length;
  const x = (i: number) => PAD.l + (n === 1 ? (W - PAD.l - PAD.r) / 2 : ((W - PAD.l - PAD.r) * i) / (n - 1));
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / top);
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = (top * t) / 4;
    parts.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${PAD.l - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${pct(v, 1)}</text>`);
  }
  const step = Math.max(1, Math.ceil(n / 10));
  view.looks.forEach((look, i) => {
    if (i % step === 0 || i === n - 1) parts.push(`<text x="${x(i)}" y="${H - PAD.b + 16}" text-anchor="middle" font-size="11">${look.at.toISOString().slice(5, 10)}</text>`);
  });
  all.forEach((points, v) => {
    const colour = PALETTE[v % PALETTE.length];
    const shown = points.map((p, i) => (p ? { i, ...p } : null)).filter((p) => p !== null);
    if (shown.length === 0) return;
    const band = [...shown.map((p) => `${x(p.i)},${y(p.upper)}`), ...shown.reverse().map((p) => `${x(p.i)},${y(p.lower)}`)].join(' ');
    shown.reverse();
    parts.push(`<polygon points="${band}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`);
    parts.push(`<polyline points="${shown.map((p) => `${x(p.i)},${y(p.rate)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of shown) parts.push(`<circle cx="${x(p.i)}" cy="${y(p.rate)}" r="2.5" fill="${colour}"><title>${escapeHtml(view.experiment.variants[v].id)} ${view.looks[p.i].at.toISOString().slice(0, 10)}: ${pct(p.rate)} [${pct(p.lower)}, ${pct(p.upper)}]</title></circle>`);
  });
  view.experiment.variants.forEach((variant, v) => {
    parts.push(`<rect x="${PAD.l + v * 160}" y="${H - 18}" width="12" height="12" fill="${PALETTE[v % PALETTE.length]}"/><text x="${PAD.l + v * 160 + 18}" y="${H - 8}" font-size="12">${escapeHtml(variant.name)}${v === 0 && variant.name !== 'control' ? ' (control)' : ''}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Cumulative conversion rate per variant at each daily look, with 95% intervals">${parts.join('')}</svg>`;
}

const DECISION_TEXT: Readonly<Record<ExperimentAnalysis['decision'], string>> = {
  KEEP_RUNNING: 'Keep running',
  STOP_WINNER: 'Stop: a winner',
  STOP_NO_DIFFERENCE: 'Stop: no difference',
};

function variantRows(analysis: ExperimentAnalysis): string {
  return analysis.variants
    .map((v) => {
      const c = v.comparison;
      const lift = c?.lift ? `${pct(c.lift.estimate, 1)} [${pct(c.lift.lower, 1)}, ${pct(c.lift.upper, 1)}]` : '—';
      return `<tr><td>${escapeHtml(v.id)}${v.control && v.id !== 'control' ? ' (control)' : ''}</td><td>${v.exposures}</td><td>${v.conversions}</td><td>${pct(v.rate)} [${pct(v.interval.lower)}, ${pct(v.interval.upper)}]</td><td>${lift}</td><td>${c ? fmt(c.probabilityBeatsControl) : '—'}</td><td>${c ? fmtP(c.sequential.pValue) : '—'}</td></tr>`;
    })
    .join('');
}

/** The whole page. */
export function renderExperimentHtml(view: ExperimentView): string {
  const { experiment: e, analysis: a } = view;
  const title = `Experiment: ${e.name}`;
  const winner = a.winnerId ? ` — ${escapeHtml(a.winnerId)}` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:760px;color:#222}table{border-collapse:collapse;width:100%;font-size:14px}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left}.decision{font-size:1.2rem;padding:.6rem .8rem;border-left:4px solid #0072B2;background:#f4f8fb}.muted{color:#777}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p class="muted">${escapeHtml(e.id)} · ${e.status.toLowerCase()} · ${e.metric} · ${e.allocation} · created ${escapeHtml(e.createdAt)}</p>
<p class="decision"><strong>${DECISION_TEXT[a.decision]}${winner}</strong><br>${escapeHtml(a.reason)}</p>
<h2>Conversion over time</h2>
${conversionChart(view)}
<p class="muted">Cumulative rate per variant at the end of each day (${view.looks.length} looks), with its 95% Wilson interval. The decision is the always-valid test's (mSPRT, alpha per comparison ${fmt(a.method.comparisonAlpha)}, minimum sample ${a.method.minSample} per variant): it stays valid however often these looks are read.</p>
<h2>As of now</h2>
<table><thead><tr><th>variant</th><th>exposed sessions</th><th>conversions</th><th>rate [95%]</th><th>lift over control [95%]</th><th>P(beats control)</th><th>always-valid p</th></tr></thead><tbody>${variantRows(a)}</tbody></table>
</body></html>
`;
}
