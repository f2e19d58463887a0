/**
 * Tokens for the fact check: words with their offsets, the sentence they are
 * in, and whether punctuation separates them from the word before. Vocabulary
 * phrases are tokenized the same way, so "T-shirt", "t shirt" and "T-shirts"
 * meet on one form.
 */

export interface FactToken {
  /** As written. */
  readonly raw: string;
  readonly lower: string;
  /** Lower case, possessive and plural endings dropped: the form phrases match on. */
  readonly stem: string;
  /** Offsets into the text (JavaScript string indices). */
  readonly start: number;
  readonly end: number;
  readonly sentence: number;
  /**
   * True when only spaces, hyphens, slashes or apostrophes stand between this
   * token and the one before it in the same sentence: a phrase may span them,
   * never a comma, colon, bracket, quote or spaced dash.
   */
  readonly joined: boolean;
  /** Starts with a capital letter. */
  readonly capital: boolean;
}

export interface FactSentence {
  readonly start: number;
  /** End of its last token, or of the punctuation that closes it. */
  readonly end: number;
  readonly firstToken: number;
  /** One past its last token. */
  readonly endToken: number;
  /** Whether . ! ? or … closes it (else the text stops, or a line ends, without one). */
  readonly closed: boolean;
}

export interface TokenizedText {
  readonly text: string;
  readonly tokens: readonly FactToken[];
  readonly sentences: readonly FactSentence[];
}

/**
 * Token `i` of `doc`, for positions a rule took from the text itself (a
 * match's start, a sentence's last token): a missing one is a bug in the rule.
 */
export function tokenAt(doc: TokenizedText, i: number): FactToken {
  const token = doc.tokens[i];
  if (token === undefined) throw new Error(`fact check: no token ${i} in a text of ${doc.tokens.length}`);
  return token;
}

/** Whether tokens `a` and `b` of `doc` are in one sentence. */
export const sameSentence = (doc: TokenizedText, a: number, b: number): boolean =>
  tokenAt(doc, a).sentence === tokenAt(doc, b).sentence;

// Numbers keep their thousands and decimal separators ("10,000", "9.5") unless
// letters follow ("3XL", "2Y" are one token); words keep inner apostrophes.
const TOKEN = /\p{N}+(?:[.,]\p{N}+)*(?!\p{L})|[\p{L}\p{N}]+(?:['’]\p{L}+)*|[%£$€&+*]/gu;
const JOINER = /^[\s\-‐'’/]*$/u;
const SPACED_DASH = /\s[-‐–—]\s|[–—]/u;
const SENTENCE_END = /[.!?…]/u;

/** The form phrases match on: lower case, "’" as "'", possessive and plural endings dropped. */
export function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.includes('’')) w = w.replace(/’/g, "'");
  if (w.endsWith("'s")) w = w.slice(0, -2);
  else if (w.endsWith("'")) w = w.slice(0, -1);
  // Only words of four or more plain letters ending in s lose an ending.
  if (w.length <= 3 || w.charCodeAt(w.length - 1) !== 115 /* s */ || !/^[a-z]+$/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (/(?:ss|sh|ch|x|z)es$/.test(w)) return w.slice(0, -2);
  if (/(?:ss|us|is)$/.test(w)) return w;
  return w.slice(0, -1);
}

export function tokenize(text: string): TokenizedText {
  const tokens: FactToken[] = [];
  const sentences: FactSentence[] = [];
  let sentence = 0;
  let sentenceStart = 0;
  let sentenceFirst = 0;
  let prevEnd = 0;
  const closeSentence = (end: number, closed: boolean): void => {
    if (tokens.length > sentenceFirst) {
      sentences.push({ start: sentenceStart, end, firstToken: sentenceFirst, endToken: tokens.length, closed });
      sentence += 1;
    }
    sentenceFirst = tokens.length;
  };
  for (const m of text.matchAll(TOKEN)) {
    const raw = m[0];
    const start = m.index;
    const gap = text.slice(prevEnd, start);
    if (tokens.length > 0 && (SENTENCE_END.test(gap) || gap.includes('\n'))) {
      const closing = gap.search(SENTENCE_END);
      closeSentence(closing >= 0 ? prevEnd + closing + 1 : prevEnd, closing >= 0);
    }
    if (tokens.length === sentenceFirst) sentenceStart = start;
    const joined = tokens.length > sentenceFirst && JOINER.test(gap) && !SPACED_DASH.test(gap);
    const word = raw === '&' ? 'and' : raw;
    tokens.push({
      raw,
      lower: word.toLowerCase(),
      stem: stem(word),
      start,
      end: start + raw.length,
      sentence,
      joined,
      capital: /^\p{Lu}/u.test(raw),
    });
    prevEnd = start + raw.length;
  }
  const tail = text.slice(prevEnd);
  const closing = tail.search(SENTENCE_END);
  closeSentence(closing >= 0 ? prevEnd + closing + 1 : prevEnd, closing >= 0);
  return { text, tokens, sentences };
}
