/**
 * Tokenising, truncating and right-padding a batch of texts into the int
 * tensors an encoder graph takes. Shared by the sentence encoder and the CLIP
 * text tower; pure apart from building ort.Tensor objects.
 */
import * as ort from 'onnxruntime-node';
import type { TextTokenizer } from './tokenizer.js';
import { tensorMetadata } from './session.js';

/**
 * Ids of `text` with the tokenizer's special tokens, cut to `maxLength`. When
 * too long, the middle is dropped and the final token kept, so a template such
 * as `[CLS] … [SEP]` or `<|startoftext|> … <|endoftext|>` keeps its closing
 * token, as the tokenizers library's truncation does.
 */
export function encodeTruncated(tokenizer: TextTokenizer, text: string, maxLength: number): number[] {
  const ids = tokenizer.encode(text);
  const last = ids.at(-1);
  if (ids.length <= maxLength || last === undefined) return ids;
  return [...ids.slice(0, maxLength - 1), last];
}

export interface PaddedBatch {
  rows: number;
  width: number;
  /** Row-major [rows, width]; padded positions hold `padId`. */
  ids: number[];
  /** 1 for real tokens, 0 for padding. */
  mask: number[];
}

/** Right-pads each row to the longest one. */
export function padBatch(rows: readonly number[][], padId: number): PaddedBatch {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const ids: number[] = [];
  const mask: number[] = [];
  for (const r of rows) {
    for (let i = 0; i < width; i++) {
      const id = r[i];
      ids.push(id ?? padId);
      mask.push(id === undefined ? 0 : 1);
    }
  }
  return { rows: rows.length, width, ids, mask };
}

/** An integer tensor in the dtype the graph declares for `name` (int64 unless it says int32). */
export function intTensor(
  session: ort.InferenceSession,
  name: string,
  values: readonly number[],
  dims: readonly number[],
): ort.Tensor {
  const meta = tensorMetadata(session.inputMetadata, name);
  if (meta?.type === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims);
  return new ort.Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );
}

/**
 * The feeds for a padded batch: `input_ids`, and `attention_mask` /
 * `token_type_ids` (all zeros: one segment) only when the graph has them.
 */
export function textFeeds(session: ort.InferenceSession, batch: PaddedBatch): Record<string, ort.Tensor> {
  const dims = [batch.rows, batch.width];
  const feeds: Record<string, ort.Tensor> = { input_ids: intTensor(session, 'input_ids', batch.ids, dims) };
  if (session.inputNames.includes('attention_mask'))
    feeds.attention_mask = intTensor(session, 'attention_mask', batch.mask, dims);
  if (session.inputNames.includes('token_type_ids')) {
    feeds.token_type_ids = intTensor(session, 'token_type_ids', new Array<number>(batch.ids.length).fill(0), dims);
  }
  return feeds;
}

/** The named output, else the graph's first output. */
export function pickOutput(
  session: ort.InferenceSession,
  results: ort.InferenceSession.OnnxValueMapType,
  preferred: string,
): ort.Tensor {
  const name = session.outputNames.includes(preferred) ? preferred : session.outputNames[0];
  const t = name === undefined ? undefined : results[name];
  if (!t) throw new Error(`ONNX graph returned no output ${name ?? preferred}`);
  return t;
}

/** Rows of a [rows, dim] float tensor as plain arrays. */
export function rowsOf(t: ort.Tensor): number[][] {
  const [rows, dim] = t.dims as [number, number];
  const data = t.data as Float32Array;
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from(data.subarray(r * dim, (r + 1) * dim)));
  return out;
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
