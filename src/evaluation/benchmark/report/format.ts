/** Number and text formatting shared by the HTML and Markdown reports. Pure. */
import type { MetricSummary, ModelSummary, SummaryMetric } from '../types.js';

export const METRIC_LABELS: Readonly<Record<SummaryMetric, string>> = {
  bleu: 'BLEU',
  rouge1: 'ROUGE-1',
  rouge2: 'ROUGE-2',
  rougeL: 'ROUGE-L',
  meteor: 'METEOR',
  semantic: 'Semantic similarity',
  clipScore: 'CLIP score',
  clipReferenceDelta: 'CLIP reference delta',
};

export const fmt = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
export const fmtMs = (v: number | null): string => (v === null ? '—' : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
export const fmtUsd = (v: number | null): string =>
  v === null ? 'unknown' : v === 0 ? '$0' : `$${v < 0.01 ? v.toPrecision(2) : v.toFixed(4)}`;
/** A p-value for a table cell: "0.017", "< 0.001". */
export const fmtP = (p: number | null): string => (p === null ? '—' : p < 0.001 ? '< 0.001' : p.toFixed(3));
/** A p-value in a sentence: "p = 0.017", "p < 0.001". */
export const pText = (p: number | null): string =>
  p === null ? 'p unknown' : p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;

export function metricOf(m: ModelSummary, metric: SummaryMetric): MetricSummary | undefined {
  return m.metrics.find((x) => x.metric === metric);
}

/** "0.412 [0.371, 0.455]", or "null (REASON)". */
export function fmtInterval(s: MetricSummary | undefined, digits = 3): string {
  if (!s) return '—';
  if (s.mean === null) return `null (${s.reason ?? 'no value'})`;
  return `${fmt(s.mean, digits)} [${fmt(s.lower, digits)}, ${fmt(s.upper, digits)}]`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  // The pattern matches only HTML_ESCAPES' keys.
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

export const escapeMd = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
