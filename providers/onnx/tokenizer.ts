/**
 * Tokenizer loading for ONNX model folders, on top of @huggingface/tokenizers
 * (pure JS, reads the same tokenizer.json the Rust library writes). Shared by
 * the decoder, encoder and CLIP runners.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import {
  ModelFolderError,
  idListField,
  numberField,
  tokenStringField,
  type JsonObject,
  type ModelFolder,
} from './model-folder.js';

/** Special token ids resolved from config, generation config and tokenizer config. */
export interface SpecialTokens {
  bos: number | undefined;
  /** Every id that ends generation; may be empty for encoders. */
  eos: number[];
  /**
   * The padding id. Falls back to the first EOS id (GPT-2 has no pad token);
   * padded positions are masked out, so the choice does not change results.
   */
  pad: number;
}

export interface TextTokenizer {
  /** Token ids of `text`, with the tokenizer's own special tokens (e.g. Llama's BOS) unless told not to. */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  /** Text of `ids`; special tokens are skipped unless `skipSpecialTokens` is false. */
  decode: (ids: readonly number[], options?: { skipSpecialTokens?: boolean }) => string;
  tokenToId(token: string): number | undefined;
  /**
   * The raw bytes of one token, for byte-level BPE tokenizers (GPT-2, Qwen2,
   * Llama 3), whose decoding is the UTF-8 decoding of the tokens' bytes laid
   * end to end; special tokens give no bytes. Undefined for other tokenizers.
   */
  readonly tokenBytes?: ((id: number) => Uint8Array) | undefined;
  readonly special: SpecialTokens;
  /** The underlying tokenizers.js object, for callers that need more. */
  readonly raw: RawTokenizer;
}

/**
 * The part of tokenizers.js's Tokenizer this code uses, as its declaration
 * file states it. That file reaches its class through extensionless relative
 * imports, which NodeNext resolution does not follow, so the imported class
 * has no type of its own here.
 */
export interface RawTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  decode(
    ids: number[],
    options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean | null },
  ): string;
  token_to_id(token: string): number | undefined;
  id_to_token(id: number): string | undefined;
  get_vocab(withAddedTokens?: boolean): Map<string, number>;
}
const RawTokenizerClass = Tokenizer as unknown as new (tokenizerJson: object, tokenizerConfig: object) => RawTokenizer;

function firstDefined(...values: Array<number | undefined>): number | undefined {
  return values.find((v) => v !== undefined);
}

/** Resolves special ids: generation_config wins over config, which wins over tokenizer_config's strings. */
export function resolveSpecialTokens(folder: ModelFolder, tokenToId: (t: string) => number | undefined): SpecialTokens {
  const { config, generationConfig: gen, tokenizerConfig: tc } = folder;
  const fromString = (key: string): number | undefined => {
    const s = tokenStringField(tc, key);
    return s === undefined ? undefined : tokenToId(s);
  };
  const eos = [...new Set([...idListField(gen, 'eos_token_id'), ...idListField(config, 'eos_token_id')])];
  const eosFromTokenizer = fromString('eos_token');
  if (eos.length === 0 && eosFromTokenizer !== undefined) eos.push(eosFromTokenizer);
  const bos = firstDefined(
    numberField(gen, 'bos_token_id'),
    numberField(config, 'bos_token_id'),
    fromString('bos_token'),
  );
  const pad =
    firstDefined(
      numberField(gen, 'pad_token_id'),
      numberField(config, 'pad_token_id'),
      fromString('pad_token'),
      eos[0],
    ) ?? 0;
  return { bos, eos, pad };
}

/** GPT-2's byte → printable-character map: the form byte-level BPE vocabularies write each byte in. */
export function byteLevelChars(): string[] {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const out = new Array<string>(256);
  // The printable bytes stand for themselves; the others, in order, for 256, 257, ...
  for (const b of bytes) out[b] = String.fromCodePoint(b);
  let extra = 0;
  for (let b = 0; b < 256; b++) if (!bytes.includes(b)) out[b] = String.fromCodePoint(256 + extra++);
  return out;
}

/** The same map inverted: character → byte. */
function byteLevelDecoderMap(): Map<string, number> {
  return new Map(byteLevelChars().map((ch, b) => [ch, b]));
}

/**
 * What one token adds to the text, as far as words go: its ASCII characters,
 * with any other byte (part of a multi-byte character) as NUL, and
 * SentencePiece's "▁" as a space. Special tokens give ''.
 */
export function tokenText(tokenizer: Pick<TextTokenizer, 'tokenBytes' | 'raw'>, id: number): string {
  if (tokenizer.tokenBytes)
    return Array.from(tokenizer.tokenBytes(id), (b) => (b < 0x80 ? String.fromCharCode(b) : '\0')).join('');
  const token = tokenizer.raw.id_to_token(id) ?? '';
  if (/^<0x[0-9A-Fa-f]{2}>$/.test(token)) return '\0'; // SentencePiece byte fallback
  return token.replace(/▁/g, ' ');
}

/**
 * Per-token bytes of a byte-level BPE tokenizer.json, or undefined when the
 * tokenizer is not one (another decoder or model type, or a token with a
 * character outside the byte map), in which case callers use decode().
 */
export function byteLevelTokenBytes(json: JsonObject): ((id: number) => Uint8Array) | undefined {
  const decoder = json.decoder as { type?: unknown } | null | undefined;
  const model = json.model as { type?: unknown; vocab?: unknown } | null | undefined;
  if (decoder?.type !== 'ByteLevel' || model?.type !== 'BPE' || !model.vocab || typeof model.vocab !== 'object')
    return undefined;
  const map = byteLevelDecoderMap();
  const table = new Map<number, Uint8Array>();
  const toBytes = (token: string): Uint8Array | undefined => {
    const out: number[] = [];
    for (const ch of token) {
      const b = map.get(ch);
      if (b === undefined) return undefined;
      out.push(b);
    }
    return Uint8Array.from(out);
  };
  for (const [token, id] of Object.entries(model.vocab as Record<string, unknown>)) {
    if (typeof id !== 'number') return undefined;
    const bytes = toBytes(token);
    if (!bytes) return undefined;
    table.set(id, bytes);
  }
  for (const added of (json.added_tokens as
    Array<{ id?: unknown; content?: unknown; special?: unknown }> | undefined) ?? []) {
    if (typeof added.id !== 'number' || typeof added.content !== 'string') return undefined;
    if (added.special === true) {
      table.set(added.id, new Uint8Array(0)); // skipped, as decode() skips special tokens
      continue;
    }
    const bytes = toBytes(added.content);
    if (!bytes) return undefined;
    table.set(added.id, bytes);
  }
  const none = new Uint8Array(0);
  // Ids past the vocabulary (padded embedding rows) decode to nothing, as in decode().
  return (id) => table.get(id) ?? none;
}

/** Builds the tokenizer of a model folder. Throws ModelFolderError when it has no tokenizer.json. */
export function loadTokenizer(folder: ModelFolder): TextTokenizer {
  if (!folder.tokenizerJson) throw new ModelFolderError(`model folder ${folder.dir} has no tokenizer.json`);
  const raw = new RawTokenizerClass(folder.tokenizerJson, folder.tokenizerConfig);
  const tokenToId = (t: string): number | undefined => raw.token_to_id(t);
  return {
    raw,
    special: resolveSpecialTokens(folder, tokenToId),
    tokenToId,
    tokenBytes: byteLevelTokenBytes(folder.tokenizerJson),
    encode: (text, options = {}) => raw.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids,
    // Clean-up of tokenization spaces is off so that decoding is prefix-stable,
    // which incremental decoding relies on.
    decode: (ids, options = {}) =>
      ids.length === 0
        ? '' // tokenizers.js throws on an empty list
        : raw.decode([...ids], {
            skip_special_tokens: options.skipSpecialTokens ?? true,
            clean_up_tokenization_spaces: false,
          }),
  };
}

/**
 * Turns a stream of token ids into text pieces whose concatenation is the
 * decoded text. A byte-level BPE token may hold half of a UTF-8 character,
 * and decoders such as Metaspace treat a leading token differently, so each
 * step decodes a small window (from `prefix`) and emits only the new suffix,
 * holding it back while it ends in an incomplete character (U+FFFD).
 */
export class IncrementalDecoder {
  private readonly ids: number[] = [];
  private prefix = 0;
  private read = 0;
  /** Byte-level tokenizers: a streaming UTF-8 decoder over the tokens' bytes, which holds back incomplete characters itself. */
  private readonly utf8: TextDecoder | undefined;
  private readonly tokenBytes: ((id: number) => Uint8Array) | undefined;

  constructor(private readonly tokenizer: Pick<TextTokenizer, 'decode'> & Partial<Pick<TextTokenizer, 'tokenBytes'>>) {
    this.tokenBytes = tokenizer.tokenBytes;
    this.utf8 = this.tokenBytes ? new TextDecoder('utf-8') : undefined;
  }

  /** Adds one id; returns the text it completes ('' while a character is still incomplete). */
  push(id: number): string {
    this.ids.push(id);
    if (this.utf8 && this.tokenBytes) return this.utf8.decode(this.tokenBytes(id), { stream: true });
    const before = this.tokenizer.decode(this.ids.slice(this.prefix, this.read));
    const after = this.tokenizer.decode(this.ids.slice(this.prefix));
    if (after.length <= before.length || after.endsWith('\uFFFD')) return '';
    this.prefix = this.read;
    this.read = this.ids.length;
    return after.slice(before.length);
  }

  /** Text still held back at the end (an incomplete character), as decoded. */
  flush(): string {
    if (this.utf8) return this.utf8.decode();
    const before = this.tokenizer.decode(this.ids.slice(this.prefix, this.read));
    const after = this.tokenizer.decode(this.ids.slice(this.prefix));
    this.prefix = this.read = this.ids.length;
    return after.length > before.length ? after.slice(before.length) : '';
  }

  /** Every id pushed so far. */
  get tokenIds(): readonly number[] {
    return this.ids;
  }
}
