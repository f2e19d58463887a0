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
 *
 * With `"hash": "fnv1a32-le-forms"` the n-grams are of word forms rather than
 * token ids, so that a copy cannot slip through with other punctuation or
 * capitals ("suit chinos, and corduroy" for "suit chinos and corduroy"). A
 * token's form is its bytes with ASCII letters lower-cased and every other
 * ASCII byte (spaces, punctuation) dropped; a token whose form is empty
 * (punctuation, whitespace, special tokens) is skipped, never banned; a
 * form's id is the smallest token id that has it. The table holds n-grams of
 * form ids, and a ban covers every token of the banned form. Needs a
 * byte-level BPE tokenizer, whose tokens' bytes are known.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ModelFolderError, readFolderJson } from '../../onnx/model-folder.js';
import type { TextTokenizer } from '../../onnx/tokenizer.js';

/** The file the table is read from, in the model folder. */
export const NOVELTY_FILE = 'novelty_ngrams.json';
const HASH_IDS = 'fnv1a32-le-ids';
const HASH_FORMS = 'fnv1a32-le-forms';

/** Each token's word form (see above). */
export interface TokenForms {
  /** Token id → its form's id, or -1 when its form is empty. */
  formOf: Int32Array;
  /** Form id → every token id of that form. */
  tokensOf: ReadonlyMap<number, readonly number[]>;
}

export interface BlockedNgrams {
  /** n-gram size: the last n-1 ids (or forms) are the key. */
  n: number;
  /** Prefix hash → the ids (or form ids) that would complete a blocked n-gram. */
  next: ReadonlyMap<number, readonly number[]>;
  /** Set when the n-grams are of word forms; null for token ids. */
  forms: TokenForms | null;
}

const formsCache = new WeakMap<TextTokenizer, TokenForms>();

/** The word forms of a byte-level BPE tokenizer's tokens (memoised per tokenizer). Throws for other tokenizers. */
export function tokenForms(tokenizer: Pick<TextTokenizer, 'tokenBytes' | 'raw'>): TokenForms {
  const known = formsCache.get(tokenizer as TextTokenizer);
  if (known) return known;
  const bytesOf = tokenizer.tokenBytes;
  if (!bytesOf) throw new ModelFolderError(`word-form n-grams (${HASH_FORMS}) need a byte-level BPE tokenizer`);
  let size = 0;
  for (const id of tokenizer.raw.get_vocab(true).values()) size = Math.max(size, id + 1);
  const formOf = new Int32Array(size).fill(-1);
  const firstOf = new Map<string, number>();
  const tokensOf = new Map<number, number[]>();
  for (let id = 0; id < size; id++) {
    let form = '';
    for (const b of bytesOf(id)) {
      if (b >= 0x41 && b <= 0x5a) form += String.fromCharCode(b + 0x20);
      else if ((b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b >= 0x80) form += String.fromCharCode(b);
    }
    if (form === '') continue;
    const f = firstOf.get(form) ?? id;
    firstOf.set(form, f);
    formOf[id] = f;
    const list = tokensOf.get(f);
    if (list) list.push(id);
    else tokensOf.set(f, [id]);
  }
  const out = { formOf, tokensOf };
  formsCache.set(tokenizer as TextTokenizer, out);
  return out;
}

/** A token sequence as form ids: empty forms dropped. */
export function formSequence(ids: readonly number[], forms: TokenForms): number[] {
  const out: number[] = [];
  for (const id of ids) {
    const f = forms.formOf[id] ?? -1;
    if (f >= 0) out.push(f);
  }
  return out;
}

/** FNV-1a (32-bit) over ids[start, end), each id as four little-endian bytes. */
export function hashIds(ids: readonly number[], start = 0, end = ids.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const id = ids[i];
    if (id === undefined) throw new RangeError(`hashIds: end ${end} is past the ${ids.length} ids`);
    for (let shift = 0; shift < 32; shift += 8) {
      h ^= (id >>> shift) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h;
}

/**
 * Builds the table from token sequences (what the Python tool does; tests use
 * it for fixtures). With `forms`, of their word forms.
 */
export function blockedNgramsFrom(
  sequences: readonly (readonly number[])[],
  n: number,
  forms: TokenForms | null = null,
): BlockedNgrams {
  if (!Number.isInteger(n) || n < 2) throw new TypeError(`n-gram size must be an integer >= 2; got ${n}`);
  const next = new Map<number, number[]>();
  for (const tokens of sequences) {
    const ids = forms ? formSequence(tokens, forms) : tokens;
    // Each id that ends an n-gram, keyed by the n-1 before it.
    for (const [last, id] of ids.entries()) {
      if (last < n - 1) continue;
      const key = hashIds(ids, last - n + 1, last);
      const list = next.get(key) ?? [];
      if (!list.includes(id)) list.push(id);
      next.set(key, list);
    }
  }
  return { n, next, forms };
}

/**
 * Validates the parsed JSON of a novelty file. `source` names it in errors. A
 * word-form table needs the model's `tokenizer`.
 */
export function parseBlockedNgrams(
  json: unknown,
  source: string,
  tokenizer?: Pick<TextTokenizer, 'tokenBytes' | 'raw'>,
): BlockedNgrams {
  const o = json as { n?: unknown; hash?: unknown; next?: unknown } | null;
  if (!o || typeof o !== 'object' || !Number.isInteger(o.n) || (o.n as number) < 2) {
    throw new ModelFolderError(`${source}: "n" must be an integer >= 2`);
  }
  if (o.hash !== HASH_IDS && o.hash !== HASH_FORMS) {
    throw new ModelFolderError(
      `${source}: "hash" must be "${HASH_IDS}" or "${HASH_FORMS}"; got ${JSON.stringify(o.hash)}`,
    );
  }
  if (!o.next || typeof o.next !== 'object' || Array.isArray(o.next))
    throw new ModelFolderError(`${source}: "next" must be an object`);
  const next = new Map<number, readonly number[]>();
  for (const [key, ids] of Object.entries(o.next as Record<string, unknown>)) {
    if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x)))
      throw new ModelFolderError(`${source}: next[${key}] must be a list of ids`);
    next.set(Number(key), ids as number[]);
  }
  if (o.hash === HASH_IDS) return { n: o.n as number, next, forms: null };
  if (!tokenizer) throw new ModelFolderError(`${source}: word-form n-grams need the model's tokenizer`);
  try {
    return { n: o.n as number, next, forms: tokenForms(tokenizer) };
  } catch (cause) {
    throw new ModelFolderError(`${source}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The model folder's table when `size` > 0 and the folder has the file; null
 * otherwise, so models without one decode as before. Throws when the file's n
 * differs from `size` (generation_config and the file would disagree).
 */
export function loadBlockedNgrams(
  dir: string,
  size: number,
  tokenizer?: Pick<TextTokenizer, 'tokenBytes' | 'raw'>,
): BlockedNgrams | null {
  const file = path.join(dir, NOVELTY_FILE);
  if (size <= 0 || !existsSync(file)) return null;
  const table = parseBlockedNgrams(readFolderJson(file), file, tokenizer);
  if (table.n !== size) throw new ModelFolderError(`${file} holds ${table.n}-grams but novelty_ngram_size is ${size}`);
  return table;
}

const lastForms: number[] = [];

/**
 * Sets to -Infinity every id that would complete a blocked n-gram after `ids`
 * (read from index `from`, so left padding never counts). In place. For a
 * word-form table the context is the last n-1 non-empty forms, and every
 * token of a banned form is banned.
 */
export function banBlockedNgrams(logits: Float32Array, ids: readonly number[], blocked: BlockedNgrams, from = 0): void {
  const want = blocked.n - 1;
  if (ids.length - from < want) return;
  const forms = blocked.forms;
  if (!forms) {
    const banned = blocked.next.get(hashIds(ids, ids.length - want));
    if (banned) for (const id of banned) if (id < logits.length) logits[id] = -Infinity;
    return;
  }
  lastForms.length = want;
  let k = want;
  for (let i = ids.length - 1; i >= from && k > 0; i--) {
    const id = ids[i];
    const f = id === undefined ? -1 : (forms.formOf[id] ?? -1);
    if (f >= 0) lastForms[--k] = f;
  }
  if (k > 0) return;
  const banned = blocked.next.get(hashIds(lastForms));
  if (!banned) return;
  for (const f of banned) {
    for (const id of forms.tokensOf.get(f) ?? []) if (id < logits.length) logits[id] = -Infinity;
  }
}
