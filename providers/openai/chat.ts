/**
 * OpenAI text generation on LangChain's ChatOpenAI (Chat Completions API).
 * One ChatOpenAI per request: temperature, top_p and max_tokens are
 * constructor fields there, and the object is cheap (the HTTP pool is the
 * shared fetch dispatcher, not the object).
 */
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, SystemMessage, type AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import {
  ProviderError,
  type FinishReason,
  type GenerateOptions,
  type GenerationRequest,
  type GenerationResult,
  type TextGenerator,
} from '../types.js';
import { HealthTracker, InFlight, callSignal, closedError, mapWithConcurrency, notConfiguredError, toProviderError } from '../call-scope.js';
import { clientConfiguration, resolveOpenAISettings, secretsOf, type OpenAIProviderOptions, type OpenAISettings } from './api.js';

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

function chatModel(settings: OpenAISettings, request: GenerationRequest, signal: AbortSignal, streaming: boolean): ChatOpenAI {
  return new ChatOpenAI({
    apiKey: settings.apiKey,
    model: settings.model,
    configuration: clientConfiguration(settings, signal),
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

interface Outcome {
  text: string;
  finish: unknown;
  promptTokens: number;
  completionTokens: number;
}

function usageOf(message: { usage_metadata?: { input_tokens: number; output_tokens: number } | undefined }): [number, number] {
  return [message.usage_metadata?.input_tokens ?? 0, message.usage_metadata?.output_tokens ?? 0];
}

async function invokeOnce(model: ChatOpenAI, request: GenerationRequest, callOptions: object): Promise<Outcome> {
  const message = await model.invoke(messagesFor(request), callOptions);
  const [promptTokens, completionTokens] = usageOf(message);
  return { text: message.text, finish: message.response_metadata?.finish_reason, promptTokens, completionTokens };
}

async function streamOnce(
  model: ChatOpenAI,
  request: GenerationRequest,
  callOptions: object,
  onToken: (token: string) => void,
  providerId: string,
): Promise<Outcome> {
  const outcome: Outcome = { text: '', finish: undefined, promptTokens: 0, completionTokens: 0 };
  const stream = await model.stream(messagesFor(request), callOptions);
  for await (const chunk of stream as AsyncIterable<AIMessageChunk>) {
    const piece = chunk.text;
    if (piece) {
      outcome.text += piece;
      onToken(piece);
    }
    const finish = chunk.response_metadata?.finish_reason;
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

  async function generateOne(request: GenerationRequest, index: number, opts: GenerateOptions): Promise<GenerationResult | ProviderError> {
    const started = performance.now();
    const call = callSignal(inFlight, settings.timeoutMs, opts.signal);
    try {
      const streaming = opts.onToken !== undefined;
      const model = chatModel(settings, request, call.signal, streaming);
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
      return mapWithConcurrency(requests, settings.maxConcurrency, (request, index) => generateOne(request, index, opts));
    },
    async health() {
      return health.snapshot();
    },
    async close() {
      inFlight.close();
    },
  };
}
