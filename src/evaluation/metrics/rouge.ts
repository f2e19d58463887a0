/**
 * ROUGE-N and ROUGE-L F-measures, computed exactly as sumeval's
 * `RougeCalculator(stopwords=False, lang="en")` does (`rouge_n`, `rouge_l`).
 */
import stopword from 'stopword';

export interface RougeOptions {
  /**
   * F-measure weight: `F = 1 / (alpha / P + (1 - alpha) / R)`; towards 0 favours
   * recall, towards 1 precision. Default `0.5` (sumeval's default).
   */
  readonly alpha?: number;
  /**
   * Remove stop words after tokenising. `true` uses the English list of the npm
   * package `stopword`; a list uses those words. Default `false`, which is what
   * matches sumeval's `stopwords=False`. Enabling it does NOT match sumeval's
   * `stopwords=True` (that uses ROUGE-1.5.5's list, which we do not ship).
   */
  readonly stopwords?: boolean | readonly string[];
}

let englishStopwords: ReadonlySet<string> | undefined;

function stopwordSet(option: RougeOptions['stopwords']): ReadonlySet<string> | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return (englishStopwords ??= new Set(stopword.eng));
  return new Set(option);
}

/**
 * sumeval's English tokenisation: hyphens are split off, every character other
 * than ASCII letters, digits and '-' becomes a space, tokens that do not start
 * with a letter, digit or '$' are dropped (so lone hyphens go), then lower-case.
 * Since '$' is itself replaced by a space, what survives is exactly the runs of
 * ASCII letters and digits.
 */
export function rougeTokenize(text: string, options: RougeOptions = {}): string[] {
  const words = (text.match(/[A-Za-z0-9]+/g) ?? []).map((w) => w.toLowerCase());
  const stop = stopwordSet(options.stopwords);
  return stop ? words.filter((w) => !stop.has(w)) : words;
}

/**
 * ROUGE-N F-measure of `candidate` (sumeval's "summary") against one or more
 * references, equal to sumeval `rouge_n(candidate, references, n)`.
 * Returns 0 when either side has no n-gram (sumeval's safe division).
 */
export function rougeN(
  reference: string | readonly string[],
  candidate: string,
  n: number,
  options: RougeOptions = {},
): number {
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`rougeN: n must be a positive integer, got ${n}`);
  const references = typeof reference === 'string' ? [reference] : reference;
  const summary = rougeTokenize(candidate, options);
  const summaryNgrams = countNgrams(summary, n);
  let matches = 0;
  let countForRecall = 0;
  for (const r of references) {
    const tokens = rougeTokenize(r, options);
    const refNgrams = countNgrams(tokens, n);
    for (const [gram, count] of summaryNgrams) matches += Math.min(count, refNgrams.get(gram) ?? 0);
    countForRecall += lenNgram(tokens, n);
  }
  const countForPrecision = references.length * lenNgram(summary, n);
  return calcF1(matches, countForRecall, countForPrecision, options.alpha ?? 0.5);
}

/**
 * ROUGE-L (longest common subsequence) F-measure, equal to sumeval
 * `rouge_l(candidate, references)`: LCS lengths and token counts are summed
 * over the references before dividing.
 */
export function rougeL(reference: string | readonly string[], candidate: string, options: RougeOptions = {}): number {
  const references = typeof reference === 'string' ? [reference] : reference;
  const summary = rougeTokenize(candidate, options);
  let matches = 0;
  let countForRecall = 0;
  for (const r of references) {
    const tokens = rougeTokenize(r, options);
    matches += lcsLength(tokens, summary);
    countForRecall += tokens.length;
  }
  const countForPrecision = references.length * summary.length;
  return calcF1(matches, countForRecall, countForPrecision, options.alpha ?? 0.5);
}

function lenNgram(words: readonly string[], n: number): number {
  return Math.max(words.length - n + 1, 0);
}

function countNgrams(words: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  if (n === 1) {
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
    return counts;
  }
  for (let i = 0; i + n <= words.length; i++) {
    const key = words.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** sumeval's `_calc_f1`, with its operation order kept so results round identically. */
function calcF1(matches: number, countForRecall: number, countForPrecision: number, alpha: number): number {
  const safeDiv = (x1: number, x2: number): number => (x2 === 0 ? 0 : x1 / x2);
  const recall = safeDiv(matches, countForRecall);
  const precision = safeDiv(matches, countForPrecision);
  const denom = (1.0 - alpha) * precision + alpha * recall;
  return safeDiv(precision * recall, denom);
}

/** Length of the longest common subsequence, in one row of memory. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const [longer, base] = a.length < b.length ? [b, a] : [a, b];
  if (base.length === 0) return 0;
  const row = new Array<number>(base.length).fill(0);
  let left = 0;
  for (const ca of longer) {
    left = 0;
    let upperLeft = 0;
    for (let i = 0; i < base.length; i++) {
      const up = row[i] ?? 0; // row is as long as base
      const v = ca === base[i] ? upperLeft + 1 : Math.max(left, up);
      row[i] = v;
      left = v;
      upperLeft = up;
    }
  }
  return left;
}
