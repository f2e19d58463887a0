/**
 * Every value that reaches a prompt (catalog titles, categories, attributes,
 * colours and materials from a CSV, and the personalization service's
 * segment, tone, locale and keywords) is data, never instruction. One
 * function makes it so: it reduces a value to one bounded line of text that
 * cannot break out of the double quotes it is put in.
 */

/**
 * Characters a value may not carry into a prompt, each replaced by a space:
 * control characters (newlines and tabs included), the Unicode line and
 * paragraph separators, zero-width and bidirectional controls (which can hide
 * text from a reviewer), every kind of double quote (a closing quote would
 * end the data), and brackets, braces, backslashes and bars (chat-template
 * markers such as `<|im_start|>`, `[INST]` and `{{ }}` are made of them).
 */
const BREAKOUT =
  /[\p{Cc}\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"\u201c-\u201f\u2033\u2036\u00ab\u00bb\u02ba\u05f4\u300c-\u300f\u301d-\u301f<>{}[\]\\|]/gu;
/** Single quotes and primes: kept as an ASCII apostrophe, which is part of words ("Levi's") and cannot end double-quoted data. */
const SINGLE_QUOTES = /[`\u00b4\u2018-\u201b\u2032\u2035\u2039\u203a]/gu;

/**
 * One line of plain text from `value`: NFKC (so fullwidth and other
 * compatibility forms of the characters above are caught too), without the
 * characters that could end the data or start markup, whitespace collapsed,
 * and at most `maxChars` characters (whole code points).
 */
export function cleanData(value: string, maxChars: number): string {
  const line = value.normalize('NFKC').replace(BREAKOUT, ' ').replace(SINGLE_QUOTES, "'").replace(/\s+/gu, ' ').trim();
  const chars = [...line];
  return chars.length > maxChars ? chars.slice(0, maxChars).join('').trimEnd() : line;
}

/** `value` as quoted data: `"…"`, cleaned and bounded by cleanData. Empty when nothing is left. */
export function quoteData(value: string, maxChars: number): string {
  const clean = cleanData(value, maxChars);
  return clean ? `"${clean}"` : '';
}

/** A list as comma-separated quoted data: at most `maxItems` non-empty items of at most `maxChars` each. */
export function quoteDataList(
  values: readonly string[] | null | undefined,
  maxItems: number,
  maxChars: number,
): string {
  return (values ?? [])
    .map((v) => quoteData(v, maxChars))
    .filter(Boolean)
    .slice(0, maxItems)
    .join(', ');
}
