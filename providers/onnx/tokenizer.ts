/**
 * Tokenizer loading for ONNX model folders, on top of @huggingface/tokenizers
 * (pure JS, reads the same tokenizer.json the Rust library writes). Shared by
 * the decoder, encoder and CLIP runners.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelFolderError, idListField, numberField, tokenStringField, type ModelFolder } from './model-folder.js';

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
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  tokenToId(token: string): number | undefined;
  readonly special: SpecialTokens;
  /** The underlying tokenizers.js object, for callers that need more. */
  readonly raw: Tokenizer;
}

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
  const bos = firstDefined(numberField(gen, 'bos_token_id'), numberField(config, 'bos_token_id'), fromString('bos_token'));
  const pad = firstDefined(numberField(gen, 'pad_token_id'), numberField(config, 'pad_token_id'), fromString('pad_token'), eos[0]) ?? 0;
  return { bos, eos, pad };
}

/** Builds the tokenizer of a model folder. Throws ModelFolderError when it has no tokenizer.json. */
export function loadTokenizer(folder: ModelFolder): TextTokenizer {
  if (!folder.tokenizerJson) throw new ModelFolderError(`model folder ${folder.dir} has no tokenizer.json`);
  const raw = new Tokenizer(folder.tokenizerJson, folder.tokenizerConfig);
  const tokenToId = (t: string): number | undefined => raw.token_to_id(t);
  return {
    raw,
    special: resolveSpecialTokens(folder, tokenToId),
    tokenToId,
    encode: (text, options = {}) => raw.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids,
    // Clean-up of tokenization spaces is off so that decoding is prefix-stable,
    // which incremental decoding relies on.
    decode: (ids, options = {}) =>
      ids.length === 0
        ? '' // tokenizers.js throws on an empty list
        : raw.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? true, clean_up_tokenization_spaces: false }),
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

  constructor(private readonly tokenizer: Pick<TextTokenizer, 'decode'>) {}

  /** Adds one id; returns the text it completes ('' while a character is still incomplete). */
  push(id: number): string {
    this.ids.push(id);
    const before = this.tokenizer.decode(this.ids.slice(this.prefix, this.read));
    const after = this.tokenizer.decode(this.ids.slice(this.prefix));
    if (after.length <= before.length || after.endsWith('\uFFFD')) return '';
    this.prefix = this.read;
    this.read = this.ids.length;
    return after.slice(before.length);
  }

  /** Text still held back at the end (an incomplete character), as decoded. */
  flush(): string {
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
