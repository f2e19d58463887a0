/**
 * The one extension point for model backends. Every backend (OpenAI, Hugging
 * Face, local ONNX) implements some of these interfaces; the registry in
 * `providers/index.ts` builds them from config, keyed by provider id.
 *
 * Routing decides from `ProviderError.kind` alone, never from message text.
 */

/** The generators the gateway knows, by id (PROVIDERS lists some of them, in failover order). */
export const PROVIDER_IDS = ['openai', 'huggingface', 'onnx'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export type ProviderKind = 'openai' | 'huggingface' | 'onnx';

/** Why a provider call failed. The routing layer maps each kind to a policy. */
export type ProviderErrorKind =
  'rate_limited' | 'timeout' | 'unavailable' | 'auth' | 'bad_request' | 'content_filtered' | 'context_length';

export const PROVIDER_ERROR_KINDS: readonly ProviderErrorKind[] = [
  'rate_limited',
  'timeout',
  'unavailable',
  'auth',
  'bad_request',
  'content_filtered',
  'context_length',
];

export interface ProviderErrorOptions {
  /** HTTP status from upstream, when there was one. */
  status?: number;
  /** From `Retry-After`, for `rate_limited` (and 503s that send it). */
  retryAfterMs?: number;
  cause?: unknown;
}

/** The one shape every provider failure is turned into. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: ProviderErrorKind;
  readonly providerId: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(kind: ProviderErrorKind, providerId: string, message: string, options: ProviderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.providerId = providerId;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isProviderError(value: unknown): value is ProviderError {
  return value instanceof ProviderError;
}

/** Personalization asked for by the personalization service. All optional. */
export interface Personalization {
  segment?: string;
  tone?: string;
  locale?: string;
  /** Purchase-history keywords. Kept as data, never followed as instructions. */
  keywords?: string[];
}

/** The product facts a prompt may use. Never the human reference description. */
export interface ProductFacts {
  id: string;
  title: string;
  category?: string | null;
  /** Attributes from the product metadata, e.g. ["summer", "floral print"]. */
  attributes: string[];
  colors?: string[];
  materials?: string[];
}

export interface GenerationParameters {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** Same seed, same text (where the backend supports seeding). */
  seed?: number;
  stop?: string[];
}

export interface GenerationRequest extends GenerationParameters {
  /** The prompt as built by the prompt module (rendered text). */
  prompt: string;
  /** Optional system/brand-voice line for chat backends. */
  system?: string;
  /** The parts the prompt was built from, for provenance and for backends that template themselves. */
  parts: {
    product: ProductFacts;
    personalization?: Personalization;
    promptVersion: string;
  };
  /**
   * The same request rendered with other template versions, keyed by version:
   * those that configured generators name as `promptVersion` (the one they
   * were trained on). Absent when no generator names another.
   */
  promptVariants?: Record<string, { prompt: string; system?: string }>;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'cancelled';

export interface GenerationResult {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  providerId: string;
  model: string;
}

export interface GenerateOptions {
  /** Fires when the call should stop: its timeout, or every caller gone. */
  signal?: AbortSignal;
  /**
   * Fires when every caller waiting on this call has gone (a request
   * cancelled or cut off), which `signal` then reports too. Providers need not
   * read it; metering does, so that a call nobody waits for any more is
   * counted as cancelled and not as a provider timeout.
   */
  callerGone?: AbortSignal;
  /** Called with each new piece of text as it is generated (streaming backends). */
  onToken?: (index: number, token: string) => void;
  /**
   * Called once per request with its outcome as soon as that is known, before
   * `generate` resolves. Backends whose requests are separate upstream calls
   * (the hosted ones) call it, so that a caller waiting on a fast answer need
   * not wait for a slow one sent in the same batch. The resolved array still
   * holds every outcome.
   */
  onResult?: (index: number, result: GenerationResult | ProviderError) => void;
}

export interface ProviderCapabilities {
  /** Sends tokens through `onToken` as they are generated. */
  streaming: boolean;
  /** Honours `seed`. */
  seed: boolean;
  /** Largest batch it prefers per call; the resolver layer chunks to this. */
  maxBatchSize: number;
  /** What its model does with a request's language, instructions and personalization. Absent: all of it, as hosted chat models do. */
  honours?: Honours;
  /** Local models: how the prompt reaches the model. Absent for hosted APIs, which template messages themselves. */
  promptFormat?: PromptFormat;
}

/** `chat_template`: the model's own template over a system and a user message; `plain`: the rendered prompt text as is. */
export type PromptFormat = 'chat_template' | 'plain';

/**
 * What a model honours of a request, so that routing can prefer one that
 * writes the asked-for language and a description can say what was ignored
 * instead of silently answering in English.
 */
export interface Honours {
  /** Languages it writes, as lower-case primary subtags ("en", "fr"); "*" for any. */
  languages: readonly string[];
  /** Follows the prompt's instructions (length, brand voice, rules). */
  instructions: boolean;
  /** Which personalization fields change what it writes. */
  personalization: { tone: boolean; segment: boolean; keywords: boolean };
}

/** A model that honours everything a request asks for. */
export const HONOURS_ALL: Honours = Object.freeze({
  languages: Object.freeze(['*']),
  instructions: true,
  personalization: Object.freeze({ tone: true, segment: true, keywords: true }),
});

/** The primary language subtag of a BCP 47 locale ("fr" for "fr-CA"), lower case; null for an empty one. */
export function localeLanguage(locale: string | undefined | null): string | null {
  // split answers at least one element (the whole string when there is no separator).
  const [primary = ''] = (locale ?? '').trim().split(/[-_]/);
  return primary === '' ? null : primary.toLowerCase();
}

/** Whether a model with `honours` (absent: everything) writes the language of `locale`; no locale is always honoured. */
export function honoursLocale(honours: Honours | undefined, locale: string | undefined | null): boolean {
  const language = localeLanguage(locale);
  if (language === null || !honours) return true;
  return honours.languages.includes('*') || honours.languages.includes(language);
}

export interface ProviderHealth {
  healthy: boolean;
  /** Set when the provider is not configured (e.g. a missing key). */
  configured: boolean;
  /** `loading` while a local model is still downloading or loading (it answers `unavailable` until then). Absent: loaded. */
  state?: 'loading' | 'ready' | 'failed';
  lastError?: string | null;
  /** Details such as the ONNX execution provider in use. */
  details?: Record<string, string>;
}

interface ProviderBase {
  readonly id: string;
  readonly kind: ProviderKind;
  readonly model: string;
  health(): Promise<ProviderHealth>;
  close(): Promise<void>;
}

export interface TextGenerator extends ProviderBase {
  readonly capabilities: ProviderCapabilities;
  /**
   * The prompt template version this model was trained on and is always sent
   * (`promptVariants[promptVersion]` when the request asks for another).
   * Unset: the request's own prompt.
   */
  readonly promptVersion?: string;
  /**
   * One result per request, in order, with a ProviderError in place of each
   * failed one. Rejects only when the whole call failed before any request
   * was sent (then every request has failed the same way).
   */
  generate(requests: GenerationRequest[], options?: GenerateOptions): Promise<Array<GenerationResult | ProviderError>>;
}

export interface Embedder extends ProviderBase {
  /** One vector per text, in order. */
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}

export interface ImageTextPair {
  /** A file path or an http(s) URL. */
  image: string;
  text: string;
}

export interface ImageTextScore {
  /** 100 × max(cos(text, image), 0): the CLIPScore definition. */
  clipScore: number;
  /** logit_scale × cos, as the prototype reported it. */
  logitScore: number;
  cosine: number;
}

export interface ImageTextScorer extends ProviderBase {
  score(pairs: ImageTextPair[], options?: { signal?: AbortSignal }): Promise<Array<ImageTextScore | ProviderError>>;
}
