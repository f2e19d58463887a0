/**
 * The review page's right-hand side: one description's text with each
 * finding marked at its span (a <mark> with the finding's number, so the
 * highlight does not rest on colour alone) and explained in a list below,
 * and the product record the text was checked against beside it.
 */
import type { Description, Finding, Product } from './api.js';
import { h } from './dom.js';
import { highlightPieces } from './highlight.js';

export const STATUS_WORDS: Record<string, string> = {
  DRAFT: 'Draft',
  IN_REVIEW: 'In review',
  APPROVED: 'Approved',
  PUBLISHED: 'Published',
  REJECTED: 'Rejected',
  SUPERSEDED: 'Superseded',
};

export const VERDICT_WORDS: Record<string, string> = {
  PASS: 'Passes the check',
  REVIEW: 'Needs a look',
  BLOCK: 'Blocked by the check',
};

/** The text with its findings marked; `findings` are in text order, numbered from 1. */
export function markedText(text: string, findings: readonly Finding[]): HTMLElement {
  const paragraph = h('p', { id: 'text', class: 'text' });
  for (const piece of highlightPieces(text, findings)) {
    if (!piece.findings.length) {
      paragraph.append(piece.text);
      continue;
    }
    const marked = piece.findings.flatMap((i) => findings[i] ?? []);
    const severity = marked.some((f) => f.severity === 'BLOCK') ? 'block' : 'review';
    const numbers = piece.findings.map((i) => i + 1);
    paragraph.append(
      h(
        'mark',
        {
          class: severity,
          'aria-describedby': piece.findings.map((i) => `finding-${i + 1}`).join(' '),
          title: marked.map((f) => f.message).join(' · '),
        },
        piece.text,
      ),
      h('sup', { class: 'ref', 'aria-hidden': 'true' }, numbers.join(',')),
    );
  }
  return paragraph;
}

export function findingList(findings: readonly Finding[]): HTMLElement {
  if (!findings.length)
    return h('p', { id: 'findings', class: 'no-findings' }, 'No findings: the text agrees with the product record.');
  return h(
    'ol',
    { id: 'findings', class: 'findings', 'aria-label': 'Findings' },
    ...findings.map((f, i) =>
      h(
        'li',
        { id: `finding-${i + 1}`, class: f.severity.toLowerCase() },
        h('strong', {}, f.severity === 'BLOCK' ? 'Blocks: ' : 'Check: '),
        f.message,
        f.expected ? h('span', { class: 'expected' }, ` The record says: ${f.expected}.`) : null,
        ' ',
        h('small', { class: 'code' }, f.code),
      ),
    ),
  );
}

const list = (values: readonly string[]) => (values.length ? values.join(', ') : '—');

export function productRecord(product: Product | null): HTMLElement {
  if (!product)
    return h(
      'aside',
      { id: 'product', 'aria-label': 'Product record' },
      h('p', {}, 'The product record is not available.'),
    );
  const rows: Array<[string, string]> = [
    ['SKU', product.sku ?? '—'],
    ['Category', product.category ?? '—'],
    ['For', product.gender ?? '—'],
    ['Price', product.price === null ? '—' : product.price.toFixed(2)],
    ['Colours', list(product.colors)],
    ['Sizes', list(product.sizes)],
    ['Materials', list(product.materials)],
    ['Attributes', list(product.attributes)],
  ];
  return h(
    'aside',
    { id: 'product', 'aria-labelledby': 'product-heading' },
    h('h3', { id: 'product-heading' }, 'Product record'),
    h('dl', {}, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    product.referenceDescription
      ? h('details', {}, h('summary', {}, 'Human reference text'), h('p', {}, product.referenceDescription))
      : null,
  );
}

/** Status, version, model, slot and verdict in one line. */
export function metaLine(d: Description): HTMLElement {
  const slot = d.slot ? `${d.slot.locale} · ${d.slot.channel}${d.slot.segment ? ` · ${d.slot.segment}` : ''}` : '';
  const live =
    d.publishedVersion !== null && d.publishedVersion !== d.version
      ? ` (shoppers see version ${d.publishedVersion})`
      : '';
  return h(
    'p',
    { class: 'meta' },
    h('span', { class: `status status-${d.status.toLowerCase()}` }, STATUS_WORDS[d.status] ?? d.status),
    ` · version ${d.version}${live} · ${d.provider}/${d.model} · ${slot} · `,
    h(
      'span',
      { class: `verdict verdict-${d.check.verdict.toLowerCase()}` },
      VERDICT_WORDS[d.check.verdict] ?? d.check.verdict,
    ),
    d.finishReason === 'length' ? ' · cut off by the length limit' : '',
  );
}
