/**
 * Sentence-transformers pooling for ONNX encoder exports. What is read from
 * the model folder:
 *
 * - `modules.json`: the module list. The `…models.Pooling` entry's `path`
 *   names the pooling folder; a `…models.Normalize` entry turns on L2
 *   normalisation of the final vector.
 * - `<pooling path>/config.json` (usually `1_Pooling/config.json`, also tried
 *   when there is no modules.json): `pooling_mode_cls_token`,
 *   `pooling_mode_mean_tokens`, `pooling_mode_max_tokens`,
 *   `pooling_mode_mean_sqrt_len_tokens`. Several true modes are concatenated
 *   in that order, as sentence-transformers does.
 * - With neither file: mean pooling, no normalisation.
 * - `sentence_bert_config.json`: `max_seq_length`, the longest input.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type PoolingMode = 'cls' | 'mean' | 'max' | 'mean_sqrt_len';

export const POOLING_MODES: readonly PoolingMode[] = ['cls', 'max', 'mean', 'mean_sqrt_len'];

export interface PoolingSetup {
  modes: PoolingMode[];
  normalize: boolean;
  /** Which files decided it, for health details and logs. */
  source: string;
}

interface ModuleEntry {
  path?: unknown;
  type?: unknown;
}

function readJson(file: string): unknown {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : undefined;
}

/** Reads the pooling modes and normalisation of a sentence-transformers folder. */
export function readPoolingSetup(dir: string): PoolingSetup {
  const modules = readJson(path.join(dir, 'modules.json'));
  const list: ModuleEntry[] = Array.isArray(modules) ? (modules as ModuleEntry[]) : [];
  const typeOf = (m: ModuleEntry): string => (typeof m.type === 'string' ? m.type : '');
  const poolingEntry = list.find((m) => typeOf(m).endsWith('.Pooling') || typeOf(m) === 'Pooling');
  const poolingPath = typeof poolingEntry?.path === 'string' ? poolingEntry.path : '1_Pooling';
  const normalize = list.some((m) => typeOf(m).endsWith('.Normalize') || typeOf(m) === 'Normalize');
  const poolingFile = path.join(dir, poolingPath, 'config.json');
  const config = readJson(poolingFile) as Record<string, unknown> | undefined;
  const sources = [modules !== undefined ? 'modules.json' : null, config ? `${poolingPath}/config.json` : null].filter(
    Boolean,
  );
  const modes: PoolingMode[] = [];
  if (config) {
    if (config.pooling_mode_cls_token === true) modes.push('cls');
    if (config.pooling_mode_max_tokens === true) modes.push('max');
    if (config.pooling_mode_mean_tokens === true) modes.push('mean');
    if (config.pooling_mode_mean_sqrt_len_tokens === true) modes.push('mean_sqrt_len');
  }
  if (modes.length === 0) modes.push('mean');
  return { modes, normalize, source: sources.length > 0 ? sources.join(' + ') : 'defaults (mean, no normalisation)' };
}

/** `max_seq_length` from sentence_bert_config.json, when the folder has one. */
export function readSentenceBertMaxLength(dir: string): number | undefined {
  const config = readJson(path.join(dir, 'sentence_bert_config.json')) as Record<string, unknown> | undefined;
  const v = config?.max_seq_length;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Pools one row of a [rows, seq, hidden] tensor over the positions where
 * `mask` is 1 (pure). Padding never contributes.
 */
export function poolRow(
  hidden: Float32Array,
  row: number,
  seq: number,
  dim: number,
  mask: readonly number[],
  modes: readonly PoolingMode[],
  normalize: boolean,
): number[] {
  const base = row * seq * dim;
  if (hidden.length < base + seq * dim)
    throw new RangeError(`poolRow: no row ${row} of ${seq}×${dim} in the hidden state`);
  const out: number[] = [];
  for (const mode of modes) {
    if (mode === 'cls') {
      out.push(...hidden.subarray(base, base + dim));
      continue;
    }
    const acc = new Float64Array(dim).fill(mode === 'max' ? -Infinity : 0);
    let count = 0;
    for (let t = 0; t < seq; t++) {
      if (mask[row * seq + t] !== 1) continue;
      count++;
      const off = base + t * dim;
      for (let d = 0; d < dim; d++) {
        // In range: the length was checked above, and d < dim.
        const v = hidden[off + d] ?? Number.NaN;
        const a = acc[d] ?? Number.NaN;
        acc[d] = mode === 'max' ? Math.max(a, v) : a + v;
      }
    }
    const div =
      mode === 'mean' ? Math.max(count, 1e-9) : mode === 'mean_sqrt_len' ? Math.sqrt(Math.max(count, 1e-9)) : 1;
    for (const a of acc) out.push(a / div);
  }
  return normalize ? l2Normalize(out) : out;
}

/** The vector divided by its L2 norm (a zero vector stays zero, as torch's normalize with eps does). */
export function l2Normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm > 1e-12 ? v.map((x) => x / norm) : v.map(() => 0);
}
