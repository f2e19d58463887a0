/**
 * Small pieces of Python semantics that the reference implementations
 * (NLTK, sumeval) depend on and that JavaScript does differently.
 */

// Python's str.isspace() set (what str.split() with no argument splits on).
// It differs from JS \s: it adds U+001C–U+001F and U+0085, and drops U+FEFF.
const PY_WHITESPACE =
  /[\t\n\v\f\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Python's `str.split()` with no argument: split on runs of whitespace, drop empty ends. */
export function pySplit(text: string): string[] {
  const parts = text.split(PY_WHITESPACE);
  // Leading or trailing whitespace leaves one empty string at that end.
  let start = 0;
  let end = parts.length;
  if (end > 0 && parts[0] === '') start = 1;
  if (end > start && parts[end - 1] === '') end -= 1;
  return start === 0 && end === parts.length ? parts : parts.slice(start, end);
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
    for (let j = 0; j < partials.length; j++) {
      let y = partials[j]!;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n]!;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
