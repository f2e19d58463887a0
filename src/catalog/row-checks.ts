/**
 * Checks on the values of one imported catalog row, pure. Each returns a
 * message for the row's error, or null when the value is fine; the CSV
 * import turns a message into a row error with a stable code.
 */
import { naturalKey } from '../storage/product-keys.js';
import type { ProductInput } from '../storage/types.js';

/** Longest title, in characters as a reader counts them (grapheme clusters: one emoji or accented letter is one). */
export const MAX_TITLE_CHARACTERS = 200;
/** Highest price accepted: above it, a price is a typo or an attack, not a garment. */
export const MAX_PRICE = 1_000_000;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Characters as a reader counts them, not UTF-16 units. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count += 1;
  return count;
}

/**
 * A price as written in a catalog: digits with at most two decimals, after an
 * optional currency sign. Not `Number()`'s wider grammar, which takes hex
 * (`0x10`), exponents (`1e308`) and `Infinity`.
 */
export function parsePrice(raw: string): { price: number } | { problem: string } {
  const amount = raw.replace(/^[€$£]\s*/, '');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(amount)) return { problem: `price ${JSON.stringify(raw)} is not an amount like 89 or 89.90 (digits, at most 2 decimals)` };
  const price = Number(amount);
  if (price > MAX_PRICE) return { problem: `price ${JSON.stringify(raw)} is over the highest accepted price of ${MAX_PRICE}` };
  return { price };
}

/**
 * C0 and C1 control characters (a NUL, an escape) and the bidirectional
 * embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069),
 * which make text display in another order than it is stored. A tab is
 * whitespace and passes; line breaks pass where `multiline` allows them.
 */
const CONTROL = /(?![\t\n\r])\p{Cc}/u;
const LINE_BREAKS = /[\n\r]/u;
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;

/** Names the first control or bidi-control character in `text`, or null when there is none. */
export function forbiddenCharacter(field: string, text: string, options: { multiline: boolean }): string | null {
  for (const [index, char] of [...text].entries()) {
    const bidi = BIDI_CONTROL.test(char);
    if (!bidi && !CONTROL.test(char) && (options.multiline || !LINE_BREAKS.test(char))) continue;
    // A character of [...text] is one whole code point.
    const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `${field} contains ${code} (${bidi ? 'a bidirectional control' : 'a control character'}) at character ${index + 1}`;
  }
  return null;
}

/** A path relative to the app's own image host, as the chapter-4 CSV writes them (`data/img/image_1.jpg`). */
const RELATIVE_IMAGE = /^(?!\/\/)[A-Za-z0-9._~%+\-/]+$/;

/**
 * An image reference a client can show safely: an absolute http(s) URL with
 * no credentials in it, or a plain relative path (no scheme, no `..`). Any
 * other scheme (`javascript:`, `data:`, `file:`) is refused.
 */
export function imageUrlProblem(value: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `product_image ${JSON.stringify(value.slice(0, 100))} is not a valid URL`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `product_image must be an http(s) URL or a relative path, not a ${url.protocol} URL`;
    if (url.username || url.password) return 'product_image must not carry credentials';
    return null;
  }
  if (!RELATIVE_IMAGE.test(value) || value.split('/').includes('..')) {
    return `product_image ${JSON.stringify(value.slice(0, 100))} must be an http(s) URL or a relative path of letters, digits and - . _ ~ % + /`;
  }
  return null;
}

/** A row as the duplicate check needs it. */
export interface KeyedRow {
  line: number;
  product: Pick<ProductInput, 'sku' | 'title'>;
}

/**
 * Rows that repeat an earlier row's SKU (or, without a SKU, its title): the
 * first is imported and each later one reported, instead of the last one
 * silently winning. Returns, by line, the line of the row each repeats.
 */
export function repeatedRows(rows: readonly KeyedRow[]): Map<number, number> {
  const first = new Map<string, number>();
  const repeats = new Map<number, number>();
  for (const row of rows) {
    const key = naturalKey(row.product);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, row.line);
    else repeats.set(row.line, earlier);
  }
  return repeats;
}
