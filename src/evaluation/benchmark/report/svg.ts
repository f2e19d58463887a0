/**
 * Inline SVG charts for the HTML report (no scripts, no external assets):
 * bars with confidence whiskers, and quality-vs-latency / quality-vs-cost
 * scatter plots with one dot per row. Pure string building.
 */
import type { ModelSummary, SummaryMetric } from '../types.js';
import type { Report, RowPoint } from './model.js';
import { escapeHtml, fmt, METRIC_LABELS, metricOf } from './format.js';

/** Colour-blind-safe palette (Okabe–Ito), one per model. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

const W = 720;

/** Grouped bars (one group per metric, one bar per model) on a 0–1 axis, with 95% CI whiskers. */
export function scoreBars(models: readonly ModelSummary[], metrics: readonly SummaryMetric[]): string {
  const H = 280;
  const pad = { l: 48, r: 16, t: 16, b: 56 };
  const shown = metrics.filter((m) =>
    models.some((x) => metricOf(x, m)?.mean !== null && metricOf(x, m) !== undefined),
  );
  if (shown.length === 0 || models.length === 0) return '<p class="muted">No scores to chart.</p>';
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - Math.max(0, Math.min(1, v)));
  const groupW = (W - pad.l - pad.r) / shown.length;
  const barW = Math.min(28, (groupW - 16) / models.length);
  const parts: string[] = [];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${pad.l - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${t}</text>`,
    );
  }
  shown.forEach((metric, g) => {
    const x0 = pad.l + g * groupW + (groupW - barW * models.length) / 2;
    models.forEach((m, i) => {
      const s = metricOf(m, metric);
      if (!s || s.mean === null) return;
      const x = x0 + i * barW;
      const colour = PALETTE[i % PALETTE.length];
      parts.push(
        `<rect x="${x + 2}" y="${y(s.mean)}" width="${barW - 4}" height="${y(0) - y(s.mean)}" fill="${colour}"><title>${escapeHtml(m.model)} ${METRIC_LABELS[metric]}: ${fmt(s.mean)} [${fmt(s.lower)}, ${fmt(s.upper)}]</title></rect>`,
      );
      const cx = x + barW / 2;
      if (s.lower !== null && s.upper !== null)
        parts.push(
          `<path d="M${cx} ${y(s.lower)}V${y(s.upper)}M${cx - 4} ${y(s.lower)}h8M${cx - 4} ${y(s.upper)}h8" stroke="#222" stroke-width="1.5" fill="none"/>`,
        );
    });
    parts.push(
      `<text x="${pad.l + g * groupW + groupW / 2}" y="${H - pad.b + 18}" text-anchor="middle" font-size="12">${METRIC_LABELS[metric]}</text>`,
    );
  });
  parts.push(legend(models, pad.l, H - 18));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Scores with 95% confidence intervals">${parts.join('')}</svg>`;
}

function legend(models: readonly ModelSummary[], x: number, y: number): string {
  return models
    .map(
      (m, i) =>
        `<rect x="${x + i * 150}" y="${y - 10}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + i * 150 + 18}" y="${y}" font-size="12">${escapeHtml(m.model)}</text>`,
    )
    .join('');
}

/** Whole numbers for milliseconds, two significant digits for fractions of a dollar. */
const axisNumber = (v: number): string => (v >= 1 || v === 0 ? v.toFixed(0) : v.toPrecision(2));

/** A scatter axis: a row's latency or cost, and what to say about models that have none. */
export interface ScatterAxis {
  /** Axis label, e.g. "latency (ms)". */
  label: string;
  value: (p: RowPoint) => number | null;
}

/**
 * Quality (the headline metric) against latency or cost: one dot per kept
 * row, coloured by model, so the spread shows as well as the middle. Models
 * whose rows have no value on the axis (pre-generated texts have no latency
 * or cost) are named under the chart instead of being drawn at zero.
 */
export function scatter(report: Report, axis: ScatterAxis): string {
  const H = 240;
  const Wd = 340;
  const pad = { l: 48, r: 16, t: 16, b: 40 };
  const metric = report.headline;
  const colour = new Map(report.models.map((m, i) => [m.summary.model, PALETTE[i % PALETTE.length]]));
  const pts = report.points
    .map((p) => ({ p, x: axis.value(p), y: p.value }))
    .filter((q): q is { p: RowPoint; x: number; y: number } => q.x !== null && q.y !== null);
  const drawn = new Set(pts.map((q) => q.p.model));
  const missing = report.models.map((m) => m.summary.model).filter((m) => !drawn.has(m));
  const note = missing.length
    ? `<p class="muted">Not plotted (no ${escapeHtml(axis.label)} or no ${METRIC_LABELS[metric]} on any kept row): ${missing.map(escapeHtml).join(', ')}.</p>`
    : '';
  if (pts.length === 0)
    return `<figure class="scatter"><p class="muted">No ${escapeHtml(axis.label)} data to chart.</p>${note}</figure>`;
  const maxX = Math.max(...pts.map((q) => q.x)) || 1;
  const maxY = Math.max(...pts.map((q) => q.y), 0.0001);
  const sx = (v: number) => pad.l + ((Wd - pad.l - pad.r) * v) / (maxX * 1.15);
  const sy = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / (maxY * 1.15));
  const parts = [
    `<line x1="${pad.l}" y1="${H - pad.b}" x2="${Wd - pad.r}" y2="${H - pad.b}" stroke="#888"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#888"/>`,
    `<text x="${(Wd + pad.l) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeHtml(axis.label)} per row (lower is better)</text>`,
    `<text x="14" y="${(H - pad.b + pad.t) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${(H - pad.b + pad.t) / 2})">${METRIC_LABELS[metric]}</text>`,
    `<text x="${pad.l - 4}" y="${pad.t + 4}" text-anchor="end" font-size="10">${fmt(maxY * 1.15, 2)}</text>`,
    `<text x="${pad.l - 4}" y="${H - pad.b}" text-anchor="end" font-size="10">0</text>`,
    `<text x="${Wd - pad.r}" y="${H - pad.b + 14}" text-anchor="end" font-size="10">${axisNumber(maxX * 1.15)}</text>`,
  ];
  for (const q of pts) {
    parts.push(
      `<circle class="point" data-model="${escapeHtml(q.p.model)}" data-row="${q.p.rowIndex}" cx="${sx(q.x)}" cy="${sy(q.y)}" r="4" fill="${colour.get(q.p.model) ?? '#000'}" fill-opacity="0.75"><title>${escapeHtml(q.p.model)}, row ${q.p.rowIndex + 1}: ${METRIC_LABELS[metric]} ${fmt(q.y)} at ${axisNumber(q.x)}</title></circle>`,
    );
  }
  const allZero = pts.every((q) => q.x === 0)
    ? `<p class="muted">Every plotted row has a ${escapeHtml(axis.label)} of 0.</p>`
    : '';
  const shown = report.models.filter((m) => drawn.has(m.summary.model));
  const key = shown
    .map(
      (m) =>
        `<span class="key"><span class="swatch" style="background:${colour.get(m.summary.model)}"></span>${escapeHtml(m.summary.model)}</span>`,
    )
    .join(' ');
  return `<figure class="scatter"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Wd} ${H}" width="${Wd}" role="img" aria-label="${METRIC_LABELS[metric]} against ${escapeHtml(axis.label)}, one dot per row">${parts.join('')}</svg><figcaption>${key}</figcaption>${allZero}${note}</figure>`;
}
