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
 * `longestCommonRun` and `findRun` never span two sentences. Its words are
 * `wordTokens(text)`'s, in order: the breaks' pattern holds no letter or digit.
 */
export function sentenceTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(/([\p{L}\p{N}]+)|[.!?]+(?=\s|$)|\n/gu)) {
    const isWord = m[1] !== undefined;
    const last = tokens.at(-1);
    if (!isWord && (last === undefined || last.word === '')) continue;
    tokens.push({ word: isWord ? m[0].toLowerCase() : '', start: m.index, end: m.index + m[0].length });
  }
  return tokens;
}

/** Where each word occurs in a token list, for `longestCommonRun`; sentence breaks are left out. */
export type WordPositions = ReadonlyMap<string, readonly number[]>;

/** Each word's positions in `tokens`, ascending. */
export function wordPositions(tokens: readonly Token[]): WordPositions {
  const positions = new Map<string, number[]>();
  for (const [j, { word }] of tokens.entries()) {
    if (word === '') continue;
    const at = positions.get(word);
    if (at) at.push(j);
    else positions.set(word, [j]);
  }
  return positions;
}

/**
 * The longest run of consecutive words shared by `a` and `b` (longest common
 * substring over tokens): its length and where it starts in each; of equally
 * long runs, the one that ends first in `a`, then in `b`. `positions` is
 * `wordPositions(b)`, which a caller comparing many texts with one `b` keeps.
 *
 * Only the places where a word of `a` occurs in `b` are visited, so the cost
 * is the number of matching word pairs rather than |a|·|b|: descriptions
 * share few words with a reference, each a few times.
 */
export function longestCommonRun(
  a: readonly Token[],
  b: readonly Token[],
  positions: WordPositions = wordPositions(b),
): { length: number; aStart: number; bStart: number } {
  let best = { length: 0, aStart: 0, bStart: 0 };
  let bestEnd = -1;
  // run[j]: the length of the shared run ending at b[j] and the word of `a` in
  // row[j]; a run left by an older word than the previous one counts as 0.
  const run = new Int32Array(b.length);
  const row = new Int32Array(b.length).fill(-1);
  for (const [i, { word }] of a.entries()) {
    const at = positions.get(word);
    if (!at) continue;
    // Backwards, so that run[j - 1] still holds the previous word's run when run[j] is written.
    for (let k = at.length - 1; k >= 0; k--) {
      const j = at[k] ?? 0; // k < at.length
      const len = j > 0 && row[j - 1] === i - 1 ? (run[j - 1] ?? 0) + 1 : 1;
      run[j] = len;
      row[j] = i;
      // Of ties in one word of `a`, the first place in `b` wins, as a forward scan would have it.
      if (len > best.length || (len === best.length && bestEnd === i)) {
        best = { length: len, aStart: i + 1 - len, bStart: j + 1 - len };
        bestEnd = i;
      }
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
