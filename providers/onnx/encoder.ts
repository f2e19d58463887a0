/**
 * Local sentence embeddings from an ONNX encoder export (BERT-style, as
 * optimum or the sentence-transformers ONNX backend write it): pooled
 * `last_hidden_state` in padded batches, with the pooling and normalisation
 * the folder's sentence-transformers files ask for (see encoder-pooling.ts).
 */
import type { Embedder, ProviderHealth } from '../types.js';
import { ProviderError } from '../types.js';
import { numberField, readModelFolder } from './model-folder.js';
import { loadTokenizer } from './tokenizer.js';
import { createOrtSession, type ExecutionProviderSetting, type SessionLogger } from './session.js';
import { chunks, encodeTruncated, padBatch, pickOutput, rowsOf, textFeeds } from './encoder-inputs.js';
import {
  l2Normalize,
  type PoolingMode,
  poolRow,
  readPoolingSetup,
  readSentenceBertMaxLength,
} from './encoder-pooling.js';

export interface OnnxEmbedderOptions {
  /** The model folder (config.json, tokenizer.json, onnx/model.onnx). Required: there is no bundled encoder. */
  modelDir: string;
  /** Provider id. Default "onnx-embedder". */
  id?: string;
  /** Default 'auto': CUDA when its provider loads, else CPU. */
  executionProvider?: ExecutionProviderSetting;
  /** Intra-op threads for the CPU provider. Default: ONNX Runtime's own choice. */
  intraOpThreads?: number;
  /** Most texts per forward pass. Default 32. */
  maxBatch?: number;
  /**
   * Longest input in tokens, special tokens included; longer texts are cut.
   * Default: sentence_bert_config.json's `max_seq_length`, else config.json's
   * `max_position_embeddings`, else 512.
   */
  maxLength?: number;
  /** Pooling modes. Default: from 1_Pooling/config.json, else mean. */
  pooling?: PoolingMode[];
  /** L2-normalise the vectors. Default: true when modules.json lists a Normalize module. */
  normalize?: boolean;
  /** Where session start-up is logged. Default: console. */
  logger?: SessionLogger;
}

function readMaxLength(dir: string, config: Record<string, unknown>): number {
  return readSentenceBertMaxLength(dir) ?? numberField(config, 'max_position_embeddings') ?? 512;
}

/** Creates an Embedder over a local ONNX encoder. Rejects when the folder or session cannot load. */
export async function createOnnxEmbedder(options: OnnxEmbedderOptions): Promise<Embedder> {
  const id = options.id ?? 'onnx-embedder';
  const folder = readModelFolder(options.modelDir, { onnxFiles: ['onnx/model.onnx', 'model.onnx'] });
  const tokenizer = loadTokenizer(folder);
  const setup = readPoolingSetup(folder.dir);
  const modes = options.pooling ?? setup.modes;
  const normalize = options.normalize ?? setup.normalize;
  const maxLength = options.maxLength ?? readMaxLength(folder.dir, folder.config);
  const maxBatch = Math.max(1, options.maxBatch ?? 32);
  const sessionOptions = {
    ...(options.executionProvider !== undefined && { executionProvider: options.executionProvider }),
    ...(options.intraOpThreads !== undefined && { intraOpNumThreads: options.intraOpThreads }),
    ...(options.logger !== undefined && { logger: options.logger }),
  };
  const { session, executionProvider } = await createOrtSession(folder.onnxPath, sessionOptions);
  let lastError: string | null = null;

  async function embedBatch(rows: number[][]): Promise<number[][]> {
    const batch = padBatch(rows, tokenizer.special.pad);
    const results = await session.run(textFeeds(session, batch));
    const out = pickOutput(session, results, 'last_hidden_state');
    // A graph that already pools (e.g. a `sentence_embedding` output) gives [rows, dim].
    if (out.dims.length === 2) return normalize ? rowsOf(out).map(l2Normalize) : rowsOf(out);
    const [, seq, dim] = out.dims as [number, number, number];
    const hidden = out.data as Float32Array;
    return rows.map((_, r) => poolRow(hidden, r, seq, dim, batch.mask, modes, normalize));
  }

  return {
    id,
    kind: 'onnx',
    model: folder.name,
    async embed(texts, callOptions = {}) {
      const encoded = texts.map((t) => encodeTruncated(tokenizer, t, maxLength));
      // Sorting by length keeps rows of a batch close in size, so little of each pass is padding.
      const order = encoded.map((ids, i) => ({ ids, i })).sort((a, b) => a.ids.length - b.ids.length);
      const vectors: number[][] = new Array<number[]>(texts.length);
      for (const part of chunks(order, maxBatch)) {
        callOptions.signal?.throwIfAborted();
        let pooled: number[][];
        try {
          pooled = await embedBatch(part.map((e) => e.ids));
        } catch (cause) {
          lastError = cause instanceof Error ? cause.message : String(cause);
          throw new ProviderError('unavailable', id, `encoder ${folder.name} failed: ${lastError}`, { cause });
        }
        for (const [k, { i }] of part.entries()) {
          const vector = pooled[k];
          if (vector === undefined)
            throw new ProviderError(
              'unavailable',
              id,
              `encoder ${folder.name} answered ${pooled.length} vectors for ${part.length} texts`,
            );
          vectors[i] = vector;
        }
      }
      return vectors;
    },
    async health(): Promise<ProviderHealth> {
      return {
        healthy: lastError === null,
        configured: true,
        lastError,
        details: {
          executionProvider,
          pooling: modes.join('+'),
          normalize: String(normalize),
          poolingSource: setup.source,
          maxLength: String(maxLength),
        },
      };
    },
    async close() {
      await session.release();
    },
  };
}
