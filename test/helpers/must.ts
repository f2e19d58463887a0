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
