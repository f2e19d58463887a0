/**
 * The decode loop: left-padded prefill, then one token per row per step
 * through the KV cache (or the whole sequence again for an export without
 * past). Rows that finish or are aborted leave at once, with their result,
 * and their KV rows are dropped, so the others keep running at the smaller
 * size. New rows may join between steps (continuous batching): they are
 * prefilled as a group of their own and stacked onto the running cache, each
 * side left-padded to the longer one, so a free slot does not wait for the
 * whole batch to end.
 */
import type * as ort from 'onnxruntime-node';
import type { FinishReason, ProductFacts } from '../types.js';
import type { DecoderSession } from './decoder-session.js';
import { releaseArrays, selectPastRows, stackPast, tensorArrays, type ForwardOutput } from './decoder-session.js';
import { banRepeatedNgrams, chooseToken, createRng, SeenIds, type SamplingParams } from './sampling.js';
import { banBlockedNgrams } from './novelty.js';
import { PromptCopy, wordPieces } from './prompt-copy.js';
import { lexiconForNumber, WordConstraint } from './lexicon.js';
import { FactGrammar, isPluralTitle } from './fact-grammar.js';
import { FactSentences } from './fact-sentences.js';
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
  /** The product's title: its words may repeat within no_repeat_word_window (lexicon.ts). Default: none. */
  title?: string;
  /** The product's facts, which fill the fact patterns' slots (fact-grammar.ts). Default: none (no fact grammar). */
  facts?: ProductFacts;
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

/** A row to run, and where its result goes the moment the row ends. */
export interface RowTicket {
  req: RowRequest;
  done(result: RowResult): void;
}

interface Row {
  ticket: RowTicket;
  req: RowRequest;
  /**
   * Left padding: masked positions before the prompt. It grows when the row
   * is stacked with a longer group and shrinks when padding that every row
   * has is trimmed; every position after it is real.
   */
  padding: number;
  /** Tokens fed so far (padding included). */
  tokens: number[];
  seen: SeenIds;
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
  /** The same constraint over the lexicon's frame (frame_sentences), for the row's first sentences. */
  frameWords?: WordConstraint | null;
  /** Sentences the row's text has ended so far ('.', '!' or '?'). */
  sentences?: number;
  numbers: NumberConstraint | null;
  /** The fact grammar of the row's first sentences (fact_patterns_file), while it holds. */
  grammar?: FactSentences | null;
  result?: RowResult;
}

function anyFinite(logits: Float32Array): boolean {
  for (let i = 0; i < logits.length; i++) if ((logits[i] as number) > -Infinity) return true;
  return false;
}

/** What the decoding rules read of a row. */
export type RuleRow = Pick<Row, 'tokens' | 'padding' | 'generated' | 'copy' | 'words' | 'text'> & Partial<Pick<Row, 'numbers' | 'frameWords' | 'sentences' | 'grammar'>> & {
  req: Pick<RowRequest, 'sampling' | 'minNewTokens' | 'promptIds'>;
};

/** The row's logits as they came, kept while its fact grammar holds (see constrainRow). */
let unconstrained = new Float32Array(0);

/**
 * Every decoding rule on one row's logits, in place, before the token is
 * chosen: EOS held back until min_new_tokens, the fact grammar, the copy
 * bias, the novelty ban, the lexicon (its frame in the first
 * frame_sentences sentences), the product's numbers, then the repeat bans
 * (n-grams, then words). If the repeat bans leave nothing the lexicon, the
 * grammar or the number rule allowed, they are taken back, so the word or
 * number in progress is finished anyway (a repeated n-gram beats a word
 * that does not exist or a wrong number). If the grammar and the other
 * rules together leave nothing, the grammar lets the row go and the rules
 * run again without it. `undo` is scratch space the caller may reuse
 * between calls.
 *
 * Returns, when it knows them, the ids that may still have a finite logit
 * (the grammar's few tokens), so that choosing the token need not scan
 * the vocabulary; null otherwise. Valid until the next call.
 */
export function constrainRow(logits: Float32Array, row: RuleRow, eos: ReadonlySet<number>, undo: number[] = []): readonly number[] | null {
  const grammar = row.grammar?.active ? row.grammar : null;
  if (grammar) {
    if (unconstrained.length < logits.length) unconstrained = new Float32Array(logits.length);
    unconstrained.set(logits);
  }
  const candidates = applyRules(logits, row, eos, undo, grammar);
  if (grammar && !(candidates ? anyFiniteOf(logits, candidates) : anyFinite(logits))) {
    grammar.release();
    logits.set(unconstrained.subarray(0, logits.length));
    return applyRules(logits, row, eos, undo, null);
  }
  return candidates;
}

function anyFiniteOf(logits: Float32Array, ids: readonly number[]): boolean {
  for (let i = 0; i < ids.length; i++) if ((logits[ids[i]!] as number) > -Infinity) return true;
  return false;
}

function applyRules(logits: Float32Array, row: RuleRow, eos: ReadonlySet<number>, undo: number[], grammar: FactSentences | null): readonly number[] | null {
  if (row.generated < (row.req.minNewTokens ?? 0)) eos.forEach((e) => (logits[e] = -Infinity));
  // The grammar is stricter than the frame, and lets go inside the token that ends its last sentence: the rest of that token is the free text's.
  const held = grammar !== null && grammar.apply(logits, row.text as string);
  // Tokens wholly inside the grammar write only the patterns' words and the product's own facts (its words and numbers): the lexicon and the number rule would find nothing to ban.
  const within = held && !(grammar as FactSentences).endsInside;
  // The copy bias spells the product's words: with a grammar, that writes them, and after it the bias would only pull the free text back to them.
  if (row.copy && !row.grammar) row.copy.apply(logits, row.text as string);
  const blocked = row.req.sampling.blockedNgrams;
  if (blocked) banBlockedNgrams(logits, row.tokens, blocked, row.padding);
  // The row's first frame_sentences sentences use the lexicon's frame; the rest, the whole lexicon.
  const framed = !held && row.frameWords && (row.sentences ?? 0) < (row.req.sampling.frameSentences ?? 0);
  const words = framed ? row.frameWords : row.words;
  if (words && !within) words.apply(logits, row.text as string);
  if (row.numbers && !within) row.numbers.apply(logits, row.text as string);
  undo.length = 0;
  const log = row.words || row.numbers || held ? undo : undefined;
  const n = row.req.sampling.noRepeatNgramSize ?? 0;
  if (n > 0) banRepeatedNgrams(logits, row.tokens, n, row.padding, log);
  const own = row.req.sampling.outputNoRepeatNgramSize ?? 0;
  if (own > 0) banRepeatedNgrams(logits, row.tokens, own, row.padding + row.req.promptIds.length, log);
  const window = row.req.sampling.noRepeatWordWindow ?? 0;
  if (words && window > 0) words.banRepeats(logits, row.text as string, window, log);
  const candidates = held ? (grammar as FactSentences).allowed : null;
  // In reverse, so an id banned twice gets its first value back.
  if (undo.length > 0 && !(candidates ? anyFiniteOf(logits, candidates) : anyFinite(logits))) for (let i = undo.length - 2; i >= 0; i -= 2) logits[undo[i]!] = undo[i + 1]!;
  return candidates;
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
  row.ticket.done(row.result);
}

/** A row of a group whose longest prompt is `width` tokens; it may be finished at once (aborted, or no tokens to make). */
function startRow(ticket: RowTicket, width: number, tokenizer: TextTokenizer): Row {
  const { req } = ticket;
  const padding = width - req.promptIds.length;
  const row: Row = {
    ticket,
    req,
    padding,
    tokens: [...new Array<number>(padding).fill(tokenizer.special.pad), ...req.promptIds],
    seen: new SeenIds(req.promptIds),
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
  const patterns = req.sampling.factPatterns;
  const grammar = patterns && req.facts ? FactGrammar.create(patterns, req.facts) : null;
  if (grammar) {
    row.grammar = new FactSentences(grammar, tokenizer);
    row.text = '';
  }
  if (req.sampling.promptCopyBias || req.sampling.lexicon || req.sampling.factNumbersOnly) {
    const own = req.copySource ?? tokenizer.decode(req.promptIds);
    row.text = '';
    if (req.sampling.promptCopyBias) {
      const lexicon = req.sampling.lexicon;
      // A short word of the lexicon ("of", "in") stays whole outside the title: the bias would otherwise carry it into a product word ("office").
      const keepWhole = lexicon ? (w: string) => w.length <= SHORT_WORD && lexicon.words.has(w) : undefined;
      row.copy = new PromptCopy(own, wordPieces(tokenizer), req.sampling.promptCopyBias, keepWhole);
    }
    if (req.sampling.lexicon) {
      // A row of unknown number (no title) keeps every word.
      const lexicon = req.title === undefined ? req.sampling.lexicon : lexiconForNumber(req.sampling.lexicon, isPluralTitle(req.title));
      row.words = new WordConstraint(lexicon, tokenizer, own, req.title);
      // The frame holds the first sentences of a row the grammar does not hold (the grammar is stricter); a row it lets go later keeps the whole lexicon.
      if (req.sampling.lexicon.frame && req.sampling.frameSentences && !grammar) {
        row.frameWords = new WordConstraint(req.sampling.lexicon.frame, tokenizer, own, req.title);
        row.sentences = 0;
      }
    }
    if (req.sampling.factNumbersOnly) row.numbers = new NumberConstraint(tokenizer, own);
  }
  if (req.signal?.aborted) finish(row, 'cancelled');
  else if (req.maxNewTokens <= 0) finish(row, 'length');
  return row;
}

/** How many sentence ends ('.', '!', '?') `piece` holds. */
function sentenceEnds(piece: string): number {
  let n = 0;
  for (let i = 0; i < piece.length; i++) {
    const c = piece.charCodeAt(i);
    if (c === 0x2e || c === 0x21 || c === 0x3f) n++;
  }
  return n;
}

/** Adds `by` positions of left padding to each row (its tokens and its padding count). */
function shiftRows(rows: readonly Row[], by: number, pad: number): void {
  if (by <= 0) return;
  const pads = new Array<number>(by).fill(pad);
  for (const row of rows) {
    row.tokens = pads.concat(row.tokens);
    row.padding += by;
  }
}

/** Removes `by` positions of left padding that every row has. */
function trimRows(rows: readonly Row[], by: number): void {
  if (by <= 0) return;
  for (const row of rows) {
    row.tokens = row.tokens.slice(by);
    row.padding -= by;
  }
}

/**
 * Common left padding worth dropping from the cache: at least this many
 * positions (a copy of the cache costs about one decode step's KV traffic,
 * and each dropped position saves a little on every later step).
 */
const MIN_TRIM = 16;

/** Lexicon words this short are carried on by the copy bias only into a word of the title (see PromptCopy's keepWhole). */
const SHORT_WORD = 3;

export interface BatchOptions {
  /**
   * Longest piece of the prompts fed in one forward pass, per row of a full
   * batch (graphs with a KV cache): a longer prefill runs as several passes,
   * each extending the cache, so the event loop gets a turn between them
   * (onnxruntime-node runs a session on the calling thread). A group of
   * fewer rows than maxRows takes proportionally longer pieces, so every
   * pass is about the same work (a row joining a running batch alone is
   * mostly prefilled in one pass). 0: the whole prompt at once. Default 0.
   */
  prefillChunk?: number;
}

export interface LoopOptions extends BatchOptions {
  /** Most rows decoding at once. Default: no limit. */
  maxRows?: number;
  /** Where the loop adds its time and passes as it goes (live, for stats). Default: a new object. */
  timings?: BatchTimings;
}

/**
 * Runs rows until `take` has no more and every row has ended. Between steps
 * it asks `take(free)` for up to `free` new rows (free = maxRows minus the
 * rows running); each row's ticket gets its result the moment the row ends.
 * Returns the timings (the same object as options.timings when given).
 */
export async function decodeLoop(
  model: DecoderSession,
  tokenizer: TextTokenizer,
  take: (free: number) => RowTicket[],
  options: LoopOptions = {},
): Promise<BatchTimings> {
  const timings = options.timings ?? { runMs: 0, totalMs: 0, forwardPasses: 0 };
  const maxRows = options.maxRows ?? Infinity;
  const eos = new Set(tokenizer.special.eos);
  const pad = tokenizer.special.pad;
  const chunk = model.hasPast && (options.prefillChunk ?? 0) > 0 ? (options.prefillChunk as number) : Infinity;
  // (id, value) pairs of the repeat bans of one row-step, to take back if they leave nothing.
  const undo: number[] = [];
  let active: Row[] = [];
  let past: ort.Tensor[] | null = null;

  const forward = async (rows: readonly Row[], from: number, to: number, pastIn: ort.Tensor[] | null): Promise<ForwardOutput> => {
    const batch = rows.length;
    const seqLen = to - from;
    const ids = new Array<number>(batch * seqLen);
    rows.forEach((row, b) => {
      for (let t = 0; t < seqLen; t++) ids[b * seqLen + t] = row.tokens[from + t] as number;
    });
    const result = await model.forward({ batch, ids, seqLen, totalLen: to, padding: rows.map((r) => r.padding), past: pastIn });
    // This pass has read the past; its memory goes back now, not at some later collection.
    if (pastIn) releaseArrays(tensorArrays(pastIn));
    timings.runMs += result.runMs;
    timings.forwardPasses++;
    return result;
  };
  // A group's prefill, in chunks when it is longer than one: only the last one's logits are read.
  const prefill = async (rows: readonly Row[]): Promise<ForwardOutput> => {
    const total = (rows[0] as Row).tokens.length;
    const piece = Number.isFinite(maxRows) ? Math.max(chunk, Math.floor((chunk * maxRows) / rows.length)) : chunk;
    let pastIn: ort.Tensor[] | null = null;
    for (let from = 0; ; ) {
      const to = Math.min(total, from + piece);
      const out = await forward(rows, from, to, pastIn);
      if (to === total) return out;
      releaseArrays([out.lastLogits]);
      pastIn = out.present;
      from = to;
    }
  };

  for (;;) {
    const t0 = performance.now();
    const tickets = active.length < maxRows ? take(maxRows - active.length) : [];
    const width = Math.max(1, ...tickets.map((t) => t.req.promptIds.length));
    const fresh = tickets.map((t) => startRow(t, width, tokenizer)).filter((r) => !r.result);
    if (active.length === 0 && fresh.length === 0) {
      timings.totalMs += performance.now() - t0;
      if (tickets.length === 0) break;
      continue;
    }
    // Each forward pass's logits, with the rows they belong to (in order).
    const outs: Array<{ rows: Row[]; out: ForwardOutput }> = [];
    if (!model.hasPast) {
      // The whole sequence every step: new rows only need their tokens aligned with the others'.
      if (active.length > 0 && fresh.length > 0) {
        const running = (active[0] as Row).tokens.length;
        shiftRows(active, width - running, pad);
        shiftRows(fresh, running - width, pad);
      }
      active = active.concat(fresh);
      outs.push({ rows: active, out: await forward(active, 0, (active[0] as Row).tokens.length, null) });
    } else {
      let decoded: ForwardOutput | null = null;
      if (active.length > 0) {
        const len = (active[0] as Row).tokens.length;
        decoded = await forward(active, len - 1, len, past);
        outs.push({ rows: active, out: decoded });
      }
      if (fresh.length > 0) {
        const prefilled = await prefill(fresh);
        outs.push({ rows: fresh, out: prefilled });
        if (decoded) {
          // The running rows' cache and the new group's, stacked: each left-padded to the longer.
          const running = (active[0] as Row).tokens.length;
          const len = Math.max(running, width);
          past = stackPast(decoded.present as ort.Tensor[], prefilled.present as ort.Tensor[], len);
          releaseArrays(tensorArrays(decoded.present as ort.Tensor[]));
          releaseArrays(tensorArrays(prefilled.present as ort.Tensor[]));
          shiftRows(active, len - running, pad);
          shiftRows(fresh, len - width, pad);
        } else past = prefilled.present;
        active = active.concat(fresh);
      } else past = (decoded as ForwardOutput).present;
    }
    sample(outs, eos, undo);

    const keep: number[] = [];
    active.forEach((row, b) => {
      if (!row.result) keep.push(b);
    });
    // Left padding that every remaining row has (the longest prompts left): drop it from the cache too.
    const common = keep.length > 0 ? Math.min(...keep.map((b) => (active[b] as Row).padding)) : 0;
    const length = keep.length > 0 ? (active[keep[0] as number] as Row).tokens.length : 0;
    // Also any padding at all once the cache would outgrow the model's positions (graphs that number positions themselves).
    const trim = common >= MIN_TRIM || (common > 0 && length > model.layout.maxPositions) ? common : 0;
    if (past && (keep.length < active.length || trim > 0)) {
      const next: ort.Tensor[] | null = keep.length > 0 ? selectPastRows(past, keep, trim) : null;
      releaseArrays(tensorArrays(past));
      past = next;
    }
    active = keep.map((b) => active[b] as Row);
    trimRows(active, trim);
    if (active.length === 0) past = null;
    timings.totalMs += performance.now() - t0;
  }
  return timings;
}

/** Chooses each row's next token from its pass's logits, and ends the rows that are done. */
function sample(outs: ReadonlyArray<{ rows: Row[]; out: ForwardOutput }>, eos: ReadonlySet<number>, undo: number[]): void {
  for (const { rows, out } of outs) {
    rows.forEach((row, b) => {
      if (row.req.signal?.aborted) return finish(row, 'cancelled');
      // The row's logits, changed in place: this step's buffer is ours and is given back after it.
      const scratch = out.lastLogits.subarray(b * out.vocab, (b + 1) * out.vocab);
      const candidates = constrainRow(scratch, row, eos, undo);
      const id = chooseToken(scratch, row.seen, row.req.sampling, row.rng, candidates);
      row.generated++;
      row.generatedIds.push(id);
      if (eos.has(id)) return finish(row, 'stop');
      row.tokens.push(id);
      row.seen.add(id);
      const piece = row.decoder.push(id);
      if (row.text !== null) row.text += piece;
      if (row.sentences !== undefined) row.sentences += sentenceEnds(piece);
      if (row.stream.push(piece)) return finish(row, 'stop');
      if (row.generated >= row.req.maxNewTokens) return finish(row, 'length');
      return undefined;
    });
    releaseArrays([out.lastLogits]);
  }
}

/** Runs one fixed batch of rows to completion (no row joins later). */
export async function generateBatch(
  model: DecoderSession,
  tokenizer: TextTokenizer,
  requests: readonly RowRequest[],
  options: BatchOptions = {},
): Promise<{ results: RowResult[]; timings: BatchTimings }> {
  const results = new Array<RowResult>(requests.length);
  let given = false;
  const take = (): RowTicket[] => {
    if (given) return [];
    given = true;
    return requests.map((req, i) => ({ req, done: (r: RowResult) => void (results[i] = r) }));
  };
  const timings = await decodeLoop(model, tokenizer, take, options);
  return { results, timings };
}
