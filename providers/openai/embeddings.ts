/** OpenAI embeddings on LangChain's OpenAIEmbeddings (`POST /v1/embeddings`). */
import { OpenAIEmbeddings } from '@langchain/openai';
import type { Embedder } from '../types.js';
import {
  HealthTracker,
  InFlight,
  callSignal,
  closedError,
  notConfiguredError,
  toProviderError,
} from '../call-scope.js';
import { clientConfiguration, resolveOpenAISettings, secretsOf, type OpenAIProviderOptions } from './api.js';

/** An Embedder on OpenAI (or a compatible server). `embed` rejects with a ProviderError on failure. */
export function createOpenAIEmbedder(options: OpenAIProviderOptions = {}): Embedder {
  const settings = resolveOpenAISettings(options);
  const inFlight = new InFlight();
  const health = new HealthTracker(settings.configured, { baseURL: settings.baseURL });

  return {
    id: settings.id,
    kind: 'openai',
    model: settings.embeddingModel,
    async embed(texts, opts = {}) {
      if (inFlight.closed) throw closedError(settings.id);
      if (!settings.configured) throw notConfiguredError(settings.id, 'set an API key or a baseURL');
      if (texts.length === 0) return [];
      const call = callSignal(inFlight, settings.timeoutMs, opts.signal);
      try {
        const embeddings = new OpenAIEmbeddings({
          apiKey: settings.apiKey,
          model: settings.embeddingModel,
          configuration: clientConfiguration(settings, call.signal),
          maxRetries: 0,
          timeout: settings.timeoutMs,
          batchSize: settings.embeddingBatchSize,
          maxConcurrency: settings.maxConcurrency,
          // The SDK asks for base64 by default; several compatible servers only speak floats.
          encodingFormat: 'float',
        });
        const vectors = await embeddings.embedDocuments(texts);
        if (call.signal.aborted) throw call.signal.reason;
        health.success();
        // The SDK may hand back Float32Arrays; callers get plain arrays.
        return vectors.map((v) => Array.from(v));
      } catch (error) {
        const mapped = toProviderError(settings.id, error, call.context({ secrets: secretsOf(settings) }));
        // A caller that gave up says nothing about the provider's health.
        if (!call.aborted()) health.failure(mapped);
        throw mapped;
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
