/**
 * Decode-time novelty constraint: a model fitted closely to a small corpus
 * can recite its training texts; this bans any next token that would complete
 * one of a fixed set of token n-grams (in the bundled model, every 8-gram of
 * the training descriptions), so output may reuse phrases but never copies a
 * run of n tokens. Greedy decoding then takes the best token that is allowed.
 *
 * The set is stored in the model folder as `novelty_ngrams.json`:
 * `{ "n": 8, "hash": "fnv1a32-le-ids", "next": { "<prefix hash>": [ids] } }`,
 * keyed by the FNV-1a hash of the first n-1 ids (each id as four little-endian
 * bytes), so one lookup per step finds every banned next id. A hash collision
 * can only ban a token the model was free to use, never let a copy through.
 * tools/lm/targets.py writes the file with the same hash.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelFolderError } from './model-folder.js';

/** The file the table is read from, in the model folder. */
export const NOVELTY_FILE = 'novelty_ngrams.json';
const HASH_NAME = 'fnv1a32-le-ids';

export interface BlockedNgrams {
  /** n-gram size: the last n-1 ids are the key. */
  n: number;
  /** Prefix hash → the ids that would complete a blocked n-gram. */
  next: ReadonlyMap<number, readonly number[]>;
}

/** FNV-1a (32-bit) over ids[start, end), each id as four little-endian bytes. */
export function hashIds(ids: readonly number[], start = 0, end = ids.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const id = ids[i] as number;
    for (let shift = 0; shift < 32; shift += 8) {
      h ^= (id >>> shift) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h;
}

/** Builds the table from token sequences (what the Python tool does; tests use it for fixtures). */
export function blockedNgramsFrom(sequences: readonly (readonly number[])[], n: number): BlockedNgrams {
  if (!Number.isInteger(n) || n < 2) throw new TypeError(`n-gram size must be an integer >= 2; got ${n}`);
  const next = new Map<number, number[]>();
  for (const ids of sequences) {
    for (let i = 0; i + n <= ids.length; i++) {
      const key = hashIds(ids, i, i + n - 1);
      const list = next.get(key) ?? [];
      const id = ids[i + n - 1] as number;
      if (!list.includes(id)) list.push(id);
      next.set(key, list);
    }
  }
  return { n, next };
}

/** Validates the parsed JSON of a novelty file. `source` names it in errors. */
export function parseBlockedNgrams(json: unknown, source: string): BlockedNgrams {
  const o = json as { n?: unknown; hash?: unknown; next?: unknown } | null;
  if (!o || typeof o !== 'object' || !Number.isInteger(o.n) || (o.n as number) < 2) {
    throw new ModelFolderError(`${source}: "n" must be an integer >= 2`);
  }
  if (o.hash !== HASH_NAME) throw new ModelFolderError(`${source}: "hash" must be "${HASH_NAME}"; got ${JSON.stringify(o.hash)}`);
  if (!o.next || typeof o.next !== 'object' || Array.isArray(o.next)) throw new ModelFolderError(`${source}: "next" must be an object`);
  const next = new Map<number, readonly number[]>();
  for (const [key, ids] of Object.entries(o.next as Record<string, unknown>)) {
    if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x))) throw new ModelFolderError(`${source}: next[${key}] must be a list of ids`);
    next.set(Number(key), ids as number[]);
  }
  return { n: o.n as number, next };
}

/**
 * The model folder's table when `size` > 0 and the folder has the file; null
 * otherwise, so models without one decode as before. Throws when the file's n
 * differs from `size` (generation_config and the file would disagree).
 */
export function loadBlockedNgrams(dir: string, size: number): BlockedNgrams | null {
  const file = path.join(dir, NOVELTY_FILE);
  if (size <= 0 || !existsSync(file)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ModelFolderError(`${file} is not valid JSON`, { cause });
  }
  const table = parseBlockedNgrams(json, file);
  if (table.n !== size) throw new ModelFolderError(`${file} holds ${table.n}-grams but novelty_ngram_size is ${size}`);
  return table;
}

/**
 * Sets to -Infinity every id that would complete a blocked n-gram after `ids`
 * (read from index `from`, so left padding never counts). In place.
 */
export function banBlockedNgrams(logits: Float32Array, ids: readonly number[], blocked: BlockedNgrams, from = 0): void {
  if (ids.length - from < blocked.n - 1) return;
  const banned = blocked.next.get(hashIds(ids, ids.length - (blocked.n - 1)));
  if (!banned) return;
  for (const id of banned) if (id < logits.length) logits[id] = -Infinity;
}
