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
    const last = tokens.at(-1);
    if (!isWord && (last === undefined || last.word === '')) continue;
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
  const bWords = b.map((t) => t.word);
  // One row, reused (a row per word of `a` was most of this function's time):
  // run[j] is the length of the shared run ending at the current word of `a`
  // and b[j]; `diag` carries the previous word's run[j - 1] along the row.
  const run = new Int32Array(b.length);
  for (const [i, { word: w }] of a.entries()) {
    let diag = 0;
    // An index loop: iterating the typed array (entries(), for-of) is several times slower here.
    for (let j = 0; j < bWords.length; j++) {
      const above = run[j] ?? 0; // j < run.length
      const len = w !== '' && w === bWords[j] ? diag + 1 : 0;
      diag = above;
      run[j] = len;
      if (len > best.length) best = { length: len, aStart: i + 1 - len, bStart: j + 1 - len };
    }
  }
  return best;
}

/** Index of the first place where `needle`'s words occur consecutively in `haystack`, or -1. */
export function findRun(haystack: readonly Token[], needle: readonly Token[]): number {
  if (needle.length === 0) return -1;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (const [k, t] of needle.entries()) if (haystack[i + k]?.word !== t.word) continue outer;
    return i;
  }
  return -1;
}
