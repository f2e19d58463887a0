/**
 * Small pieces of Python semantics that the reference implementations
 * (NLTK, sumeval) depend on and that JavaScript does differently.
 */

/**
 * Python's str.isspace() set (what str.split() with no argument splits on).
 * It differs from JS \s: it adds U+001C–U+001F and U+0085, and drops U+FEFF.
 */
export function isPySpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Python's `str.split()` with no argument: split on runs of whitespace, drop empty ends. */
export function pySplit(text: string): string[] {
  // A plain scan: this runs for every text every metric sees, and beats a regex split.
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isPySpace(text.charCodeAt(i))) {
      if (start >= 0) {
        out.push(text.slice(start, i));
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
}

/**
 * Python's `math.fsum`: the correctly rounded sum of the inputs (Shewchuk's
 * exact partials, then the same half-even correction CPython applies), so
 * BLEU's log-sum rounds exactly as NLTK's does.
 */
export function fsum(values: Iterable<number>): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    // Writes go to partials[i] with i <= the index being read, so reading on is safe.
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  // Sum from the top partial down, stopping at the first inexact step.
  const top = partials.pop();
  if (top === undefined) return 0;
  let hi = top;
  let lo = 0;
  for (let y = partials.pop(); y !== undefined; y = partials.pop()) {
    const x = hi;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  const below = partials.at(-1);
  if (below !== undefined && ((lo < 0 && below < 0) || (lo > 0 && below > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
