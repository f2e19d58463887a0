/**
 * Hugging Face settings: options, defaults, URLs, and the configured
 * `InferenceClient` both capabilities use.
 *
 * Why we build the client ourselves instead of letting LangChain do it:
 * `@langchain/community`'s wrappers create `new HfInference(key, {includeCredentials})`
 * (text generation) or `new InferenceClient(key)` (embeddings) with no way to
 * pass the client's own options, and the defaults do not suit a gateway:
 * - `retry_on_error` defaults to true, and `@huggingface/inference`
 *   (utils/request.ts) then retries every 503 at once, with no delay and no
 *   limit; retries belong to our routing layer, so we turn it off;
 * - the client's errors carry the status but not the response headers, so
 *   `Retry-After` is lost; a fetch wrapper records them;
 * - LangChain only races the caller's signal, leaving the socket open; the
 *   same fetch wrapper binds the signal to the request itself.
 * `fetch` and `retry_on_error` are supported `InferenceClient` options.
 *
 * Addressing: we always give the client an `endpointUrl`. Without one it
 * resolves the provider through the Hub (`provider: "auto"` looks the model
 * up on huggingface.co with the global fetch), which a self-hosted server or
 * a test fake cannot answer. The serverless form is spelled out instead as
 * `${baseUrl}/models/${model}`, the URL the client itself uses for the
 * hf-inference provider.
 */
import { InferenceClient } from '@huggingface/inference';
import {
  scopedFetch,
  toProviderError,
  type CallSignal,
  type HealthTracker,
  type ResponseRecord,
} from '../call-scope.js';
import type { ProviderError } from '../types.js';

/** Where the hf-inference provider serves `/models/{model}` (serverless Inference API). */
export const HF_DEFAULT_BASE_URL = 'https://router.huggingface.co/hf-inference';

export interface HuggingFaceProviderOptions {
  /** Provider id used in errors, health and the registry. Default: "huggingface". */
  id?: string;
  /** Access token (config reads HUGGINGFACEHUB_API_TOKEN, then HF_TOKEN). Default: none (not configured unless `endpointUrl` is set). */
  apiKey?: string | undefined;
  /** Text-generation model id. Default: "EleutherAI/gpt-neo-2.7B". */
  model?: string;
  /**
   * A dedicated Inference Endpoint or a self-hosted Text Generation Inference
   * server: the URL that takes `{inputs, parameters}` (a TGI root or its
   * `/generate`). Default: none (serverless form). Marks the provider configured even without a key.
   */
  endpointUrl?: string | undefined;
  /** Base of the serverless form, `${baseUrl}/models/${model}`. Default: "https://router.huggingface.co/hf-inference". */
  baseUrl?: string;
  /** Feature-extraction model id. Default: "sentence-transformers/paraphrase-MiniLM-L6-v2". */
  embeddingModel?: string;
  /** A dedicated embeddings endpoint (e.g. Text Embeddings Inference). Default: the serverless feature-extraction URL. */
  embeddingEndpointUrl?: string | undefined;
  /** Per-request timeout in milliseconds. Default: 60000. */
  timeoutMs?: number;
  /** Requests of one `generate` call sent at once. Default: 4. */
  maxConcurrency?: number;
  /** Custom fetch (tests, proxies). Default: the global fetch. */
  fetch?: typeof fetch;
  /** An undici Dispatcher passed to every fetch. Default: Node's global dispatcher. */
  dispatcher?: unknown;
}

export interface HuggingFaceSettings {
  id: string;
  /** Empty when none was given: the client then sends no Authorization header. */
  apiKey: string;
  configured: boolean;
  model: string;
  endpointUrl: string | undefined;
  /** Where text generation is sent. */
  generationUrl: string;
  embeddingModel: string;
  /** Where feature extraction is sent. */
  embeddingUrl: string;
  timeoutMs: number;
  maxConcurrency: number;
  fetch: typeof fetch | undefined;
  dispatcher: unknown;
}

/**
 * LangChain's constructors refuse to build without a key even when the
 * server needs none; they get this, and it is never sent (our client sends
 * the real key, or none).
 */
export const HF_CONSTRUCTOR_PLACEHOLDER_KEY = 'hf-key-not-used';

export function resolveHuggingFaceSettings(options: HuggingFaceProviderOptions): HuggingFaceSettings {
  const apiKey = options.apiKey?.trim() ?? '';
  const baseUrl = (options.baseUrl ?? HF_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const model = options.model ?? 'EleutherAI/gpt-neo-2.7B';
  const embeddingModel = options.embeddingModel ?? 'sentence-transformers/paraphrase-MiniLM-L6-v2';
  return {
    id: options.id ?? 'huggingface',
    apiKey,
    configured: apiKey !== '' || options.endpointUrl !== undefined,
    model,
    endpointUrl: options.endpointUrl,
    generationUrl: options.endpointUrl ?? `${baseUrl}/models/${model}`,
    embeddingModel,
    embeddingUrl: options.embeddingEndpointUrl ?? `${baseUrl}/models/${embeddingModel}/pipeline/feature-extraction`,
    timeoutMs: options.timeoutMs ?? 60_000,
    maxConcurrency: Math.max(1, options.maxConcurrency ?? 4),
    fetch: options.fetch,
    dispatcher: options.dispatcher,
  };
}

/** A client for one call: bound to its signal, recording the response, never retrying on its own. */
export function inferenceClient(
  settings: HuggingFaceSettings,
  url: string,
  signal: AbortSignal,
  record: ResponseRecord,
  captureJson = false,
): InferenceClient {
  const fetch = scopedFetch(signal, { fetch: settings.fetch, dispatcher: settings.dispatcher, record, captureJson });
  return new InferenceClient(settings.apiKey, { fetch, retry_on_error: false }).endpoint(url);
}

export function secretsOf(settings: HuggingFaceSettings): string[] {
  return settings.apiKey === '' ? [] : [settings.apiKey];
}

/**
 * A failed call as a ProviderError, with the status and headers the response
 * carried (a non-2xx status only) and the key masked; the provider's health
 * records it unless the caller gave up, which says nothing about the provider.
 */
export function failedCall(
  settings: HuggingFaceSettings,
  error: unknown,
  call: CallSignal,
  record: ResponseRecord,
  health: HealthTracker,
): ProviderError {
  const failedStatus =
    record.status !== undefined && (record.status < 200 || record.status >= 300) ? record.status : undefined;
  const mapped = toProviderError(
    settings.id,
    error,
    call.context({
      ...(failedStatus === undefined ? {} : { status: failedStatus }),
      ...(record.headers ? { headers: record.headers } : {}),
      secrets: secretsOf(settings),
    }),
  );
  if (!call.aborted()) health.failure(mapped);
  return mapped;
}
