/**
 * The k best scores of every row of a batch in one onnxruntime TopK run:
 * at a vocabulary of 151,936 a JavaScript pass over one row's scores costs
 * about as much as TopK over all eight rows of a batch, natively and on
 * onnxruntime's threads. The graph (one TopK node) is written here as
 * protobuf bytes, so there is no file to ship. ONNX's TopK puts the lower
 * index first among equal values, which is chooseToken's tie rule, so the
 * token chosen is the same.
 */
import * as ort from 'onnxruntime-node';

/** Protobuf wire format, the little that a one-node ModelProto needs. */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const field = (no: number, wire: number): number[] => varint(no * 8 + wire);
const int = (no: number, v: number): number[] => [...field(no, 0), ...varint(v)];
const bytes = (no: number, b: readonly number[]): number[] => [...field(no, 2), ...varint(b.length), ...b];
const text = (no: number, s: string): number[] => bytes(no, [...Buffer.from(s, 'utf8')]);

const FLOAT = 1;
const INT64 = 7;
/** AttributeProto.type INT */
const ATTR_INT = 2;

/** ValueInfoProto: a tensor of `elemType` with symbolic or fixed dimensions. */
function tensorInfo(name: string, elemType: number, dims: ReadonlyArray<string | number>): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : text(2, d)));
  const tensor = [...int(1, elemType), ...bytes(2, shape)];
  return [...text(1, name), ...bytes(2, bytes(1, tensor))];
}

/** The ModelProto of `values, indices = TopK(scores, k)` over axis 1 (the vocabulary), largest first, sorted. */
export function topKModel(): Uint8Array {
  const attr = (name: string, v: number) => bytes(5, [...text(1, name), ...int(3, v), ...int(20, ATTR_INT)]);
  const node = [...text(1, 'scores'), ...text(1, 'k'), ...text(2, 'values'), ...text(2, 'indices'), ...text(4, 'TopK'), ...attr('axis', 1), ...attr('largest', 1), ...attr('sorted', 1)];
  const graph = [
    ...bytes(1, node),
    ...text(2, 'top-k'),
    ...bytes(11, tensorInfo('scores', FLOAT, ['rows', 'vocab'])),
    ...bytes(11, tensorInfo('k', INT64, [1])),
    ...bytes(12, tensorInfo('values', FLOAT, ['rows', 'kept'])),
    ...bytes(12, tensorInfo('indices', INT64, ['rows', 'kept'])),
  ];
  return Uint8Array.from([...int(1, 8), ...bytes(7, graph), ...bytes(8, [...text(1, ''), ...int(2, 17)])]);
}

export interface TopKRows {
  /** [rows, k] best first. */
  values: Float32Array;
  indices: BigInt64Array;
  k: number;
}

/** A TopK session on the CPU provider; `run` takes a batch's scores, row-major [rows, vocab]. */
export class TopKSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(threads?: number): Promise<TopKSession> {
    const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], logSeverityLevel: 3, extra: { session: { intra_op: { allow_spinning: '0' } } } };
    if (threads !== undefined) options.intraOpNumThreads = threads;
    return new TopKSession(await ort.InferenceSession.create(topKModel(), options));
  }

  async run(scores: Float32Array, rows: number, vocab: number, k: number): Promise<TopKRows> {
    const kept = Math.min(k, vocab);
    const out = await this.session.run({
      scores: new ort.Tensor('float32', scores.subarray(0, rows * vocab), [rows, vocab]),
      k: new ort.Tensor('int64', BigInt64Array.of(BigInt(kept)), [1]),
    });
    return { values: (out.values as ort.Tensor).data as Float32Array, indices: (out.indices as ort.Tensor).data as BigInt64Array, k: kept };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
