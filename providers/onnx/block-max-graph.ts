/**
 * The block-max graph (block-max-session.ts) as ONNX protobuf bytes: on its
 * own, as a model of one input, or appended to a decoder's own graph so that
 * the decoder's one run also gives the blocks' maxima and best tokens of its
 * last position's logits, read while they are still in cache, with no second
 * run. Appending needs no protobuf library: a message's fields may come in
 * any number of pieces, and a parser merges a second occurrence of an
 * embedded message (ModelProto.graph) into the first, appending to its
 * repeated fields (nodes, initializers, inputs, outputs). So the decoder's
 * file is read as it is, and one more `graph` field holding only the new
 * nodes and values is written after it.
 */

/** Protobuf wire format, the little that these messages need. A negative int64 is its two's complement, ten bytes. */
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
/** The standalone graph's opset; an appended one uses its decoder's. */
const OPSET = 17;

/** ValueInfoProto: a tensor of `elemType` with symbolic or fixed dimensions. */
function tensorInfo(name: string, elemType: number, dims: ReadonlyArray<string | number>): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : text(2, d)));
  const tensor = [...int(1, elemType), ...bytes(2, shape)];
  return [...text(1, name), ...bytes(2, bytes(1, tensor))];
}

/** NodeProto, each of `ints` an AttributeProto of an integer or a list of them. */
function node(op: string, inputs: string[], outputs: string[], ints: Record<string, number | number[]> = {}): number[] {
  const encoded = Object.entries(ints).flatMap(([name, v]) =>
    bytes(5, [
      ...text(1, name),
      ...(Array.isArray(v)
        ? [...v.flatMap((x) => int(8, x)), ...int(20, ATTR_INTS)]
        : [...int(3, v), ...int(20, ATTR_INT)]),
    ]),
  );
  return bytes(1, [
    ...inputs.flatMap((i) => text(1, i)),
    ...outputs.flatMap((o) => text(2, o)),
    ...text(4, op),
    ...encoded,
  ]);
}

/** An int64 initializer; `scalar` for a 0-d tensor. */
function int64s(name: string, values: number[], scalar = false): number[] {
  return bytes(5, [
    ...(scalar ? [] : int(1, values.length)),
    ...int(2, INT64),
    ...values.flatMap((v) => int(7, v)),
    ...text(8, name),
  ]);
}

/** The names of a block-max graph's inputs and outputs. */
export interface BlockMaxNames {
  /** [rows, vocab] float32 scores (standalone), or the decoder's [rows, positions, vocab] logits (appended: the last position is read). */
  scores: string;
  /** [1] int64: how many best tokens. */
  k: string;
  /** [rows, blocks]: each block's best score. */
  maxima: string;
  /** [rows, k]: the k best blocks, in id order. */
  blockIds: string;
  /** [rows, k]: the k best scores among those blocks, best first. */
  values: string;
  /** [rows, k]: where each is: position p is id blockIds[p / size] * size + p % size. */
  positions: string;
}

export const STANDALONE: BlockMaxNames = {
  scores: 'scores',
  k: 'k',
  maxima: 'maxima',
  blockIds: 'block_ids',
  values: 'values',
  positions: 'positions',
};

/** The names an appended graph uses: prefixed so that no decoder's own value is hit. */
export const APPENDED: BlockMaxNames = {
  scores: 'logits',
  k: 'block_max.k',
  maxima: 'block_max.maxima',
  blockIds: 'block_max.block_ids',
  values: 'block_max.values',
  positions: 'block_max.positions',
};

/**
 * What the block-max graph reads: its own input of [rows, vocab] scores;
 * a decoder's logits of one position per row ([rows, 1, vocab], read in
 * place); or of several, whose last is taken first (a copy of it).
 */
type ScoresInput = 'input' | 'one position' | 'positions';

/**
 * The nodes, initializers and input/output infos of the block-max graph
 * (GraphProto fields), in operators of `opset` (ReduceMax takes its axes as
 * an input from 18 on).
 */
function blockMaxGraph(
  names: BlockMaxNames,
  vocab: number,
  size: number,
  opset: number,
  scores: ScoresInput,
): number[] {
  if (!Number.isInteger(vocab / size)) throw new RangeError(`blocks of ${size} do not divide a vocabulary of ${vocab}`);
  const v = (s: string) => `block_max.${s}`;
  const gather = scores === 'positions';
  const flat = gather ? v('last_scores') : names.scores;
  const axesInput = opset >= 18;
  return [
    ...(gather ? node('Gather', [names.scores, v('last_index')], [flat], { axis: 1 }) : []),
    ...node('Reshape', [flat, v('shape')], [v('blocks')]),
    ...(axesInput
      ? node('ReduceMax', [v('blocks'), v('axes')], [names.maxima], { keepdims: 0 })
      : node('ReduceMax', [v('blocks')], [names.maxima], { axes: [2], keepdims: 0 })),
    ...node('TopK', [names.maxima, names.k], [v('best_maxima'), v('best_blocks')], { axis: 1 }),
    ...node('TopK', [v('best_blocks'), names.k], [names.blockIds, v('block_order')], { axis: 1, largest: 0 }),
    ...node('Unsqueeze', [names.blockIds, v('last')], [v('block_index')]),
    ...node('GatherND', [v('blocks'), v('block_index')], [v('picked')], { batch_dims: 1 }),
    ...node('Reshape', [v('picked'), v('flat')], [v('candidates')]),
    ...node('TopK', [v('candidates'), names.k], [names.values, names.positions], { axis: 1 }),
    ...int64s(v('shape'), [-1, vocab / size, size]),
    ...int64s(v('flat'), [0, -1]),
    ...int64s(v('last'), [-1]),
    ...(axesInput ? int64s(v('axes'), [2]) : []),
    ...(gather ? int64s(v('last_index'), [-1], true) : []),
    ...(scores === 'input' ? bytes(11, tensorInfo(names.scores, FLOAT, ['rows', vocab])) : []),
    ...bytes(11, tensorInfo(names.k, INT64, [1])),
    ...bytes(12, tensorInfo(names.maxima, FLOAT, ['rows', vocab / size])),
    ...bytes(12, tensorInfo(names.blockIds, INT64, ['rows', 'k'])),
    ...bytes(12, tensorInfo(names.values, FLOAT, ['rows', 'k'])),
    ...bytes(12, tensorInfo(names.positions, INT64, ['rows', 'k'])),
  ];
}

/** The standalone ModelProto: one input of [rows, vocab] scores (STANDALONE names), in operators of `opset` (default 17). */
export function blockMaxModel(vocab: number, size: number, opset = OPSET): Uint8Array {
  const graph = [...blockMaxGraph(STANDALONE, vocab, size, opset, 'input'), ...text(2, 'block-max')];
  return Uint8Array.from([...int(1, 8), ...bytes(7, graph), ...bytes(8, [...text(1, ''), ...int(2, opset)])]);
}

/** Reads a varint at `at`; returns it and where the next byte is. Lengths and field numbers only: a double's precision is plenty. */
function readVarint(buf: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length; i++) {
    const b = buf[i];
    if (b === undefined) break;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, i + 1];
    scale *= 128;
  }
  throw new RangeError('truncated varint in the model file');
}

/**
 * The ModelProto's opset version of the default ONNX domain, walking its
 * top-level fields only (the graph, however large, is skipped by its
 * length). Null when the model names none, or the bytes are no ModelProto.
 */
export function defaultOpset(model: Uint8Array): number | null {
  let found: number | null = null;
  for (let at = 0; at < model.length;) {
    const [key, next] = readVarint(model, at);
    const wire = key % 8;
    at = next;
    if (wire === 0) at = readVarint(model, at)[1];
    else if (wire === 2) {
      const [length, start] = readVarint(model, at);
      if (key >>> 3 === 8) found = opsetOf(model.subarray(start, start + length)) ?? found;
      at = start + length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else return null;
  }
  return found;
}

/** An OperatorSetIdProto's version when its domain is the default ('' or 'ai.onnx'), else null. */
function opsetOf(entry: Uint8Array): number | null {
  let domain = '';
  let version: number | null = null;
  for (let at = 0; at < entry.length;) {
    const [key, next] = readVarint(entry, at);
    if (key === 10) {
      const [length, start] = readVarint(entry, next);
      domain = Buffer.from(entry.subarray(start, start + length)).toString('utf8');
      at = start + length;
    } else if (key === 16) [version, at] = readVarint(entry, next);
    else return null;
  }
  return domain === '' || domain === 'ai.onnx' ? version : null;
}

/**
 * The decoder's ModelProto with the block-max graph appended (APPENDED
 * names), reading its `logits` output ([rows, positions, vocab], float32).
 * `onePosition`: the logits always have one position per row (the decoder
 * is fed logits_to_keep 1), and are read in place; else the last position
 * is copied out first, which costs about as much as the rest. Default
 * false. Throws RangeError when the model names no default-domain opset.
 */
export function withBlockMax(model: Uint8Array, vocab: number, size: number, onePosition = false): Uint8Array {
  const opset = defaultOpset(model);
  if (opset === null) throw new RangeError('the model file names no ONNX opset');
  const extra = Uint8Array.from(
    bytes(7, blockMaxGraph(APPENDED, vocab, size, opset, onePosition ? 'one position' : 'positions')),
  );
  const out = new Uint8Array(model.length + extra.length);
  out.set(model);
  out.set(extra, model.length);
  return out;
}
