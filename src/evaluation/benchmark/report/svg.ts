/**
 * Inline SVG charts for the HTML report (no scripts, no external assets):
 * bars with confidence whiskers, and quality-vs-latency / quality-vs-cost
 * scatter plots. Pure string building.
 */
import type { ModelSummary, SummaryMetric } from '../types.js';
import { escapeHtml, fmt, METRIC_LABELS, metricOf } from './format.js';

/** Colour-blind-safe palette (Okabe–Ito), one per model. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

const W = 720;

/** Grouped bars (one group per metric, one bar per model) on a 0–1 axis, with 95% CI whiskers. */
export function scoreBars(models: readonly ModelSummary[], metrics: readonly SummaryMetric[]): string {
  const H = 280;
  const pad = { l: 48, r: 16, t: 16, b: 56 };
  const shown = metrics.filter((m) => models.some((x) => metricOf(x, m)?.mean !== null && metricOf(x, m) !== undefined));
  if (shown.length === 0 || models.length === 0) return '<p class="muted">No scores to chart.</p>';
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - Math.max(0, Math.min(1, v)));
  const groupW = (W - pad.l - pad.r) / shown.length;
  const barW = Math.min(28, (groupW - 16) / models.length);
  const parts: string[] = [];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${pad.l - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${t}</text>`);
  }
  shown.forEach((metric, g) => {
    const x0 = pad.l + g * groupW + (groupW - barW * models.length) / 2;
    models.forEach((m, i) => {
      const s = metricOf(m, metric);
      if (!s || s.mean === null) return;
      const x = x0 + i * barW;
      const colour = PALETTE[i % PALETTE.length];
      parts.push(`<rect x="${x + 2}" y="${y(s.mean)}" width="${barW - 4}" height="${y(0) - y(s.mean)}" fill="${colour}"><title>${escapeHtml(m.model)} ${METRIC_LABELS[metric]}: ${fmt(s.mean)} [${fmt(s.lower)}, ${fmt(s.upper)}]</title></rect>`);
      const cx = x + barW / 2;
      parts.push(`<path d="M${cx} ${y(s.lower!)}V${y(s.upper!)}M${cx - 4} ${y(s.lower!)}h8M${cx - 4} ${y(s.upper!)}h8" stroke="#222" stroke-width="1.5" fill="none"/>`);
    });
    parts.push(`<text x="${pad.l + g * groupW + groupW / 2}" y="${H - pad.b + 18}" text-anchor="middle" font-size="12">${METRIC_LABELS[metric]}</text>`);
  });
  parts.push(legend(models, pad.l, H - 18));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Scores with 95% confidence intervals">${parts.join('')}</svg>`;
}

function legend(models: readonly ModelSummary[], x: number, y: number): string {
  return models
    .map((m, i) => `<rect x="${x + i * 150}" y="${y - 10}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + i * 150 + 18}" y="${y}" font-size="12">${escapeHtml(m.model)}</text>`)
    .join('');
}

/** Quality (one metric's mean) against a cost axis (latency or dollars), one labelled point per model. */
export function scatter(models: readonly ModelSummary[], metric: SummaryMetric, axis: { label: string; value: (m: ModelSummary) => number | null }): string {
  const H = 240;
  const Wd = 340;
  const pad = { l: 48, r: 16, t: 16, b: 40 };
  const pts = models.map((m, i) => ({ m, i, x: axis.value(m), y: metricOf(m, metric)?.mean ?? null })).filter((p) => p.x !== null && p.y !== null) as Array<{ m: ModelSummary; i: number; x: number; y: number }>;
  if (pts.length === 0) return `<p class="muted">No ${escapeHtml(axis.label)} data to chart.</p>`;
  const maxX = Math.max(...pts.map((p) => p.x)) || 1;
  const maxY = Math.max(...pts.map((p) => p.y), 0.0001);
  const sx = (v: number) => pad.l + ((Wd - pad.l - pad.r) * v) / (maxX * 1.15);
  const sy = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / (maxY * 1.15));
  const parts = [
    `<line x1="${pad.l}" y1="${H - pad.b}" x2="${Wd - pad.r}" y2="${H - pad.b}" stroke="#888"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#888"/>`,
    `<text x="${(Wd + pad.l) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeHtml(axis.label)} (lower is better)</text>`,
    `<text x="14" y="${(H - pad.b + pad.t) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${(H - pad.b + pad.t) / 2})">${METRIC_LABELS[metric]}</text>`,
    `<text x="${pad.l - 4}" y="${pad.t + 4}" text-anchor="end" font-size="10">${fmt(maxY * 1.15, 2)}</text>`,
    `<text x="${Wd - pad.r}" y="${H - pad.b + 14}" text-anchor="end" font-size="10">${fmt(maxX * 1.15, maxX < 1 ? 4 : 0)}</text>`,
  ];
  for (const p of pts) {
    parts.push(`<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="6" fill="${PALETTE[p.i % PALETTE.length]}"><title>${escapeHtml(p.m.model)}</title></circle>`);
    parts.push(`<text x="${sx(p.x) + 9}" y="${sy(p.y) + 4}" font-size="12">${escapeHtml(p.m.model)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Wd} ${H}" width="${Wd}" role="img" aria-label="${METRIC_LABELS[metric]} against ${escapeHtml(axis.label)}">${parts.join('')}</svg>`;
}
