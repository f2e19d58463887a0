/**
 * One forward pass of a causal-LM ONNX graph, whatever its export layout:
 * with past (`past_key_values.N.key/value` in, `present.N.key/value` out),
 * without past (the whole sequence each step), or merged (a
 * `use_cache_branch` boolean picks between the two inside the graph). Names,
 * KV head counts, head sizes and dtypes come from the session metadata, with
 * config.json as the fallback for symbolic dimensions.
 */
import { open } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { APPENDED } from './block-max-graph.js';
import { readBlockScores, TOP_LIMIT, type BlockScores } from './block-max-session.js';
import { numberField, type JsonObject } from './model-folder.js';
import { tensorMetadata } from './session.js';

export interface KvPair {
  key: string;
  value: string;
  presentKey: string;
  presentValue: string;
}

export interface DecoderLayout {
  idType: 'int64' | 'int32';
  hasAttentionMask: boolean;
  hasPositionIds: boolean;
  /** Merged exports: a boolean input that switches the cache branch on. */
  hasUseCacheBranch: boolean;
  /** Newer exports take how many last positions to compute logits for ('num_logits_to_keep' or 'logits_to_keep'). */
  logitsToKeepInput: string | undefined;
  /** Empty for an export without past. */
  kv: KvPair[];
  kvHeads: number;
  headDim: number;
  kvType: 'float32' | 'float16';
  vocabSize: number;
  /** Longest sequence the model was made for (n_positions, else max_position_embeddings), or Infinity. */
  maxPositions: number;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

/** Reads the layout of a decoder graph; throws TypeError for graphs that are not causal LMs. */
export function describeDecoder(session: ort.InferenceSession, config: JsonObject): DecoderLayout {
  const ids = tensorMetadata(session.inputMetadata, 'input_ids');
  if (!ids || !session.outputNames.includes('logits')) {
    throw new TypeError(
      `not a causal-LM graph: needs an input_ids input and a logits output (inputs: ${session.inputNames.join(', ')})`,
    );
  }
  const layers = new Map<number, KvPair>();
  let kvMeta: ort.InferenceSession.TensorValueMetadata | undefined;
  for (const name of session.inputNames) {
    const m = PAST.exec(name);
    if (!m) continue;
    const i = Number(m[1]);
    const pair = layers.get(i) ?? {
      key: '',
      value: '',
      presentKey: `present.${i}.key`,
      presentValue: `present.${i}.value`,
    };
    pair[m[2] as 'key' | 'value'] = name;
    layers.set(i, pair);
    kvMeta ??= tensorMetadata(session.inputMetadata, name);
  }
  const kv = [...layers.keys()].sort((a, b) => a - b).map((i) => layers.get(i) as KvPair);
  for (const pair of kv) {
    if (
      !pair.key ||
      !pair.value ||
      !session.outputNames.includes(pair.presentKey) ||
      !session.outputNames.includes(pair.presentValue)
    ) {
      throw new TypeError(`past input ${pair.key || pair.value} has no matching key/value input or present output`);
    }
  }
  const heads = numberField(config, 'num_attention_heads', 'n_head') ?? 1;
  const hidden = numberField(config, 'hidden_size', 'n_embd', 'd_model') ?? 0;
  const dim = (i: number): number | undefined => {
    const d = kvMeta?.shape[i];
    return typeof d === 'number' && d > 0 ? d : undefined;
  };
  const vocabMeta = tensorMetadata(session.outputMetadata, 'logits')?.shape[2];
  return {
    idType: ids.type === 'int32' ? 'int32' : 'int64',
    hasAttentionMask: session.inputNames.includes('attention_mask'),
    hasPositionIds: session.inputNames.includes('position_ids'),
    hasUseCacheBranch: session.inputNames.includes('use_cache_branch'),
    logitsToKeepInput: session.inputNames.find((n) => n === 'num_logits_to_keep' || n === 'logits_to_keep'),
    kv,
    kvHeads: dim(1) ?? numberField(config, 'num_key_value_heads') ?? heads,
    headDim: dim(3) ?? numberField(config, 'head_dim') ?? Math.floor(hidden / heads),
    kvType: kvMeta?.type === 'float16' ? 'float16' : 'float32',
    vocabSize: typeof vocabMeta === 'number' ? vocabMeta : (numberField(config, 'vocab_size') ?? 0),
    // GPT-2's learned positions end at n_positions; a rotary model would run past
    // max_position_embeddings without failing, but with positions it never saw.
    maxPositions: numberField(config, 'n_positions') ?? numberField(config, 'max_position_embeddings') ?? Infinity,
  };
}

/**
 * Whether the graph file names the operator `opType`. A node's op_type is
 * stored as plain text in the protobuf, and onnxruntime's session lists a
 * graph's inputs and outputs but not its operators. Read in chunks, without
 * holding the event loop: a graph with its weights inside may be gigabytes.
 */
export async function graphHasOperator(onnxPath: string, opType: string): Promise<boolean> {
  const needle = Buffer.from(opType, 'utf8');
  const chunk = Buffer.allocUnsafe(16 * 2 ** 20);
  const file = await open(onnxPath, 'r');
  try {
    // Each read starts with the last needle-length bytes of the one before, so a name across two chunks is found.
    let kept = 0;
    for (;;) {
      const { bytesRead } = await file.read(chunk, kept, chunk.length - kept, null);
      if (bytesRead === 0) return false;
      const filled = kept + bytesRead;
      if (chunk.subarray(0, filled).indexOf(needle) >= 0) return true;
      kept = Math.min(needle.length - 1, filled);
      chunk.copy(chunk, 0, filled - kept, filled);
    }
  } finally {
    await file.close();
  }
}

export interface ForwardInput {
  batch: number;
  /** Tokens fed this step, row-major [batch, seqLen]. */
  ids: ArrayLike<number>;
  seqLen: number;
  /** Past length + seqLen. */
  totalLen: number;
  /**
   * Left padding of each row. Rows are always [padding zeros, then ones], so
   * the mask and the positions (cumsum(mask) - 1, clipped at 0) follow from
   * it without walking the sequence in JS.
   */
  padding: readonly number[];
  /** One tensor per past input (layout.kv order, key then value), or null on the first step. */
  past: ort.Tensor[] | null;
  /** How many best tokens of each row the graph's block-max part finds (1 to TOP_LIMIT), where it has one. Default 1. */
  blockK?: number;
}

export interface ForwardOutput {
  /** Logits of each row's last position, row-major [batch, vocab], always float32. */
  lastLogits: Float32Array;
  vocab: number;
  /** The present tensors in past-input order; null for exports without past. */
  present: ort.Tensor[] | null;
  /** Milliseconds inside session.run. */
  runMs: number;
  /** The block-max results of lastLogits, as the model's graph gave them before any processor ran; absent where it has no block-max part. */
  blocks?: BlockScores;
}

/** The graph's output `name`; every one the layout names is in each run's results. */
function outputOf(out: ort.InferenceSession.OnnxValueMapType, name: string): ort.Tensor {
  const t = out[name];
  if (!t) throw new Error(`the decoder graph returned no output ${name}`);
  return t;
}

/** Raw float16 halves → floats, into `out` (as long as `halves`). */
function halvesInto(halves: Uint16Array, out: Float32Array): void {
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i];
    if (h !== undefined) out[i] = halfToFloat(h);
  }
}

function intTensor(type: 'int64' | 'int32', values: ArrayLike<number>, dims: number[]): ort.Tensor {
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims);
  return new ort.Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );
}

/** IEEE half → float, for float16 logits. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export class DecoderSession {
  /**
   * `blockSize`: the graph has the block-max part appended (block-max-graph.ts)
   * over blocks of this many ids, and every pass also returns its results.
   * Default: none.
   */
  constructor(
    readonly session: ort.InferenceSession,
    readonly layout: DecoderLayout,
    readonly blockSize?: number,
  ) {}

  get hasPast(): boolean {
    return this.layout.kv.length > 0;
  }

  /** Zero-length past tensors: what the first step of a with-past or merged graph takes. */
  emptyPast(batch: number): ort.Tensor[] {
    const { kvHeads, headDim, kvType } = this.layout;
    const data = kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    const t = new ort.Tensor(kvType, data, [batch, kvHeads, 0, headDim]);
    return this.layout.kv.flatMap(() => [t, t]);
  }

  async forward(input: ForwardInput): Promise<ForwardOutput> {
    const { layout } = this;
    const { batch, seqLen, totalLen, padding } = input;
    const padOf = (b: number): number => {
      const pad = padding[b];
      if (pad === undefined) throw new RangeError(`forward: no padding for row ${b} of ${batch}`);
      return pad;
    };
    const feeds: Record<string, ort.Tensor> = { input_ids: intTensor(layout.idType, input.ids, [batch, seqLen]) };
    if (layout.hasAttentionMask) {
      const mask = new BigInt64Array(batch * totalLen).fill(1n);
      // A chunk of a prefill may end inside a row's padding: that row is all zeros so far.
      for (let b = 0; b < batch; b++) mask.fill(0n, b * totalLen, b * totalLen + Math.min(padOf(b), totalLen));
      feeds.attention_mask = new ort.Tensor('int64', mask, [batch, totalLen]);
    }
    if (layout.hasPositionIds) {
      const positions = new BigInt64Array(batch * seqLen);
      for (let b = 0; b < batch; b++) {
        const pad = padOf(b);
        for (let t = 0; t < seqLen; t++) positions[b * seqLen + t] = BigInt(Math.max(0, totalLen - seqLen + t - pad));
      }
      feeds.position_ids = new ort.Tensor('int64', positions, [batch, seqLen]);
    }
    if (this.hasPast) {
      const past = input.past ?? this.emptyPast(batch);
      layout.kv.forEach((pair, i) => {
        const key = past[2 * i];
        const value = past[2 * i + 1];
        if (!key || !value) throw new RangeError(`forward: the past holds ${past.length} tensors, not two per layer`);
        feeds[pair.key] = key;
        feeds[pair.value] = value;
      });
      if (layout.hasUseCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', [input.past !== null], [1]);
    }
    // Only the last position's logits are used: spare the LM head the others.
    if (layout.logitsToKeepInput) feeds[layout.logitsToKeepInput] = new ort.Tensor('int64', BigInt64Array.of(1n), []);
    const blockK = Math.max(1, Math.min(input.blockK ?? 1, TOP_LIMIT));
    if (this.blockSize) feeds[APPENDED.k] = new ort.Tensor('int64', BigInt64Array.of(BigInt(blockK)), [1]);
    const t0 = performance.now();
    const out = await this.session.run(feeds);
    const runMs = performance.now() - t0;
    const logits = outputOf(out, 'logits');
    const [, outSeq = 1, vocab = 0] = logits.dims;
    // float16 logits arrive as raw halves (Uint16Array), or as numbers where the runtime has Float16Array.
    const src = logits.data as Float32Array | Uint16Array | Float64Array;
    let lastLogits: Float32Array;
    if (src instanceof Float32Array && outSeq === 1) {
      // One position per row (a decode step, or logits_to_keep): already [batch, vocab], no copy.
      lastLogits = src.subarray(0, batch * vocab);
    } else {
      lastLogits = new Float32Array(batch * vocab);
      for (let b = 0; b < batch; b++) {
        const from = (b * outSeq + outSeq - 1) * vocab;
        const row = src.subarray(from, from + vocab);
        if (row instanceof Uint16Array) halvesInto(row, lastLogits.subarray(b * vocab, (b + 1) * vocab));
        else lastLogits.set(row, b * vocab);
      }
      releaseArrays([src]);
    }
    const present = this.hasPast
      ? layout.kv.flatMap((p) => [outputOf(out, p.presentKey), outputOf(out, p.presentValue)])
      : null;
    if (!this.blockSize) return { lastLogits, vocab, present, runMs };
    return { lastLogits, vocab, present, runMs, blocks: readBlockScores(out, APPENDED, batch, blockK, this.blockSize) };
  }
}

/**
 * Frees the memory behind arrays that nothing will read again: the past a
 * step has consumed, the logits once sampled. onnxruntime-node returns every
 * output in a new ArrayBuffer, and V8 frees one only when a collection finds
 * it dead, counting it as external memory until then; a batch of 8 drops
 * about 4 MB of past per decode step, so that pressure alone started a full
 * collection every 18 steps or so. Detaching a buffer (`transfer(0)`) frees
 * its memory at once. Arrays without a buffer of their own to give up (empty,
 * already detached, shared memory) are left alone.
 */
export function releaseArrays(arrays: Iterable<ArrayBufferView>): void {
  for (const array of arrays) {
    const buffer = array.buffer;
    if (buffer instanceof ArrayBuffer && !buffer.detached && buffer.byteLength > 0) buffer.transfer(0);
  }
}

/** The typed arrays behind tensors, for releaseArrays. */
export function tensorArrays(tensors: readonly ort.Tensor[]): ArrayBufferView[] {
  return tensors.map((t) => t.data as ArrayBufferView);
}

/**
 * Keeps only `rows` (ascending) of each [batch, heads, len, dim] past tensor,
 * so finished rows stop costing compute, and drops the first `trim`
 * positions (left padding that every kept row has). A kept row's block is
 * one typed-array copy per head, or per row when nothing is trimmed.
 */
export function selectPastRows(past: ort.Tensor[], rows: readonly number[], trim = 0): ort.Tensor[] {
  return past.map((t) => {
    const [batch = 0, heads = 0, len = 0, dim = 0] = t.dims;
    if (trim < 0 || trim > len) throw new RangeError(`cannot trim ${trim} of ${len} positions`);
    const src = t.data as Float32Array | Uint16Array;
    const keep = len - trim;
    const dst = uninitialised(src, rows.length * heads * keep * dim);
    rows.forEach((r, i) => {
      if (r >= batch) throw new RangeError(`row ${r} out of range for batch ${batch}`);
      if (trim === 0) dst.set(src.subarray(r * heads * len * dim, (r + 1) * heads * len * dim), i * heads * len * dim);
      else {
        for (let h = 0; h < heads; h++) {
          const from = ((r * heads + h) * len + trim) * dim;
          dst.set(src.subarray(from, from + keep * dim), (i * heads + h) * keep * dim);
        }
      }
    });
    return new ort.Tensor(t.type as 'float32', dst as Float32Array, [rows.length, heads, keep, dim]);
  });
}

/**
 * Stacks two groups of past tensors ([batch, heads, len, dim] each, same
 * heads and dim) into one batch of length `len`: each group is left-padded
 * with zeros to it (`len` minus its own length), the rows of `a` first. The
 * padding is masked out by the caller (its rows' padding grows by as much),
 * so the rows' results do not change.
 */
export function stackPast(a: ort.Tensor[], b: ort.Tensor[], len: number): ort.Tensor[] {
  if (a.length !== b.length) throw new RangeError(`cannot stack ${a.length} past tensors with ${b.length}`);
  return a.map((ta, k) => {
    const tb = b[k];
    if (tb === undefined) throw new RangeError(`no past tensor ${k} to stack with`);
    const [batchA = 0, heads = 0, lenA = 0, dim = 0] = ta.dims;
    const [batchB = 0, headsB = 0, lenB = 0, dimB = 0] = tb.dims;
    if (headsB !== heads || dimB !== dim || ta.type !== tb.type)
      throw new RangeError('past tensors of different layouts');
    if (lenA > len || lenB > len)
      throw new RangeError(`cannot pad a past of ${Math.max(lenA, lenB)} positions to ${len}`);
    const srcA = ta.data as Float32Array | Uint16Array;
    const dst = uninitialised(srcA, (batchA + batchB) * heads * len * dim);
    const place = (src: Float32Array | Uint16Array, rows: number, own: number, firstRow: number): void => {
      const shift = len - own;
      for (let r = 0; r < rows; r++) {
        for (let h = 0; h < heads; h++) {
          const at = ((firstRow + r) * heads + h) * len * dim;
          dst.fill(0, at, at + shift * dim);
          const from = (r * heads + h) * own * dim;
          dst.set(src.subarray(from, from + own * dim), at + shift * dim);
        }
      }
    };
    place(srcA, batchA, lenA, 0);
    place(tb.data as Float32Array | Uint16Array, batchB, lenB, batchA);
    return new ort.Tensor(ta.type as 'float32', dst as Float32Array, [batchA + batchB, heads, len, dim]);
  });
}

/** A typed array like `like` of `length` elements whose memory is not zeroed (every element is written by the caller). */
function uninitialised(like: Float32Array | Uint16Array, length: number): Float32Array | Uint16Array {
  // A typed-array constructor would zero megabytes that are overwritten at once.
  const bytes = Buffer.allocUnsafeSlow(length * like.BYTES_PER_ELEMENT);
  const Ctor = like.constructor as Float32ArrayConstructor | Uint16ArrayConstructor;
  return new Ctor(bytes.buffer, bytes.byteOffset, length);
}
