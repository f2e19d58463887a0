/**
 * Deterministic "model output" for the fake providers: text derived from the
 * prompt (it names the product title found there) and hashed bag-of-words
 * embeddings. Pure functions, so tests can compute the expected answer.
 */

/** Pieces of text as the fakes stream them: each word with its trailing whitespace, so `join('')` gives the text back. */
export function tokenize(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** A rough token count (words and punctuation runs), used for `usage`. */
export function countTokens(text: string): number {
  return (text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).length;
}

/** A prompt value without the double quotes v4 puts around data: `"a", "b"` reads `a, b`. */
const unquoted = (value: string | undefined) => value?.replace(/"/g, '').trim();

/**
 * The product the prompt is about: its `Title:` line (v4), or the rest of the
 * line after "following product:" (the prompt builder's earlier wording), else
 * the first line's first six words.
 */
export function productSubject(prompt: string): string {
  const firstLine = prompt.split('\n')[0] ?? '';
  const match = /^Title:[ \t]*([^\n]+)/im.exec(prompt) ?? /following product:[ \t]*([^\n]+)/i.exec(prompt);
  const subject = (unquoted(match?.[1]) ?? firstLine.split(/\s+/).slice(0, 6).join(' ')).trim().replace(/[.:]+$/, '');
  return subject || 'this piece';
}

function attributesOf(prompt: string): string | undefined {
  return unquoted(/^Attributes:\s*(.+)$/im.exec(prompt)?.[1]);
}

const ADJECTIVES = ['versatile', 'easy', 'polished', 'relaxed', 'bright', 'timeless', 'light', 'bold'];

/** The full (untruncated) description the fakes "generate" for a prompt; a seed picks the adjective. */
export function fakeDescription(prompt: string, seed?: number): string {
  const subject = productSubject(prompt);
  const attributes = attributesOf(prompt);
  const adjective = ADJECTIVES[seed === undefined ? 0 : Math.abs(Math.trunc(seed)) % ADJECTIVES.length];
  const detail = attributes ? ` with ${attributes}` : '';
  return `Meet the ${subject}${detail}: a ${adjective} piece for everyday wear. It pairs well with the rest of your wardrobe.`;
}

export interface CompletionParams {
  maxTokens?: number | undefined;
  stop?: readonly string[] | string | undefined;
  seed?: number | undefined;
  /** Answer with the prompt itself instead of a description. */
  echo?: boolean | undefined;
  /** Answer with this text instead of the derived description (stop sequences and max tokens still apply). */
  text?: string | undefined;
}

export interface FakeCompletion {
  text: string;
  /** `stop` for a natural end or a stop sequence, `length` when cut at maxTokens. */
  finish: 'stop' | 'length';
  /** The streamed pieces of `text`. */
  pieces: string[];
}

/** Applies stop sequences and max tokens (one token = one streamed piece) to the fake description (or the echoed prompt). */
export function fakeCompletion(prompt: string, params: CompletionParams = {}): FakeCompletion {
  let text = params.echo ? prompt : (params.text ?? fakeDescription(prompt, params.seed));
  const stops = typeof params.stop === 'string' ? [params.stop] : (params.stop ?? []);
  for (const stop of stops) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0) text = text.slice(0, at);
  }
  let pieces = tokenize(text);
  let finish: FakeCompletion['finish'] = 'stop';
  if (params.maxTokens !== undefined && params.maxTokens >= 0 && pieces.length > params.maxTokens) {
    pieces = pieces.slice(0, params.maxTokens);
    text = pieces.join('');
    finish = 'length';
  }
  return { text, finish, pieces };
}

function fnv1a(word: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < word.length; i += 1) {
    hash ^= word.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Hashed bag of words, L2-normalised: texts sharing words get a positive cosine. */
export function fakeEmbedding(text: string, dimensions = 64): number[] {
  const buckets = new Map<number, number>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const hash = fnv1a(word);
    const bucket = hash % dimensions;
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + (hash & 0x100 ? 1 : -1));
  }
  // A bucket no word hashed to is 0.
  const vector = Array.from({ length: dimensions }, (_, i) => buckets.get(i) ?? 0);
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((v) => v / norm);
}
