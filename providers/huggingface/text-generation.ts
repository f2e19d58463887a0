/**
 * Hugging Face text generation on `@langchain/community`'s
 * HuggingFaceInference, against the serverless Inference API form
 * (`POST {base}/models/{model}`) or a dedicated endpoint / TGI server.
 * Not streamed: the whole text reaches `onToken` as one chunk.
 */
import { HuggingFaceInference } from '@langchain/community/llms/hf';
import type { InferenceClient } from '@huggingface/inference';
import type {
  FinishReason,
  GenerateOptions,
  GenerationRequest,
  GenerationResult,
  ProviderError,
  TextGenerator,
} from '../types.js';
import {
  HealthTracker,
  InFlight,
  callSignal,
  closedError,
  mapWithConcurrency,
  notConfiguredError,
  type ResponseRecord,
} from '../call-scope.js';
import {
  HF_CONSTRUCTOR_PLACEHOLDER_KEY,
  failedCall,
  inferenceClient,
  resolveHuggingFaceSettings,
  type HuggingFaceProviderOptions,
  type HuggingFaceSettings,
} from './api.js';

interface ClientExtras {
  client: InferenceClient;
  seed: number | undefined;
  /** Ask TGI for `details` (finish reason, token counts). */
  details: boolean;
}

/** `o` without its keys set to undefined: LangChain leaves an unset option undefined, the client's input type leaves it out. */
function definedOnly<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/**
 * LangChain's HuggingFaceInference with a client we configure (see api.ts
 * for why). `_call` is the LLM base class's extension point; LangChain's own
 * `_call` builds its client in a private method that takes no options. We
 * keep its parameter mapping (`return_full_text: false`, `max_new_tokens`,
 * `stop`, ...) and add `seed`, which it does not send.
 */
class ConfiguredHuggingFaceInference extends HuggingFaceInference {
  readonly #extras: ClientExtras;

  constructor(fields: ConstructorParameters<typeof HuggingFaceInference>[0], extras: ClientExtras) {
    super(fields);
    this.#extras = extras;
  }

  override invocationParams(options?: this['ParsedCallOptions']) {
    const base = super.invocationParams(options);
    const seed = this.#extras.seed;
    return {
      ...base,
      parameters: {
        ...base.parameters,
        ...(seed === undefined ? {} : { seed }),
        ...(this.#extras.details ? { details: true } : {}),
      },
    };
  }

  override async _call(prompt: string, options: this['ParsedCallOptions']): Promise<string> {
    const params = this.invocationParams(options);
    const args = { ...params, parameters: definedOnly(params.parameters), inputs: prompt };
    const call = options.signal ? { signal: options.signal } : {};
    const output = await this.caller.callWithOptions(call, () => this.#extras.client.textGeneration(args, call));
    return output.generated_text;
  }
}

interface TgiDetails {
  finish_reason?: string;
  generated_tokens?: number;
  prefill?: unknown[];
}

function detailsOf(json: unknown): TgiDetails | undefined {
  const first = Array.isArray(json) ? (json[0] as unknown) : json;
  if (first && typeof first === 'object' && 'details' in first) {
    const details = (first as { details?: unknown }).details;
    if (details && typeof details === 'object') return details;
  }
  return undefined;
}

/** Used only when the server reports no counts: about four characters per token for English text. */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Serverless models echo the prompt unless `return_full_text` is false; some endpoints ignore the flag. */
function stripEcho(text: string, prompt: string): string {
  return text.startsWith(prompt) ? text.slice(prompt.length).replace(/^\s+/, '') : text;
}

function finishOf(details: TgiDetails | undefined): FinishReason {
  return details?.finish_reason === 'length' ? 'length' : 'stop';
}

async function generateOne(
  settings: HuggingFaceSettings,
  inFlight: InFlight,
  health: HealthTracker,
  request: GenerationRequest,
  index: number,
  opts: GenerateOptions,
): Promise<GenerationResult | ProviderError> {
  const started = performance.now();
  const call = callSignal(inFlight, settings.timeoutMs, opts.signal);
  const record: ResponseRecord = {};
  try {
    const llm = new ConfiguredHuggingFaceInference(
      {
        model: settings.model,
        apiKey: settings.apiKey || HF_CONSTRUCTOR_PLACEHOLDER_KEY,
        endpointUrl: settings.generationUrl,
        // Retries belong to the routing layer.
        maxRetries: 0,
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(request.topP === undefined ? {} : { topP: request.topP }),
        ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
      },
      {
        client: inferenceClient(settings, settings.generationUrl, call.signal, record, true),
        seed: request.seed,
        // Only TGI-style endpoints are known to accept `details`; the serverless form gets the plain request.
        details: settings.endpointUrl !== undefined,
      },
    );
    const prompt = request.system ? `${request.system}\n\n${request.prompt}` : request.prompt;
    const raw = await llm.invoke(prompt, { signal: call.signal, ...(request.stop ? { stop: request.stop } : {}) });
    if (call.signal.aborted) throw call.signal.reason;
    const text = stripEcho(raw, prompt);
    const details = detailsOf(record.json);
    opts.onToken?.(index, text);
    health.success();
    return {
      text,
      finishReason: finishOf(details),
      promptTokens: details?.prefill?.length || estimateTokens(prompt),
      completionTokens: details?.generated_tokens ?? estimateTokens(text),
      latencyMs: performance.now() - started,
      providerId: settings.id,
      model: settings.model,
    };
  } catch (error) {
    return failedCall(settings, error, call, record, health);
  } finally {
    call.dispose();
  }
}

/** A TextGenerator on the Hugging Face Inference API, a dedicated Inference Endpoint or a TGI server. */
export function createHuggingFaceProvider(options: HuggingFaceProviderOptions = {}): TextGenerator {
  const settings = resolveHuggingFaceSettings(options);
  const inFlight = new InFlight();
  const health = new HealthTracker(settings.configured, { url: settings.generationUrl });
  return {
    id: settings.id,
    kind: 'huggingface',
    model: settings.model,
    capabilities: { streaming: false, seed: true, maxBatchSize: settings.maxConcurrency },
    async generate(requests, opts = {}) {
      if (inFlight.closed) throw closedError(settings.id);
      if (!settings.configured)
        throw notConfiguredError(settings.id, 'set HUGGINGFACEHUB_API_TOKEN / HF_TOKEN or an endpointUrl');
      return mapWithConcurrency(
        requests,
        settings.maxConcurrency,
        (request, index) => generateOne(settings, inFlight, health, request, index, opts),
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
