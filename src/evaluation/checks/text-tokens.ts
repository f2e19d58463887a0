/** Word tokens with their character offsets, shared by the leakage and coverage checks. */

export interface Token {
  /** Lower-cased word. */
  readonly word: string;
  /** Offsets into the original text (JavaScript string indices). */
  readonly start: number;
  readonly end: number;
}

/** Runs of letters and digits, lower-cased; punctuation, hyphens and spaces separate words. */
export function wordTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    tokens.push({ word: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  }
  return tokens;
}

/**
 * Word tokens with a sentence break token (word `''`, never equal to a word)
 * wherever . ! ? ends a sentence or a line ends, so that shared runs found by
 * `longestCommonRun` and `findRun` never span two sentences.
 */
export function sentenceTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+|[.!?]+(?=\s|$)|\n/gu)) {
    const isWord = /[\p{L}\p{N}]/u.test(m[0]);
    if (!isWord && (tokens.length === 0 || tokens[tokens.length - 1].word === '')) continue;
    tokens.push({ word: isWord ? m[0].toLowerCase() : '', start: m.index, end: m.index + m[0].length });
  }
  return tokens;
}

/**
 * The longest run of consecutive words shared by `a` and `b` (longest common
 * substring over tokens, O(|a|·|b|)): its length and where it starts in each.
 */
export function longestCommonRun(
  a: readonly Token[],
  b: readonly Token[],
): { length: number; aStart: number; bStart: number } {
  let best = { length: 0, aStart: 0, bStart: 0 };
  // Two rows, reused: a row per word of `a` was most of this function's time.
  let prev = new Int32Array(b.length + 1);
  let row = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const w = a[i - 1].word;
    for (let j = 1; j <= b.length; j++) {
      if (w !== '' && w === b[j - 1].word) {
        const len = prev[j - 1] + 1;
        row[j] = len;
        if (len > best.length) best = { length: len, aStart: i - len, bStart: j - len };
      } else {
        row[j] = 0;
      }
    }
    [prev, row] = [row, prev];
  }
  return best;
}

/** Index of the first place where `needle`'s words occur consecutively in `haystack`, or -1. */
export function findRun(haystack: readonly Token[], needle: readonly Token[]): number {
  if (needle.length === 0) return -1;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k].word !== needle[k].word) continue outer;
    return i;
  }
  return -1;
}
