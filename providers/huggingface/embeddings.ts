/** Hugging Face feature extraction on `@langchain/community`'s HuggingFaceInferenceEmbeddings. */
import { HuggingFaceInferenceEmbeddings } from '@langchain/community/embeddings/hf';
import { ProviderError, type Embedder } from '../types.js';
import {
  HealthTracker,
  InFlight,
  callSignal,
  closedError,
  notConfiguredError,
  type ResponseRecord,
} from '../call-scope.js';
import {
  HF_CONSTRUCTOR_PLACEHOLDER_KEY,
  failedCall,
  inferenceClient,
  resolveHuggingFaceSettings,
  type HuggingFaceProviderOptions,
} from './api.js';

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((x) => typeof x === 'number');
}

function meanPool(tokens: number[][]): number[] {
  const width = tokens[0]?.length ?? 0;
  // Each dimension's mean over the tokens (a token shorter than the first counts 0 past its end).
  return Array.from({ length: width }, (_, i) => {
    let sum = 0;
    for (const token of tokens) sum += token[i] ?? 0;
    return sum / Math.max(1, tokens.length);
  });
}

/**
 * One vector per text. Sentence-transformers models answer pooled vectors;
 * a bare transformer answers one vector per token, which we mean-pool.
 */
export function toVectors(output: unknown, count: number, providerId: string): number[][] {
  const rows = Array.isArray(output) ? (count === 1 && isNumbers(output) ? [output] : output) : [];
  const vectors = rows.map((row: unknown) => {
    if (isNumbers(row)) return row;
    if (Array.isArray(row) && row.every(isNumbers)) return meanPool(row);
    return undefined;
  });
  if (vectors.length !== count || vectors.some((v) => v === undefined)) {
    throw new ProviderError(
      'unavailable',
      providerId,
      `${providerId}: feature extraction answered an unexpected shape`,
    );
  }
  return vectors as number[][];
}

/** An Embedder on Hugging Face feature extraction. `embed` rejects with a ProviderError on failure. */
export function createHuggingFaceEmbedder(options: HuggingFaceProviderOptions = {}): Embedder {
  const settings = resolveHuggingFaceSettings(options);
  const inFlight = new InFlight();
  const health = new HealthTracker(settings.configured, { url: settings.embeddingUrl });
  return {
    id: settings.id,
    kind: 'huggingface',
    model: settings.embeddingModel,
    async embed(texts, opts = {}) {
      if (inFlight.closed) throw closedError(settings.id);
      if (!settings.configured)
        throw notConfiguredError(settings.id, 'set HUGGINGFACEHUB_API_TOKEN / HF_TOKEN or an endpoint URL');
      if (texts.length === 0) return [];
      const call = callSignal(inFlight, settings.timeoutMs, opts.signal);
      const record: ResponseRecord = {};
      try {
        const embeddings = new HuggingFaceInferenceEmbeddings({
          apiKey: settings.apiKey || HF_CONSTRUCTOR_PLACEHOLDER_KEY,
          model: settings.embeddingModel,
          endpointUrl: settings.embeddingUrl,
          maxRetries: 0,
        });
        // The wrapper's `client` is a public field; ours carries fetch, signal and no auto-retry (see api.ts).
        embeddings.client = inferenceClient(settings, settings.embeddingUrl, call.signal, record);
        const output: unknown = await embeddings.embedDocuments(texts);
        if (call.signal.aborted) throw call.signal.reason;
        const vectors = toVectors(output, texts.length, settings.id);
        health.success();
        return vectors;
      } catch (error) {
        throw failedCall(settings, error, call, record, health);
      } finally {
        call.dispose();
      }
    },
    async health() {
      return health.snapshot();
    },
    async close() {
      inFlight.close();
    },
  };
}
