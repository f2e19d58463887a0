/**
 * The command line of the benches that run several built checkouts side by
 * side (compare.ts, store-pages.ts, per-call.ts): the checkouts named, and
 * their numeric options.
 */
import path from 'node:path';

/** A `--name value` option, a positive number (`integer`: a whole one); `fallback` when it is not given. */
export function option(name: string, fallback: number, integer = true): number {
  const at = process.argv.indexOf(name);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  const valid = integer ? Number.isInteger(value) : Number.isFinite(value);
  if (!valid || value <= 0) throw new Error(`${name} must be a positive ${integer ? 'whole ' : ''}number`);
  return value;
}

/** The checkouts named on the command line (every argument that is not an option or its value), as absolute paths. */
export function checkouts(): string[] {
  const args = process.argv.slice(2);
  const named = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (named.length === 0) throw new Error('name at least one checkout (a built repository directory)');
  return named.map((c) => path.resolve(c));
}

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
