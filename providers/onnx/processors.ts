/**
 * The generic decoding rules, each a LogitsProcessor with Hugging Face's
 * semantics and generation_config field: min_new_tokens, no_repeat_ngram_size,
 * bad_words_ids, repetition_penalty and forced_eos_token_id. The warpers
 * (temperature, top-k, top-p, min-p) are the token choice itself
 * (sampling.ts), which applies them together without sorting the vocabulary.
 * Pure: no I/O.
 */
import { TOUCHES_NONE, type LogitsProcessor, type RowState } from './logits-processor.js';

/**
 * HF's no_repeat_ngram_size: sets to -Infinity every token that would
 * complete an n-gram already present in `ids`, reading `ids` from index
 * `from` (so left padding need not be sliced off). In place; with `undo`,
 * each ban also pushes its id and the value it replaced.
 */
export function banRepeatedNgrams(
  logits: Float32Array,
  ids: readonly number[],
  n: number,
  from = 0,
  undo?: number[],
): void {
  if (n <= 0 || ids.length - from < n) return;
  const start = ids.length - (n - 1);
  for (let i = from; i + n <= ids.length; i++) {
    let match = true;
    for (let j = 0; j < n - 1 && match; j++) match = ids[i + j] === ids[start + j];
    if (!match) continue;
    const id = ids[i + n - 1];
    const v = id === undefined ? undefined : logits[id];
    if (id === undefined || v === undefined) continue;
    // undo: (id, value before) pairs, so a caller can take the bans back.
    if (undo) undo.push(id, v);
    logits[id] = -Infinity;
  }
}

// keepOnly's saved logits, reused from call to call.
let keptLogits = new Float32Array(64);

/** Sets every logit but those of `ids` to -Infinity, in place: one fill, the kept values put back after it. */
export function keepOnly(logits: Float32Array, ids: readonly number[]): void {
  if (keptLogits.length < ids.length) keptLogits = new Float32Array(ids.length * 2);
  const kept = keptLogits;
  for (const [i, id] of ids.entries()) {
    const v = logits[id];
    if (v === undefined) throw new RangeError(`keepOnly: token ${id} is past the ${logits.length} logits`);
    kept[i] = v;
  }
  logits.fill(-Infinity);
  for (const [i, id] of ids.entries()) logits[id] = kept[i] ?? -Infinity;
}

/** HF's min_new_tokens: every EOS id is -Infinity until the row has made `minNewTokens` tokens. */
export class MinNewTokens implements LogitsProcessor {
  constructor(
    private readonly minNewTokens: number,
    private readonly eos: readonly number[],
  ) {}

  process(scores: Float32Array, row: RowState): undefined {
    if (row.generated >= this.minNewTokens) return;
    for (const id of this.eos) if (id < scores.length) scores[id] = -Infinity;
  }

  touches(row: RowState): readonly number[] {
    return row.generated >= this.minNewTokens ? TOUCHES_NONE : this.eos;
  }
}

/** HF's no_repeat_ngram_size: no n-gram of this size occurs twice in prompt and output. */
export class NoRepeatNgram implements LogitsProcessor {
  constructor(private readonly n: number) {}

  process(scores: Float32Array, row: RowState): undefined {
    banRepeatedNgrams(scores, row.tokens, this.n, row.padding);
  }

  /** A banned id completes an n-gram of the row's own tokens: one it has seen. */
  touches(row: RowState): readonly number[] {
    return row.seen.list;
  }
}

/**
 * HF's bad_words_ids: a one-id sequence is never generated; a longer one is
 * never completed (its last id is banned where the tokens so far end with
 * the rest of it, prompt included).
 */
export class BadWords implements LogitsProcessor {
  private readonly always: number[];
  private readonly sequences: ReadonlyArray<readonly number[]>;
  /** Every id this rule can ban. */
  private readonly banned: readonly number[];

  constructor(badWordsIds: ReadonlyArray<readonly number[]>) {
    this.always = badWordsIds.filter((s) => s.length === 1).flat();
    this.sequences = badWordsIds.filter((s) => s.length > 1);
    // Each sequence's last id (none of an empty one).
    this.banned = [...new Set(badWordsIds.flatMap((s) => s.slice(-1)))];
  }

  touches(): readonly number[] {
    return this.banned;
  }

  process(scores: Float32Array, row: RowState): undefined {
    for (const id of this.always) if (id < scores.length) scores[id] = -Infinity;
    const { tokens, padding } = row;
    for (const seq of this.sequences) {
      const prefix = seq.length - 1;
      if (tokens.length - padding < prefix) continue;
      let match = true;
      for (let j = 0; j < prefix && match; j++) match = tokens[tokens.length - prefix + j] === seq[j];
      const last = seq[prefix];
      if (match && last !== undefined && last < scores.length) scores[last] = -Infinity;
    }
  }
}

/**
 * HF's repetition_penalty: for every id already in the sequence (prompt
 * included), a positive logit is divided by the penalty and a negative one
 * multiplied, so the token always becomes less likely.
 */
export class RepetitionPenalty implements LogitsProcessor {
  constructor(private readonly penalty: number) {}

  process(scores: Float32Array, row: RowState): undefined {
    applyRepetitionPenalty(scores, row.seen.list, this.penalty);
  }

  touches(row: RowState): readonly number[] {
    return row.seen.list;
  }
}

/** The penalty over `seen`, each id once however often it occurs (HF gathers and scatters by id). In place. */
export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  const ids = Array.isArray(seen) ? (seen as readonly number[]) : [...new Set(seen)];
  for (const id of ids) {
    const l = logits[id];
    if (l === undefined) continue;
    logits[id] = l < 0 ? l * penalty : l / penalty;
  }
}

/** HF's forced_eos_token_id: the row's last token (at max_new_tokens) is this id. */
export class ForcedEos implements LogitsProcessor {
  private readonly only: readonly number[];

  constructor(private readonly id: number) {
    this.only = [id];
  }

  process(scores: Float32Array, row: RowState): readonly number[] | null {
    if (row.generated !== row.maxNewTokens - 1 || this.id >= scores.length) return null;
    scores.fill(-Infinity);
    scores[this.id] = 0;
    return this.only;
  }

  /** When it changes scores it gives a short list, and the blocks are not read. */
  touches(): readonly number[] {
    return TOUCHES_NONE;
  }
}

/** The generic rules' settings (generation_config's fields; see generation-params.ts). */
export interface ProcessorSettings {
  minNewTokens: number;
  noRepeatNgramSize: number;
  badWordsIds: ReadonlyArray<readonly number[]>;
  repetitionPenalty: number;
  forcedEosTokenId: number | null;
}

/**
 * A row's processors in the order they run: min_new_tokens, the model's
 * plugin (`own`, whose rules may add to scores and so come before the
 * penalty, as they always have), no_repeat_ngram_size, bad_words_ids, the
 * repetition penalty, and forced_eos_token_id last, so that it wins. Rules
 * that are off are left out.
 */
export function rowProcessors(
  settings: ProcessorSettings,
  eos: readonly number[],
  own: LogitsProcessor | null = null,
): LogitsProcessor[] {
  const list: LogitsProcessor[] = [];
  if (settings.minNewTokens > 0 && eos.length > 0) list.push(new MinNewTokens(settings.minNewTokens, eos));
  if (own) list.push(own);
  if (settings.noRepeatNgramSize > 0) list.push(new NoRepeatNgram(settings.noRepeatNgramSize));
  if (settings.badWordsIds.length > 0) list.push(new BadWords(settings.badWordsIds));
  if (settings.repetitionPenalty !== 1) list.push(new RepetitionPenalty(settings.repetitionPenalty));
  if (settings.forcedEosTokenId !== null) list.push(new ForcedEos(settings.forcedEosTokenId));
  return list;
}
