/**
 * OpenAI settings: options, defaults, and the client configuration handed to
 * LangChain's ChatOpenAI / OpenAIEmbeddings. Works against api.openai.com and
 * any OpenAI-compatible server (vLLM, Ollama, llama.cpp, Azure-style proxies)
 * through `baseURL`.
 */
import type { ClientOptions } from '@langchain/openai';
import type { Dispatcher } from 'undici';
import { scopedFetch } from '../call-scope.js';
import { pooledFetch } from '../pooled-fetch.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Sent when a `baseURL` is configured without a key: local OpenAI-compatible
 * servers usually ignore auth, but the SDK refuses to send without a key.
 */
export const OPENAI_PLACEHOLDER_KEY = 'not-needed';

export interface OpenAIProviderOptions {
  /** Provider id used in errors, health and the registry. Default: "openai". */
  id?: string;
  /** API key, sent as `Authorization: Bearer`. Default: none (the provider reports not configured, unless `baseURL` is set). */
  apiKey?: string | undefined;
  /** Chat model. Default: "gpt-4o-mini". */
  model?: string;
  /** API base including `/v1`. Default: "https://api.openai.com/v1". Setting it marks the provider configured even without a key. */
  baseURL?: string | undefined;
  /** Per-request timeout in milliseconds. Default: 60000. */
  timeoutMs?: number;
  /** Embedding model. Default: "text-embedding-3-small". */
  embeddingModel?: string;
  /** Requests of one `generate` call sent at once. Default: 8. */
  maxConcurrency?: number;
  /** Texts per `/v1/embeddings` request. Default: 256. */
  embeddingBatchSize?: number;
  /** Custom fetch (tests, proxies). Default: the global fetch. */
  fetch?: typeof fetch;
  /** An undici Dispatcher (connection pool, proxy agent) passed to every request. Default: chat calls share Node's keep-alive `http`/`https` Agents (`pooledFetch`); embeddings use Node's global dispatcher. */
  dispatcher?: unknown;
}

/** Options with defaults filled in; `configured` says whether calls may be sent. */
export interface OpenAISettings {
  id: string;
  apiKey: string;
  configured: boolean;
  model: string;
  baseURL: string;
  timeoutMs: number;
  embeddingModel: string;
  maxConcurrency: number;
  embeddingBatchSize: number;
  fetch: typeof fetch | undefined;
  dispatcher: unknown;
}

export function resolveOpenAISettings(options: OpenAIProviderOptions): OpenAISettings {
  const key = options.apiKey?.trim() ?? '';
  const configured = key !== '' || options.baseURL !== undefined;
  return {
    id: options.id ?? 'openai',
    apiKey: key !== '' ? key : OPENAI_PLACEHOLDER_KEY,
    configured,
    model: options.model ?? 'gpt-4o-mini',
    baseURL: (options.baseURL ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    timeoutMs: options.timeoutMs ?? 60_000,
    embeddingModel: options.embeddingModel ?? 'text-embedding-3-small',
    maxConcurrency: Math.max(1, options.maxConcurrency ?? 8),
    embeddingBatchSize: Math.max(1, options.embeddingBatchSize ?? 256),
    fetch: options.fetch,
    dispatcher: options.dispatcher,
  };
}

/**
 * Client configuration for one call. The fetch is bound to the call's
 * signal so that an abort closes the socket, whichever LangChain path runs
 * (embeddings: OpenAIEmbeddings takes no per-call signal).
 */
export function clientConfiguration(settings: OpenAISettings, signal: AbortSignal): ClientOptions {
  return {
    baseURL: settings.baseURL,
    fetch: scopedFetch(signal, { fetch: settings.fetch, dispatcher: settings.dispatcher }),
  };
}

/**
 * Client configuration shared by every call of one chat model: the call's
 * signal travels in the call options instead (LangChain hands it to the SDK,
 * which aborts the request and its body with it). Without a custom fetch the
 * requests go through `pooledFetch` (Node's `http.request` on keep-alive
 * Agents, or undici's request API on the configured dispatcher when there
 * is one).
 */
export function sharedClientConfiguration(settings: OpenAISettings): ClientOptions {
  const { fetch: custom, dispatcher } = settings;
  if (custom === undefined)
    return {
      baseURL: settings.baseURL,
      fetch: pooledFetch(dispatcher === undefined ? {} : { dispatcher: dispatcher as Dispatcher }),
    };
  const withDispatcher: typeof fetch =
    dispatcher === undefined ? custom : (input, init) => custom(input, { ...init, dispatcher } as RequestInit);
  return { baseURL: settings.baseURL, fetch: withDispatcher };
}

/** Secrets to scrub from error messages. */
export function secretsOf(settings: OpenAISettings): string[] {
  return settings.apiKey === OPENAI_PLACEHOLDER_KEY ? [] : [settings.apiKey];
}
