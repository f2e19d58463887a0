/**
 * The decode loop: left-padded prefill, then one token per row per step
 * through the KV cache (or the whole sequence again for an export without
 * past). Rows that finish or are aborted leave at once, with their result,
 * and their KV rows are dropped, so the others keep running at the smaller
 * size. New rows may join between steps (continuous batching): they are
 * prefilled as a group of their own and stacked onto the running cache, each
 * side left-padded to the longer one, so a free slot does not wait for the
 * whole batch to end. Each row's scores go through its own processors
 * (logits-processor.ts) before its token is chosen; the loop knows none of
 * them by name.
 */
import type * as ort from 'onnxruntime-node';
import type { FinishReason } from '../types.js';
import type { DecoderSession } from './decoder-session.js';
import {
  releaseArrays,
  selectPastRows,
  stackPast,
  tensorArrays,
  type ForwardInput,
  type ForwardOutput,
} from './decoder-session.js';
import { applyProcessors, SeenIds, touchedIds, type LogitsProcessor, type RowState } from './logits-processor.js';
import { mendRow, rowBlocks, TOP_LIMIT, type BlockMaxSession, type BlockScores } from './block-max-session.js';
import { bestNeeded, chooseToken, createRng, type SamplingParams } from './sampling.js';
import { StopTextStream } from './text-stream.js';
import { IncrementalDecoder, type TextTokenizer } from './tokenizer.js';

export interface RowRequest {
  promptIds: readonly number[];
  maxNewTokens: number;
  sampling: SamplingParams;
  /** The row's processors, run in order on its scores at every step (processors.ts builds the usual list). Default: none. */
  processors?: readonly LogitsProcessor[];
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
  /** Time inside the model's session.run, summed over steps. */
  runMs: number;
  /** Time inside the block-max session's runs (token choice's native part), summed; part of totalMs - runMs. */
  blockRunMs: number;
  totalMs: number;
  forwardPasses: number;
}

/** A row to run, and where its result goes the moment the row ends. */
export interface RowTicket {
  req: RowRequest;
  done(result: RowResult): void;
}

interface Row extends RowState {
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
  rng: () => number;
  decoder: IncrementalDecoder;
  stream: StopTextStream;
  generated: number;
  /** Every chosen id, EOS included (EOS is never fed back, so `tokens` lacks it). */
  generatedIds: number[];
  /** The output so far, decoded: what processors that work on text read. */
  text: string;
  processors: readonly LogitsProcessor[];
  result?: RowResult;
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
    promptLength: req.promptIds.length,
    maxNewTokens: req.maxNewTokens,
    seen: new SeenIds(req.promptIds),
    rng: createRng(req.seed),
    decoder: new IncrementalDecoder(tokenizer),
    stream: new StopTextStream(req.stop, (piece) => req.onText?.(piece)),
    generated: 0,
    generatedIds: [],
    text: '',
    processors: req.processors ?? [],
  };
  if (req.signal?.aborted) finish(row, 'cancelled');
  else if (req.maxNewTokens <= 0) finish(row, 'length');
  return row;
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
  /** Where the rows of a large vocabulary get their blocks' maxima, all of a pass's rows in one run (see sample). Default: none (token choice reads whole rows). */
  blockMax?: BlockMaxSession;
  /** Where the loop adds its time and passes as it goes (live, for stats). Default: a new object. */
  timings?: BatchTimings;
}

/** What the decode loop carries from step to step, and what its helpers read. */
interface Loop {
  model: DecoderSession;
  timings: BatchTimings;
  maxRows: number;
  pad: number;
  /** Longest prompt piece per pass for a full batch (Infinity: whole prompts, or a graph without past). */
  chunk: number;
  /** The rows decoding, in the cache's row order. */
  active: Row[];
  /** The running cache (graphs with past), null before the first pass and once every row has ended. */
  past: ort.Tensor[] | null;
}

/** Each forward pass's logits, with the rows they belong to (in order). */
type PassOutputs = Array<{ rows: Row[]; out: ForwardOutput }>;

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
  const timings = options.timings ?? { runMs: 0, blockRunMs: 0, totalMs: 0, forwardPasses: 0 };
  const maxRows = options.maxRows ?? Infinity;
  const eos = new Set(tokenizer.special.eos);
  const prefillChunk = options.prefillChunk ?? 0;
  const chunk = model.hasPast && prefillChunk > 0 ? prefillChunk : Infinity;
  const loop: Loop = { model, timings, maxRows, pad: tokenizer.special.pad, chunk, active: [], past: null };
  for (;;) {
    const t0 = performance.now();
    const tickets = loop.active.length < maxRows ? take(maxRows - loop.active.length) : [];
    const width = Math.max(1, ...tickets.map((t) => t.req.promptIds.length));
    const fresh = tickets.map((t) => startRow(t, width, tokenizer)).filter((r) => !r.result);
    if (loop.active.length === 0 && fresh.length === 0) {
      timings.totalMs += performance.now() - t0;
      if (tickets.length === 0) break;
      continue;
    }
    const outs = model.hasPast ? await stepWithPast(loop, fresh, width) : await stepWhole(loop, fresh, width);
    await sample(outs, eos, options.blockMax, timings);
    dropEnded(loop);
    timings.totalMs += performance.now() - t0;
  }
  return timings;
}

/** One forward pass of `rows` over their tokens [from, to), reading `pastIn`, whose memory goes back as soon as it has been read. */
async function forward(
  loop: Loop,
  rows: readonly Row[],
  from: number,
  to: number,
  pastIn: ort.Tensor[] | null,
): Promise<ForwardOutput> {
  const batch = rows.length;
  const seqLen = to - from;
  // The rows are aligned: each has the same tokens' length, so each gives seqLen ids.
  const ids = rows.flatMap((row) => row.tokens.slice(from, to));
  const input: ForwardInput = { batch, ids, seqLen, totalLen: to, padding: rows.map((r) => r.padding), past: pastIn };
  if (loop.model.blockSize) input.blockK = blockK(rows);
  const result = await loop.model.forward(input);
  // This pass has read the past; its memory goes back now, not at some later collection.
  if (pastIn) releaseArrays(tensorArrays(pastIn));
  loop.timings.runMs += result.runMs;
  loop.timings.forwardPasses++;
  return result;
}

/** A group's prefill, in chunks when it is longer than one: only the last one's logits are read. */
async function prefill(loop: Loop, rows: readonly Row[]): Promise<ForwardOutput> {
  const total = lengthOf(rows);
  const piece = Number.isFinite(loop.maxRows)
    ? Math.max(loop.chunk, Math.floor((loop.chunk * loop.maxRows) / rows.length))
    : loop.chunk;
  let pastIn: ort.Tensor[] | null = null;
  for (let from = 0; ;) {
    const to = Math.min(total, from + piece);
    const out = await forward(loop, rows, from, to, pastIn);
    if (to === total) return out;
    releaseArrays([out.lastLogits]);
    pastIn = out.present;
    from = to;
  }
}

/** A step of a graph without past: the whole sequence again, new rows only needing their tokens aligned with the others'. */
async function stepWhole(loop: Loop, fresh: Row[], width: number): Promise<PassOutputs> {
  if (loop.active.length > 0 && fresh.length > 0) {
    const running = lengthOf(loop.active);
    shiftRows(loop.active, width - running, loop.pad);
    shiftRows(fresh, running - width, loop.pad);
  }
  loop.active = loop.active.concat(fresh);
  return [{ rows: loop.active, out: await forward(loop, loop.active, 0, lengthOf(loop.active), null) }];
}

/** A step through the KV cache: the running rows decode one token, new rows are prefilled and their cache stacked onto theirs. */
async function stepWithPast(loop: Loop, fresh: Row[], width: number): Promise<PassOutputs> {
  const outs: PassOutputs = [];
  let decoded: ForwardOutput | null = null;
  if (loop.active.length > 0) {
    const len = lengthOf(loop.active);
    decoded = await forward(loop, loop.active, len - 1, len, loop.past);
    outs.push({ rows: loop.active, out: decoded });
  }
  if (fresh.length === 0) {
    loop.past = (decoded as ForwardOutput).present;
    return outs;
  }
  const prefilled = await prefill(loop, fresh);
  outs.push({ rows: fresh, out: prefilled });
  if (decoded) {
    // The running rows' cache and the new group's, stacked: each left-padded to the longer.
    const running = lengthOf(loop.active);
    const len = Math.max(running, width);
    loop.past = stackPast(decoded.present as ort.Tensor[], prefilled.present as ort.Tensor[], len);
    releaseArrays(tensorArrays(decoded.present as ort.Tensor[]));
    releaseArrays(tensorArrays(prefilled.present as ort.Tensor[]));
    shiftRows(loop.active, len - running, loop.pad);
    shiftRows(fresh, len - width, loop.pad);
  } else loop.past = prefilled.present;
  loop.active = loop.active.concat(fresh);
  return outs;
}

/** The tokens' length every row of an aligned group shares. */
function lengthOf(rows: readonly Row[]): number {
  const [first] = rows;
  if (!first) throw new Error('an empty group of rows has no length');
  return first.tokens.length;
}

/** Drops the rows that ended from the running set and the cache, and left padding that every remaining row has. */
function dropEnded(loop: Loop): void {
  const { active } = loop;
  const kept = [...active.entries()].filter(([, row]) => !row.result);
  const keep = kept.map(([b]) => b);
  const remaining = kept.map(([, row]) => row);
  // Left padding that every remaining row has (the longest prompts left): drop it from the cache too.
  const common = remaining.length > 0 ? Math.min(...remaining.map((row) => row.padding)) : 0;
  const length = remaining.length > 0 ? lengthOf(remaining) : 0;
  // Also any padding at all once the cache would outgrow the model's positions (graphs that number positions themselves).
  const trim = common >= MIN_TRIM || (common > 0 && length > loop.model.layout.maxPositions) ? common : 0;
  if (loop.past && (keep.length < active.length || trim > 0)) {
    const next: ort.Tensor[] | null = keep.length > 0 ? selectPastRows(loop.past, keep, trim) : null;
    releaseArrays(tensorArrays(loop.past));
    loop.past = next;
  }
  loop.active = remaining;
  trimRows(loop.active, trim);
  if (loop.active.length === 0) loop.past = null;
}

/**
 * Scores in one pass's logits (rows times vocabulary) from which a block-max
 * run is worth its cost: a run has a fixed cost of its own, and below this
 * a JavaScript pass over the row is about as cheap.
 */
const BLOCK_RUN_MIN = 2 ** 16;

/**
 * Chooses each row's next token from its pass's logits, and ends the rows
 * that are done. Every row's processors run first. For a large vocabulary
 * every row then has the maxima of its blocks and its best few tokens, so
 * that its token choice reads only those, or only the blocks that can hold
 * its token (all of them for a flat distribution sampled wide): from the
 * model's own run (its graph has the block-max graph appended), mended for
 * the ids the processors changed, or else from one block-max run over the
 * whole pass after the processors.
 */
async function sample(
  outs: ReadonlyArray<{ rows: Row[]; out: ForwardOutput }>,
  eos: ReadonlySet<number>,
  blockMax: BlockMaxSession | undefined,
  timings: BatchTimings,
): Promise<void> {
  for (const { rows, out } of outs) {
    const scoresOf = (b: number) => out.lastLogits.subarray(b * out.vocab, (b + 1) * out.vocab);
    const touched = out.blocks ? touchedBefore(rows, scoresOf) : null;
    // The row's scores, changed in place: this step's buffer is ours and is given back after it.
    const candidates = rows.map((row, b) => {
      if (row.req.signal?.aborted) {
        finish(row, 'cancelled');
        return null;
      }
      return applyProcessors(row.processors, scoresOf(b), row);
    });
    // Rows with a processor's short list read only that; the others get their blocks' maxima, and as many best tokens
    // as the one that needs most (within the run's limit).
    let k = 0;
    let needed = false;
    for (const [b, row] of rows.entries()) {
      if (row.result || candidates[b]) continue;
      needed = true;
      const n = bestNeeded(row.req.sampling);
      if (n <= TOP_LIMIT) k = Math.max(k, n);
    }
    const worth = blockMax && blockMax.vocab === out.vocab && rows.length * out.vocab >= BLOCK_RUN_MIN;
    let scores = needed && touched ? mendedBlocks(rows, candidates, out, touched) : null;
    if (!scores && worth && needed) {
      const t0 = performance.now();
      scores = await blockMax.run(out.lastLogits, rows.length, k);
      timings.blockRunMs += performance.now() - t0;
    }
    rows.forEach((row, b) => {
      if (row.result) return undefined;
      const own = candidates[b];
      const blocks = scores && !own ? rowBlocks(scores, b) : null;
      const id = chooseToken(scoresOf(b), row.req.sampling, row.rng, own, blocks);
      row.generated++;
      row.generatedIds.push(id);
      if (eos.has(id)) return finish(row, 'stop');
      row.tokens.push(id);
      row.seen.add(id);
      const piece = row.decoder.push(id);
      row.text += piece;
      if (row.stream.push(piece)) return finish(row, 'stop');
      if (row.generated >= row.req.maxNewTokens) return finish(row, 'length');
      return undefined;
    });
    releaseArrays(scores ? [out.lastLogits, scores.maxima] : [out.lastLogits]);
  }
}

/** The most best tokens that a row's token choice reads from a block-max run (1 for none). */
function blockK(rows: readonly Row[]): number {
  let k = 1;
  for (const row of rows) {
    const n = bestNeeded(row.req.sampling);
    if (n <= TOP_LIMIT) k = Math.max(k, n);
  }
  return k;
}

/** The ids that a row's processors may change, and their scores before they run. */
interface Touched {
  ids: readonly number[];
  raw: Float32Array;
}

/** Each row's Touched, taken before its processors run; null when one of them does not say which ids it changes. */
function touchedBefore(rows: readonly Row[], scoresOf: (b: number) => Float32Array): Touched[] | null {
  const out: Touched[] = [];
  for (const [b, row] of rows.entries()) {
    const lists = row.result ? [] : touchedIds(row.processors, row);
    if (!lists) return null;
    const [only] = lists;
    const ids = only !== undefined && lists.length === 1 ? only : lists.flat();
    const scores = scoresOf(b);
    out.push({ ids, raw: Float32Array.from(ids, (id) => scores[id] ?? 0) });
  }
  return out;
}

/**
 * The block-max results that the model's own run gave for this pass (its
 * scores before the processors), mended for what each row's processors
 * changed (`touched`, taken before they ran).
 */
function mendedBlocks(
  rows: readonly Row[],
  candidates: ReadonlyArray<readonly number[] | null>,
  out: ForwardOutput,
  touched: readonly Touched[],
): BlockScores | null {
  const run = out.blocks;
  if (!run) return null;
  rows.forEach((row, b) => {
    const t = touched[b];
    if (t === undefined) throw new Error(`mendedBlocks: nothing touched taken for row ${b}`);
    if (!row.result && !candidates[b] && t.ids.length > 0)
      mendRow(run, b, out.lastLogits.subarray(b * out.vocab, (b + 1) * out.vocab), t.ids, t.raw);
  });
  return run;
}

/** Runs one fixed batch of rows to completion (no row joins later). */
export async function generateBatch(
  model: DecoderSession,
  tokenizer: TextTokenizer,
  requests: readonly RowRequest[],
  options: BatchOptions & Pick<LoopOptions, 'blockMax'> = {},
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
