/**
 * OpenAI text generation on LangChain's ChatOpenAI (Chat Completions API).
 * temperature, top_p and max_tokens are constructor fields there, so the
 * provider keeps one ChatOpenAI (and its OpenAI SDK client) per distinct set
 * of them in a small cache; building one per call was a tenth of the
 * gateway's CPU time per request. The call's abort signal (caller, timeout,
 * provider close) goes in the call options of each invoke or stream.
 */
import { ChatOpenAI } from '@langchain/openai';
import {
  HumanMessage,
  SystemMessage,
  type AIMessageChunk,
  type BaseMessage,
  type UsageMetadata,
} from '@langchain/core/messages';
import {
  ProviderError,
  type FinishReason,
  type GenerateOptions,
  type GenerationRequest,
  type GenerationResult,
  type TextGenerator,
} from '../types.js';
import {
  HealthTracker,
  InFlight,
  callSignal,
  closedError,
  mapWithConcurrency,
  notConfiguredError,
  toProviderError,
} from '../call-scope.js';
import {
  resolveOpenAISettings,
  sharedClientConfiguration,
  secretsOf,
  type OpenAIProviderOptions,
  type OpenAISettings,
} from './api.js';

/** OpenAI's `finish_reason` in our vocabulary; tool and function calls count as a normal stop. */
export function mapFinishReason(reason: unknown): FinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'content_filter') return 'content_filter';
  return 'stop';
}

function messagesFor(request: GenerationRequest): BaseMessage[] {
  const messages: BaseMessage[] = [];
  if (request.system) messages.push(new SystemMessage(request.system));
  messages.push(new HumanMessage(request.prompt));
  return messages;
}

/**
 * Distinct parameter sets kept. Callers mostly send the same few (a policy's
 * defaults); past this many the least recently used model is dropped, so odd
 * values cannot grow the cache without bound.
 */
export const MAX_CACHED_CHAT_MODELS = 16;

/** One ChatOpenAI per (temperature, topP, maxTokens, streaming), least recently used dropped first. */
export class ChatModelCache {
  readonly #models = new Map<string, ChatOpenAI>();

  constructor(
    private readonly settings: OpenAISettings,
    private readonly limit = MAX_CACHED_CHAT_MODELS,
  ) {}

  get size(): number {
    return this.#models.size;
  }

  get(request: Pick<GenerationRequest, 'temperature' | 'topP' | 'maxTokens'>, streaming: boolean): ChatOpenAI {
    const key = `${request.temperature}|${request.topP}|${request.maxTokens}|${streaming}`;
    let model = this.#models.get(key);
    if (model) {
      this.#models.delete(key);
    } else {
      model = this.#create(request, streaming);
      if (this.#models.size >= this.limit) this.#models.delete(this.#models.keys().next().value as string);
    }
    this.#models.set(key, model);
    return model;
  }

  #create(request: Pick<GenerationRequest, 'temperature' | 'topP' | 'maxTokens'>, streaming: boolean): ChatOpenAI {
    const { settings } = this;
    return new ChatOpenAI({
      apiKey: settings.apiKey,
      model: settings.model,
      configuration: sharedClientConfiguration(settings),
      // Retries belong to the routing layer, which sees every attempt.
      maxRetries: 0,
      timeout: settings.timeoutMs,
      // Compatible servers (vLLM, Ollama, llama.cpp) speak Chat Completions, not the Responses API.
      useResponsesApi: false,
      // Asks for `stream_options: {include_usage: true}` so streamed calls still report token counts.
      streamUsage: streaming,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.topP === undefined ? {} : { topP: request.topP }),
      ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
    });
  }
}

interface Outcome {
  text: string;
  finish: unknown;
  promptTokens: number;
  completionTokens: number;
}

function usageOf(message: {
  usage_metadata?: { input_tokens: number; output_tokens: number } | undefined;
}): [number, number] {
  return [message.usage_metadata?.input_tokens ?? 0, message.usage_metadata?.output_tokens ?? 0];
}

async function invokeOnce(model: ChatOpenAI, request: GenerationRequest, callOptions: object): Promise<Outcome> {
  const message = await model.invoke(messagesFor(request), callOptions);
  const [promptTokens, completionTokens] = usageOf(message);
  return { text: message.text, finish: message.response_metadata.finish_reason, promptTokens, completionTokens };
}

/**
 * A streamed chunk as ChatOpenAI sends it. @langchain/core's default message
 * structure types `usage_metadata` as never present, yet the last chunk of a
 * stream asked with `include_usage` carries it.
 */
type StreamChunk = Pick<AIMessageChunk, 'text' | 'response_metadata'> & { usage_metadata?: UsageMetadata | undefined };

async function streamOnce(
  model: ChatOpenAI,
  request: GenerationRequest,
  callOptions: object,
  onToken: (token: string) => void,
  providerId: string,
): Promise<Outcome> {
  const outcome: Outcome = { text: '', finish: undefined, promptTokens: 0, completionTokens: 0 };
  const stream = await model.stream(messagesFor(request), callOptions);
  for await (const chunk of stream as AsyncIterable<StreamChunk>) {
    const piece = chunk.text;
    if (piece) {
      outcome.text += piece;
      onToken(piece);
    }
    const finish = chunk.response_metadata.finish_reason;
    if (finish !== undefined && finish !== null) outcome.finish = finish;
    if (chunk.usage_metadata) [outcome.promptTokens, outcome.completionTokens] = usageOf(chunk);
  }
  // A stream that ends without a finish_reason was cut short (proxy reset,
  // server crash): return an error, never a silently truncated success.
  if (outcome.finish === undefined) {
    throw new ProviderError('unavailable', providerId, `${providerId}: stream ended before a finish_reason`);
  }
  return outcome;
}

/** A TextGenerator on OpenAI Chat Completions or any OpenAI-compatible server. */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): TextGenerator {
  const settings = resolveOpenAISettings(options);
  const inFlight = new InFlight();
  const health = new HealthTracker(settings.configured, { baseURL: settings.baseURL });
  // Shared by every call of this provider; a model holds no per-call state.
  const models = new ChatModelCache(settings);

  async function generateOne(
    request: GenerationRequest,
    index: number,
    opts: GenerateOptions,
  ): Promise<GenerationResult | ProviderError> {
    const started = performance.now();
    const call = callSignal(inFlight, settings.timeoutMs, opts.signal);
    try {
      const streaming = opts.onToken !== undefined;
      const model = models.get(request, streaming);
      const callOptions = {
        signal: call.signal,
        ...(request.seed === undefined ? {} : { seed: request.seed }),
        ...(request.stop === undefined ? {} : { stop: request.stop }),
      };
      const onToken = opts.onToken;
      const outcome = onToken
        ? await streamOnce(model, request, callOptions, (token) => onToken(index, token), settings.id)
        : await invokeOnce(model, request, callOptions);
      if (call.signal.aborted) throw call.signal.reason;
      health.success();
      return {
        text: outcome.text,
        finishReason: mapFinishReason(outcome.finish),
        promptTokens: outcome.promptTokens,
        completionTokens: outcome.completionTokens,
        latencyMs: performance.now() - started,
        providerId: settings.id,
        model: settings.model,
      };
    } catch (error) {
      const mapped = toProviderError(settings.id, error, call.context({ secrets: secretsOf(settings) }));
      // A caller that gave up says nothing about the provider's health.
      if (!call.aborted()) health.failure(mapped);
      return mapped;
    } finally {
      call.dispose();
    }
  }

  return {
    id: settings.id,
    kind: 'openai',
    model: settings.model,
    capabilities: { streaming: true, seed: true, maxBatchSize: settings.maxConcurrency },
    async generate(requests, opts = {}) {
      if (inFlight.closed) throw closedError(settings.id);
      if (!settings.configured) throw notConfiguredError(settings.id, 'set an API key or a baseURL');
      return mapWithConcurrency(
        requests,
        settings.maxConcurrency,
        (request, index) => generateOne(request, index, opts),
        opts.onResult,
      );
    },
    async health() {
      return health.snapshot();
    },
    async close() {
      inFlight.close();
    },
  };
}
