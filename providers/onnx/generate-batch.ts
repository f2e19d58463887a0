/**
 * Runs one batch of rows to completion: left-padded prefill, then one token
 * per row per step through the KV cache (or the whole sequence again for an
 * export without past). Rows that finish or are aborted leave the batch, and
 * their KV rows are dropped, so the others keep running at the smaller size.
 */
import type * as ort from 'onnxruntime-node';
import type { FinishReason } from '../types.js';
import type { DecoderSession } from './decoder-session.js';
import { releaseArrays, selectPastRows, tensorArrays } from './decoder-session.js';
import { banRepeatedNgrams, chooseToken, createRng, type SamplingParams } from './sampling.js';
import { banBlockedNgrams } from './novelty.js';
import { PromptCopy, wordPieces } from './prompt-copy.js';
import { WordConstraint } from './lexicon.js';
import { NumberConstraint } from './numbers.js';
import { StopTextStream } from './text-stream.js';
import { IncrementalDecoder, type TextTokenizer } from './tokenizer.js';

export interface RowRequest {
  promptIds: readonly number[];
  maxNewTokens: number;
  /** EOS is suppressed before this many tokens. Default 0. */
  minNewTokens?: number;
  sampling: SamplingParams;
  /** The product's words: what the prompt copy bias copies from (prompt-copy.ts) and the lexicon allows besides its own (lexicon.ts). Default: the decoded prompt. */
  copySource?: string;
  seed: number;
  stop: readonly string[];
  signal?: AbortSignal | undefined;
  onText?: ((piece: string) => void) | undefined;
}

export interface RowResult {
  text: string;
  /** 'cancelled' when the row's signal fired; the text is what was generated until then. */
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  /** The generated ids (EOS included when it ended the row). */
  tokenIds: number[];
}

export interface BatchTimings {
  /** Time inside session.run, summed over steps. */
  runMs: number;
  totalMs: number;
  forwardPasses: number;
}

interface Row {
  req: RowRequest;
  /** Left padding in the prefill; every later position is real. */
  padding: number;
  /** Tokens fed so far (padding included). */
  tokens: number[];
  seen: Set<number>;
  rng: () => number;
  decoder: IncrementalDecoder;
  stream: StopTextStream;
  generated: number;
  /** Every chosen id, EOS included (EOS is never fed back, so `tokens` lacks it). */
  generatedIds: number[];
  /** The output so far, kept when a rule reads it (copy bias, lexicon). */
  text: string | null;
  copy: PromptCopy | null;
  words: WordConstraint | null;
  numbers: NumberConstraint | null;
  result?: RowResult;
}

function anyFinite(logits: Float32Array): boolean {
  for (let i = 0; i < logits.length; i++) if ((logits[i] as number) > -Infinity) return true;
  return false;
}

/** What the decoding rules read of a row. */
export type RuleRow = Pick<Row, 'tokens' | 'padding' | 'generated' | 'copy' | 'words' | 'text'> & Partial<Pick<Row, 'numbers'>> & {
  req: Pick<RowRequest, 'sampling' | 'minNewTokens' | 'promptIds'>;
};

/**
 * Every decoding rule on one row's logits, in place, before the token is
 * chosen: EOS held back until min_new_tokens, the copy bias, the novelty
 * ban, the lexicon, the product's numbers, then the repeat bans. If the
 * repeat bans leave nothing the lexicon or the number rule allowed, they are
 * taken back, so the word or number in progress is finished anyway (a
 * repeated n-gram beats a word that does not exist or a wrong number).
 * `undo` is scratch space the caller may reuse between calls.
 */
export function constrainRow(logits: Float32Array, row: RuleRow, eos: ReadonlySet<number>, undo: number[] = []): void {
  if (row.generated < (row.req.minNewTokens ?? 0)) for (const e of eos) logits[e] = -Infinity;
  if (row.copy) row.copy.apply(logits, row.text as string);
  const blocked = row.req.sampling.blockedNgrams;
  if (blocked) banBlockedNgrams(logits, row.tokens, blocked, row.padding);
  if (row.words) row.words.apply(logits, row.text as string);
  if (row.numbers) row.numbers.apply(logits, row.text as string);
  undo.length = 0;
  const log = row.words || row.numbers ? undo : undefined;
  const n = row.req.sampling.noRepeatNgramSize ?? 0;
  if (n > 0) banRepeatedNgrams(logits, row.tokens, n, row.padding, log);
  const own = row.req.sampling.outputNoRepeatNgramSize ?? 0;
  if (own > 0) banRepeatedNgrams(logits, row.tokens, own, row.padding + row.req.promptIds.length, log);
  // In reverse, so an id banned twice gets its first value back.
  if (undo.length > 0 && !anyFinite(logits)) for (let i = undo.length - 2; i >= 0; i -= 2) logits[undo[i]!] = undo[i + 1]!;
}

function finish(row: Row, reason: FinishReason): void {
  const tail = row.decoder.flush();
  if (reason !== 'stop' || !row.stream.stoppedByString) row.stream.push(tail);
  row.result = {
    text: row.stream.finish(),
    finishReason: reason,
    promptTokens: row.req.promptIds.length,
    completionTokens: row.generated,
    tokenIds: row.generatedIds,
  };
}

export interface BatchOptions {
  /**
   * Longest piece of the prompts fed in one forward pass (graphs with a KV
   * cache): a longer prefill runs as several passes, each extending the
   * cache, so the event loop gets a turn between them (onnxruntime-node runs
   * a session on the calling thread). 0: the whole prompt at once. Default 0.
   */
  prefillChunk?: number;
}

export async function generateBatch(
  model: DecoderSession,
  tokenizer: TextTokenizer,
  requests: readonly RowRequest[],
  options: BatchOptions = {},
): Promise<{ results: RowResult[]; timings: BatchTimings }> {
  const t0 = performance.now();
  const timings: BatchTimings = { runMs: 0, totalMs: 0, forwardPasses: 0 };
  const eos = new Set(tokenizer.special.eos);
  const pad = tokenizer.special.pad;
  const width = Math.max(1, ...requests.map((r) => r.promptIds.length));
  const rows: Row[] = requests.map((req) => {
    const padding = width - req.promptIds.length;
    const row: Row = {
      req,
      padding,
      tokens: [...new Array<number>(padding).fill(pad), ...req.promptIds],
      seen: new Set(req.promptIds),
      rng: createRng(req.seed),
      decoder: new IncrementalDecoder(tokenizer),
      stream: new StopTextStream(req.stop, (piece) => req.onText?.(piece)),
      generated: 0,
      generatedIds: [],
      text: null,
      copy: null,
      words: null,
      numbers: null,
    };
    if (req.sampling.promptCopyBias || req.sampling.lexicon || req.sampling.factNumbersOnly) {
      const own = req.copySource ?? tokenizer.decode(req.promptIds);
      row.text = '';
      if (req.sampling.promptCopyBias) row.copy = new PromptCopy(own, wordPieces(tokenizer), req.sampling.promptCopyBias);
      if (req.sampling.lexicon) row.words = new WordConstraint(req.sampling.lexicon, tokenizer, own);
      if (req.sampling.factNumbersOnly) row.numbers = new NumberConstraint(tokenizer, own);
    }
    if (req.signal?.aborted) finish(row, 'cancelled');
    else if (req.maxNewTokens <= 0) finish(row, 'length');
    return row;
  });

  let active = rows.filter((r) => !r.result);
  let past: ort.Tensor[] | null = null;
  let step = 0;
  // (id, value) pairs of the repeat bans of one row-step, to take back if they leave nothing.
  const undo: number[] = [];
  const chunk = model.hasPast && (options.prefillChunk ?? 0) > 0 ? (options.prefillChunk as number) : Infinity;
  while (active.length > 0) {
    const batch = active.length;
    const padding = active.map((row) => row.padding);
    const feed = async (from: number, to: number) => {
      const seqLen = to - from;
      const ids = new Array<number>(batch * seqLen);
      active.forEach((row, b) => {
        for (let t = 0; t < seqLen; t++) ids[b * seqLen + t] = row.tokens[from + t] as number;
      });
      const result = await model.forward({ batch, ids, seqLen, totalLen: to, padding, past });
      // This pass has read the past; its memory goes back now, not at some later collection.
      if (past) releaseArrays(tensorArrays(past));
      timings.runMs += result.runMs;
      timings.forwardPasses++;
      return result;
    };
    const totalLen = active[0]!.tokens.length;
    let out: Awaited<ReturnType<typeof feed>>;
    if (!model.hasPast) out = await feed(0, totalLen);
    else if (step > 0) out = await feed(totalLen - 1, totalLen);
    else {
      // The prefill, in chunks when it is longer than one: only the last one's logits are read.
      let from = 0;
      for (;;) {
        const to = Math.min(totalLen, from + chunk);
        out = await feed(from, to);
        if (to === totalLen) break;
        releaseArrays([out.lastLogits]);
        past = out.present;
        from = to;
      }
    }
    step++;

    active.forEach((row, b) => {
      if (row.req.signal?.aborted) return finish(row, 'cancelled');
      // The row's logits, changed in place: this step's buffer is ours and is given back after it.
      const scratch = out.lastLogits.subarray(b * out.vocab, (b + 1) * out.vocab);
      constrainRow(scratch, row, eos, undo);
      const id = chooseToken(scratch, row.seen, row.req.sampling, row.rng);
      row.generated++;
      row.generatedIds.push(id);
      if (eos.has(id)) return finish(row, 'stop');
      row.tokens.push(id);
      row.seen.add(id);
      const piece = row.decoder.push(id);
      if (row.text !== null) row.text += piece;
      if (row.stream.push(piece)) return finish(row, 'stop');
      if (row.generated >= row.req.maxNewTokens) return finish(row, 'length');
      return undefined;
    });

    const keep: number[] = [];
    active.forEach((row, b) => {
      if (!row.result) keep.push(b);
    });
    releaseArrays([out.lastLogits]);
    if (out.present && keep.length === batch) past = out.present;
    else if (out.present) {
      past = keep.length > 0 ? selectPastRows(out.present, keep) : null;
      releaseArrays(tensorArrays(out.present));
    }
    active = keep.map((b) => active[b] as Row);
  }
  timings.totalMs = performance.now() - t0;
  return { results: rows.map((r) => r.result as RowResult), timings };
}
