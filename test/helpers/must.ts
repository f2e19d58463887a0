// A test reads an element it expects to be there (rows[0], a Map's entry, a
// regex group). With noUncheckedIndexedAccess that read is typed T |
// undefined; must() narrows it and fails the test at that line, naming what
// was missing, where a ! would let undefined through to a confusing failure
// further on.
import assert from 'node:assert/strict';

/** The value, or a failed assertion that names `what` when it is null or undefined. */
export function must<T>(value: T, what = 'value'): NonNullable<T> {
  assert.ok(value !== undefined && value !== null, `expected ${what} to be present`);
  return value;
}

/**
 * The first `n` elements of `xs` as a tuple, or a failed assertion naming
 * `what` when there are fewer: `const [a, b] = mustHave(ids, 2, 'product ids')`.
 */
export function mustHave<T>(xs: readonly T[], n: 1, what?: string): [T];
export function mustHave<T>(xs: readonly T[], n: 2, what?: string): [T, T];
export function mustHave<T>(xs: readonly T[], n: 3, what?: string): [T, T, T];
export function mustHave<T>(xs: readonly T[], n: 4, what?: string): [T, T, T, T];
export function mustHave<T>(xs: readonly T[], n: number, what = 'elements'): T[] {
  assert.ok(xs.length >= n, `expected ${n} ${what}, got ${xs.length}`);
  return xs.slice(0, n);
}
