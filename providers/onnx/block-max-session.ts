/**
 * What token choice needs of a large vocabulary's scores, for every row of a
 * pass in one onnxruntime run, so that JavaScript reads only a little of each
 * 151,936-score row: the best score of every block of `size` consecutive ids
 * (Reshape to [rows, blocks, size], then ReduceMax: one vectorised pass,
 * several times cheaper per row than a JavaScript pass), and each row's k
 * best scores with their ids, found among its k best blocks only. The k best
 * ids lie in the k best blocks: each block that holds one of them has its own
 * best among them, and every block's best is better than any id outside them
 * (ties go to the lower id, and blocks are in id order). The blocks are
 * gathered in id order, so that TopK, which puts the lower index first among
 * equal values, orders ties by the lower id as token choice does. The graph
 * is written as protobuf bytes (block-max-graph.ts), so there is no file to
 * ship; where the decoder's own graph can take it, it runs there instead.
 */
import * as ort from 'onnxruntime-node';
import { blockMaxModel, STANDALONE, type BlockMaxNames } from './block-max-graph.js';

/** Block sizes tried, best first: long enough that a row has few blocks, short enough that a block is cheap to read. */
const SIZES = [128, 256, 64, 512, 96, 160, 192, 32];

/** A block size that divides `vocab` into at least TOP_LIMIT blocks, or null (then token choice reads whole rows). */
export function blockSizeFor(vocab: number): number | null {
  return SIZES.find((s) => vocab % s === 0 && vocab / s >= TOP_LIMIT) ?? null;
}

/**
 * Largest k the run finds: its last TopK reads k blocks of every row, and
 * above this that costs more than JavaScript reading the best blocks itself
 * (sampling.ts does, up to its list limit).
 */
export const TOP_LIMIT = 64;

/** One row's part of a run: its blocks' maxima (block j holds ids [j * size, (j + 1) * size)) and its k best scores. */
export interface RowBlocks {
  /** [rows, count] for the whole pass; this row's are at `offset`. */
  maxima: Float32Array;
  offset: number;
  count: number;
  size: number;
  /** [rows, k] for the whole pass, best first (ties: the lower id); this row's are at `topOffset`. */
  topValues: Float32Array;
  topIds: Int32Array;
  topOffset: number;
  k: number;
}

/** A run's results for all its rows. */
export interface BlockScores {
  maxima: Float32Array;
  topValues: Float32Array;
  topIds: Int32Array;
  k: number;
  size: number;
  /** Blocks per row. */
  count: number;
  /** Per row, 1 where its best tokens are no longer its best (mendRow): token choice then reads its best blocks instead. */
  stale: Uint8Array;
}

/** A run's results from its outputs (`names`: the standalone graph's or the decoder's appended ones). */
export function readBlockScores(
  out: Record<string, ort.Tensor>,
  names: BlockMaxNames,
  rows: number,
  k: number,
  size: number,
): BlockScores {
  const outputOf = (name: string): ort.Tensor => {
    const t = out[name];
    if (!t) throw new Error(`the block-max run returned no output ${name}`);
    return t;
  };
  const blockIds = outputOf(names.blockIds).data as BigInt64Array;
  const positions = outputOf(names.positions).data as BigInt64Array;
  const maxima = outputOf(names.maxima).data as Float32Array;
  const topIds = new Int32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      const position = positions[r * k + j];
      const p = Number(position);
      const block = position === undefined ? undefined : blockIds[r * k + Math.floor(p / size)];
      if (block === undefined) throw new RangeError(`block-max outputs hold fewer than ${rows} rows of ${k}`);
      topIds[r * k + j] = Number(block) * size + (p % size);
    }
  }
  return {
    maxima,
    topValues: outputOf(names.values).data as Float32Array,
    topIds,
    k,
    size,
    count: maxima.length / rows,
    stale: new Uint8Array(rows),
  };
}

/** Row `row`'s part of a run's results. */
export function rowBlocks(scores: BlockScores, row: number): RowBlocks {
  const { count, size, k } = scores;
  return {
    maxima: scores.maxima,
    offset: row * count,
    count,
    size,
    topValues: scores.topValues,
    topIds: scores.topIds,
    topOffset: row * k,
    k: scores.stale[row] ? 0 : k,
  };
}

/** Which blocks mendRow has read again in this call: done[j] === mark. */
let done = new Int32Array(0);
let mark = 0;

/**
 * Brings row `row`'s part of a run made over its scores before the
 * processors up to `scores` after them, where only `ids` changed (`raw`:
 * their scores before, in the same order). A block's maximum follows a
 * raised score; where the score lowered was the maximum (or a NaN comes or
 * goes) the block is read again, NaN where one holds a NaN, as onnxruntime's
 * ReduceMax gives. The row's best tokens are marked stale when one of them
 * changed or a changed id now scores as much as the last of them (it could
 * be among them). Other blocks and ids are as the run saw them.
 */
export function mendRow(
  run: BlockScores,
  row: number,
  scores: Float32Array,
  ids: readonly number[],
  raw: Float32Array,
): void {
  const { maxima, size, count, k, topValues, topIds } = run;
  if (done.length < count) done = new Int32Array(count);
  if (mark === 0x7fffffff) {
    done.fill(0);
    mark = 0;
  }
  const stamp = ++mark;
  const top = row * k;
  // k >= 1, so it is there (were it not, NaN would mark the row stale, as the comparison below does).
  const last = topValues[top + k - 1] ?? Number.NaN;
  let stale = false;
  for (let j = 0; j < k && !stale; j++) {
    const id = topIds[top + j];
    stale = id === undefined || scores[id] !== topValues[top + j];
  }
  for (const [i, id] of ids.entries()) {
    const s = scores[id];
    if (s === undefined) continue;
    const r = raw[i];
    if (s === r) continue;
    if (!(s < last)) stale = true;
    const j = Math.floor(id / size);
    if (done[j] === stamp) continue;
    const at = row * count + j;
    const m = maxima[at];
    if (m === undefined) throw new RangeError(`mendRow: no block ${j} in row ${row}`);
    if (s > m) maxima[at] = s;
    else if (r === m || s !== s || m !== m) {
      done[j] = stamp;
      maxima[at] = blockMax(scores, j * size, (j + 1) * size);
    }
  }
  if (stale) run.stale[row] = 1;
}

function blockMax(scores: Float32Array, from: number, to: number): number {
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const v = scores[i];
    // The last block may run past the vocabulary.
    if (v === undefined) break;
    if (v > max) max = v;
    else if (v !== v) return NaN;
  }
  return max;
}

/** The block-max session of one vocabulary, on the CPU provider; `run` takes a batch's scores, row-major [rows, vocab]. */
export class BlockMaxSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly vocab: number,
    readonly size: number,
  ) {}

  get blocks(): number {
    return this.vocab / this.size;
  }

  /** Null when no block size divides the vocabulary into enough blocks. */
  static async create(vocab: number, threads?: number): Promise<BlockMaxSession | null> {
    const size = blockSizeFor(vocab);
    if (size === null) return null;
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      logSeverityLevel: 3,
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    if (threads !== undefined) options.intraOpNumThreads = threads;
    return new BlockMaxSession(await ort.InferenceSession.create(blockMaxModel(vocab, size), options), vocab, size);
  }

  /** The blocks' maxima of the first `rows` rows of `scores`, and each row's `k` best scores (k from 1 to TOP_LIMIT). */
  async run(scores: Float32Array, rows: number, k = 1): Promise<BlockScores> {
    const kept = Math.max(1, Math.min(k, TOP_LIMIT));
    const out = await this.session.run({
      scores: new ort.Tensor('float32', scores.subarray(0, rows * this.vocab), [rows, this.vocab]),
      k: new ort.Tensor('int64', BigInt64Array.of(BigInt(kept)), [1]),
    });
    return readBlockScores(out, STANDALONE, rows, kept, this.size);
  }

  /** Row `row`'s part of a run's results. */
  rowBlocks(scores: BlockScores, row: number): RowBlocks {
    return rowBlocks(scores, row);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
