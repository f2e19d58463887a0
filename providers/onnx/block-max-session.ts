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
 * is written here as protobuf bytes, so there is no file to ship.
 */
import * as ort from 'onnxruntime-node';

/** Protobuf wire format, the little that a small ModelProto needs. A negative int64 is its two's complement, ten bytes. */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const field = (no: number, wire: number): number[] => varint(no * 8 + wire);
const int = (no: number, v: number): number[] => [...field(no, 0), ...varint(v)];
const bytes = (no: number, b: readonly number[]): number[] => [...field(no, 2), ...varint(b.length), ...b];
const text = (no: number, s: string): number[] => bytes(no, [...Buffer.from(s, 'utf8')]);

const FLOAT = 1;
const INT64 = 7;
/** AttributeProto.type */
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** ValueInfoProto: a tensor of `elemType` with symbolic or fixed dimensions. */
function tensorInfo(name: string, elemType: number, dims: ReadonlyArray<string | number>): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : text(2, d)));
  const tensor = [...int(1, elemType), ...bytes(2, shape)];
  return [...text(1, name), ...bytes(2, bytes(1, tensor))];
}

/** NodeProto, each of `ints` an AttributeProto of an integer or a list of them. */
function node(op: string, inputs: string[], outputs: string[], ints: Record<string, number | number[]> = {}): number[] {
  const encoded = Object.entries(ints).flatMap(([name, v]) =>
    bytes(5, [...text(1, name), ...(Array.isArray(v) ? [...v.flatMap((x) => int(8, x)), ...int(20, ATTR_INTS)] : [...int(3, v), ...int(20, ATTR_INT)])]),
  );
  return bytes(1, [...inputs.flatMap((i) => text(1, i)), ...outputs.flatMap((o) => text(2, o)), ...text(4, op), ...encoded]);
}

/** An int64 initializer. */
function int64s(name: string, values: number[]): number[] {
  return bytes(5, [...int(1, values.length), ...int(2, INT64), ...values.flatMap((v) => int(7, v)), ...text(8, name)]);
}

/**
 * The ModelProto: maxima = ReduceMax over the blocks of `scores`; for the k
 * best blocks (`k`, an input), in id order, `values` and `positions` of the
 * k best scores among their ids (a position p is id blockIds[p / size] *
 * size + p % size).
 */
export function blockMaxModel(vocab: number, size: number): Uint8Array {
  if (!Number.isInteger(vocab / size)) throw new RangeError(`blocks of ${size} do not divide a vocabulary of ${vocab}`);
  const blocks = vocab / size;
  const graph = [
    node('Reshape', ['scores', 'shape'], ['blocks']),
    node('ReduceMax', ['blocks'], ['maxima'], { axes: [2], keepdims: 0 }),
    node('TopK', ['maxima', 'k'], ['best_maxima', 'best_blocks'], { axis: 1 }),
    node('TopK', ['best_blocks', 'k'], ['block_ids', 'block_order'], { axis: 1, largest: 0 }),
    node('Unsqueeze', ['block_ids', 'last'], ['block_index']),
    node('GatherND', ['blocks', 'block_index'], ['picked'], { batch_dims: 1 }),
    node('Reshape', ['picked', 'flat'], ['candidates']),
    node('TopK', ['candidates', 'k'], ['values', 'positions'], { axis: 1 }),
    text(2, 'block-max'),
    int64s('shape', [-1, blocks, size]),
    int64s('flat', [0, -1]),
    int64s('last', [-1]),
    bytes(11, tensorInfo('scores', FLOAT, ['rows', vocab])),
    bytes(11, tensorInfo('k', INT64, [1])),
    bytes(12, tensorInfo('maxima', FLOAT, ['rows', blocks])),
    bytes(12, tensorInfo('block_ids', INT64, ['rows', 'k'])),
    bytes(12, tensorInfo('values', FLOAT, ['rows', 'k'])),
    bytes(12, tensorInfo('positions', INT64, ['rows', 'k'])),
  ].flat();
  return Uint8Array.from([...int(1, 8), ...bytes(7, graph), ...bytes(8, [...text(1, ''), ...int(2, 17)])]);
}

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
    const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], logSeverityLevel: 3, extra: { session: { intra_op: { allow_spinning: '0' } } } };
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
    const blockIds = (out.block_ids).data as BigInt64Array;
    const positions = (out.positions).data as BigInt64Array;
    const topIds = new Int32Array(rows * kept);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < kept; j++) {
        const p = Number(positions[r * kept + j]);
        topIds[r * kept + j] = Number(blockIds[r * kept + Math.floor(p / this.size)]) * this.size + (p % this.size);
      }
    }
    return { maxima: (out.maxima).data as Float32Array, topValues: (out.values).data as Float32Array, topIds, k: kept };
  }

  /** Row `row`'s part of a run's results. */
  rowBlocks(scores: BlockScores, row: number): RowBlocks {
    const count = this.blocks;
    return { maxima: scores.maxima, offset: row * count, count, size: this.size, topValues: scores.topValues, topIds: scores.topIds, topOffset: row * scores.k, k: scores.k };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
