/**
 * The HTML view of one experiment, pure string building like the benchmark
 * report (inline SVG, no scripts, no external assets): each variant's
 * cumulative conversion rate at every daily look with its 95% Wilson band,
 * the decision, why and what to do, and the table of the last look. Two
 * callers draw it: the report CLI (a whole page, from the store) and the
 * review UI's experiments page in the browser (the summary, from the
 * GraphQL answer), so it imports nothing that needs Node.
 */
import { escapeHtml, fmt, fmtP } from '../evaluation/benchmark/report/format.js';
import { PALETTE } from '../evaluation/benchmark/report/svg.js';
import type { ExperimentRecord } from '../storage/types.js';
import type { ExperimentAnalysis } from './analysis.js';
import { wilsonInterval } from './intervals.js';
import type { VariantCounts } from './types.js';
import { UnreachableCaseError } from '../errors/unreachable.js';

/** What the view shows: the experiment, the analysis as of now and the daily looks (cumulative counts). */
export interface ExperimentView {
  experiment: ExperimentRecord;
  analysis: ExperimentAnalysis;
  looks: ReadonlyArray<{ at: Date; counts: readonly VariantCounts[] }>;
}

/** One variant as the view shows it: the analysis's numbers, the control first. */
export interface ReportVariant {
  id: string;
  name: string;
  control: boolean;
  exposures: number;
  conversions: number;
  rate: number | null;
  interval: { lower: number; upper: number };
  /** Against the control; null for the control, or until both arms convert. */
  lift: { estimate: number; lower: number; upper: number } | null;
  probabilityBeatsControl: number | null;
  /** The always-valid test's p-value; null for the control. */
  pValue: number | null;
}

/** What the view draws, whoever read it: built from the store (reportModel) or from experiment(id) over GraphQL. */
export interface ExperimentReportModel {
  id: string;
  name: string;
  status: string;
  metric: string;
  allocation: string;
  createdAt: string;
  decision: ExperimentAnalysis['decision'];
  winnerId: string | null;
  reason: string;
  comparisonAlpha: number;
  minSample: number;
  variants: ReportVariant[];
  /** Cumulative counts per variant (in variant order) at the end of each day, oldest first. */
  looks: ReadonlyArray<{ at: Date; counts: ReadonlyArray<{ exposures: number; conversions: number }> }>;
}

/** The model of a report read from the store. */
export function reportModel({ experiment: e, analysis: a, looks }: ExperimentView): ExperimentReportModel {
  const names = new Map(e.variants.map((v) => [v.id, v.name]));
  return {
    id: e.id,
    name: e.name,
    status: e.status,
    metric: e.metric,
    allocation: e.allocation,
    createdAt: e.createdAt,
    decision: a.decision,
    winnerId: a.winnerId,
    reason: a.reason,
    comparisonAlpha: a.method.comparisonAlpha,
    minSample: a.method.minSample,
    variants: a.variants.map((v) => ({
      id: v.id,
      name: names.get(v.id) ?? v.id,
      control: v.control,
      exposures: v.exposures,
      conversions: v.conversions,
      rate: v.rate,
      interval: v.interval,
      lift: v.comparison?.lift ?? null,
      probabilityBeatsControl: v.comparison?.probabilityBeatsControl ?? null,
      pValue: v.comparison?.sequential.pValue ?? null,
    })),
    looks,
  };
}

const W = 720;
const H = 320;
const PAD = { l: 56, r: 16, t: 16, b: 48 };
const pct = (x: number | null, digits = 2): string => (x === null ? '—' : `${(100 * x).toFixed(digits)}%`);

/** Per variant, per look: the rate and its interval (null before the variant's first exposure). */
function series(view: ExperimentReportModel): Array<Array<{ rate: number; lower: number; upper: number } | null>> {
  return view.variants.map((_, v) =>
    view.looks.map((look) => {
      const c = look.counts[v];
      if (!c || c.exposures === 0) return null;
      const ci = wilsonInterval(c.conversions, c.exposures);
      return { rate: c.conversions / c.exposures, lower: ci.lower, upper: ci.upper };
    }),
  );
}

/** Conversion over time: one line per variant with its interval band, days on x. */
export function conversionChart(view: ExperimentReportModel): string {
  if (view.looks.length === 0) return '<p class="muted">No exposures yet: nothing to chart.</p>';
  const all = series(view);
  const top = Math.max(0.001, ...all.flat().map((p) => (p ? p.upper : 0)));
  const n = view.looks.length;
  const x = (i: number) => PAD.l + (n === 1 ? (W - PAD.l - PAD.r) / 2 : ((W - PAD.l - PAD.r) * i) / (n - 1));
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / top);
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = (top * t) / 4;
    parts.push(
      `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${PAD.l - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${pct(v, 1)}</text>`,
    );
  }
  const step = Math.max(1, Math.ceil(n / 10));
  view.looks.forEach((look, i) => {
    if (i % step === 0 || i === n - 1)
      parts.push(
        `<text x="${x(i)}" y="${H - PAD.b + 16}" text-anchor="middle" font-size="11">${look.at.toISOString().slice(5, 10)}</text>`,
      );
  });
  all.forEach((points, v) => {
    const colour = PALETTE[v % PALETTE.length];
    const id = view.variants[v]?.id ?? '';
    const shown = points
      .map((p, i) => {
        const look = view.looks[i];
        return p && look ? { i, day: look.at.toISOString().slice(0, 10), ...p } : null;
      })
      .filter((p) => p !== null);
    if (shown.length === 0) return;
    const band = [
      ...shown.map((p) => `${x(p.i)},${y(p.upper)}`),
      ...shown.reverse().map((p) => `${x(p.i)},${y(p.lower)}`),
    ].join(' ');
    shown.reverse();
    parts.push(`<polygon points="${band}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`);
    parts.push(
      `<polyline points="${shown.map((p) => `${x(p.i)},${y(p.rate)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
    );
    for (const p of shown)
      parts.push(
        `<circle cx="${x(p.i)}" cy="${y(p.rate)}" r="2.5" fill="${colour}"><title>${escapeHtml(id)} ${p.day}: ${pct(p.rate)} [${pct(p.lower)}, ${pct(p.upper)}]</title></circle>`,
      );
  });
  view.variants.forEach((variant, v) => {
    parts.push(
      `<rect x="${PAD.l + v * 160}" y="${H - 18}" width="12" height="12" fill="${PALETTE[v % PALETTE.length]}"/><text x="${PAD.l + v * 160 + 18}" y="${H - 8}" font-size="12">${escapeHtml(variant.name)}${v === 0 && variant.name !== 'control' ? ' (control)' : ''}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Cumulative conversion rate per variant at each daily look, with 95% intervals">${parts.join('')}</svg>`;
}

const DECISION_TEXT: Readonly<Record<ExperimentAnalysis['decision'], string>> = {
  KEEP_RUNNING: 'Keep running',
  STOP_WINNER: 'Stop: a winner',
  STOP_NO_DIFFERENCE: 'Stop: no difference',
};

/** What to do now, in a sentence: the decision turned into the action that follows it. */
export function recommendedAction(
  view: Pick<ExperimentReportModel, 'status' | 'decision' | 'winnerId' | 'variants'>,
): string {
  if (view.status === 'CONCLUDED') return 'Concluded: nothing to do.';
  const control = view.variants.find((v) => v.control)?.id;
  switch (view.decision) {
    case 'KEEP_RUNNING':
      return 'Keep it running: the test has not decided. Its decision stays valid however often it is read, so look again tomorrow.';
    case 'STOP_WINNER':
      return view.winnerId === control
        ? "Conclude it and keep the control's texts: the control sells better."
        : `Conclude it with ${view.winnerId ?? 'the winner'} and publish its texts (concludeExperiment with publishWinner).`;
    case 'STOP_NO_DIFFERENCE':
      return "Conclude it: the variants sell alike, so keep the control's texts or choose on other grounds.";
    default:
      throw new UnreachableCaseError(view.decision);
  }
}

function variantRows(view: ExperimentReportModel): string {
  return view.variants
    .map((v) => {
      const lift = v.lift ? `${pct(v.lift.estimate, 1)} [${pct(v.lift.lower, 1)}, ${pct(v.lift.upper, 1)}]` : '—';
      const interval = v.exposures ? `${pct(v.rate)} [${pct(v.interval.lower)}, ${pct(v.interval.upper)}]` : '—';
      return `<tr><td>${escapeHtml(v.name)}${v.control && v.name !== 'control' ? ' (control)' : ''}</td><td>${v.exposures}</td><td>${v.conversions}</td><td>${interval}</td><td>${lift}</td><td>${v.control ? '—' : fmt(v.probabilityBeatsControl)}</td><td>${v.control ? '—' : fmtP(v.pValue)}</td></tr>`;
    })
    .join('');
}

/** The view without the page around it: the decision and what to do, the chart, and the table as of now. */
export function experimentSummary(view: ExperimentReportModel): string {
  const winner = view.winnerId ? ` — ${escapeHtml(view.winnerId)}` : '';
  return `<p class="decision"><strong>${DECISION_TEXT[view.decision]}${winner}</strong><br>${escapeHtml(view.reason)}<br><em class="action">${escapeHtml(recommendedAction(view))}</em></p>
<h2>Conversion over time</h2>
${conversionChart(view)}
<p class="muted">Cumulative rate per variant at the end of each day (${view.looks.length} looks), with its 95% Wilson interval. The decision is the always-valid test's (mSPRT, alpha per comparison ${fmt(view.comparisonAlpha)}, minimum sample ${view.minSample} per variant): it stays valid however often these looks are read.</p>
<h2>As of now</h2>
<table><thead><tr><th>variant</th><th>exposed sessions</th><th>conversions</th><th>rate [95%]</th><th>lift over control [95%]</th><th>P(beats control)</th><th>always-valid p</th></tr></thead><tbody>${variantRows(view)}</tbody></table>`;
}

/** The whole page (the report CLI's file). */
export function renderExperimentHtml(report: ExperimentView): string {
  const view = reportModel(report);
  const title = `Experiment: ${view.name}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:760px;color:#222}table{border-collapse:collapse;width:100%;font-size:14px}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left}.decision{font-size:1.2rem;padding:.6rem .8rem;border-left:4px solid #0072B2;background:#f4f8fb}.muted{color:#777}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p class="muted">${escapeHtml(view.id)} · ${view.status.toLowerCase()} · ${view.metric} · ${view.allocation} · created ${escapeHtml(view.createdAt)}</p>
${experimentSummary(view)}
</body></html>
`;
}
