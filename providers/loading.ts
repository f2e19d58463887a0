/**
 * A text generator that is still being made (a local model downloading from
 * the Hub, then loading): the gateway listens meanwhile, this answers every
 * request with kind `unavailable` (so routing fails over at once) and health
 * state `loading` with what it is doing, and then hands every call to the
 * loaded provider. A load that fails leaves it unavailable for good, with the
 * reason as its last error.
 */
import {
  ProviderError,
  type GenerateOptions,
  type GenerationRequest,
  type ProviderCapabilities,
  type ProviderHealth,
  type ProviderKind,
  type TextGenerator,
} from './types.js';

export interface LoadingGeneratorOptions {
  id: string;
  kind: ProviderKind;
  /** The model's name while loading (and after, unless the loaded provider names another). */
  model: string;
  /**
   * Makes the provider. `status` updates the text that health reports while
   * loading (e.g. "downloading org/name: 40%"); `signal` fires on close().
   */
  load: (status: (text: string) => void, signal: AbortSignal) => Promise<TextGenerator>;
  /** Called once when the load fails, with the error. Default: nothing. */
  onError?: (error: unknown) => void;
}

export interface LoadingGenerator extends TextGenerator {
  /** Settles when the load has finished, either way (never rejects). */
  readonly loaded: Promise<void>;
}

export function createLoadingGenerator(options: LoadingGeneratorOptions): LoadingGenerator {
  let ready: TextGenerator | null = null;
  let failure: string | null = null;
  let status = 'loading';
  let closed = false;
  const closing = new AbortController();
  const loaded = options
    .load((text) => (status = text), closing.signal)
    .then(
      async (generator) => {
        // Closed while loading (a shutdown during the download): the new provider is released at once.
        if (closed) await generator.close();
        else ready = generator;
      },
      (error: unknown) => {
        failure = error instanceof Error ? error.message : String(error);
        if (!closed) options.onError?.(error);
      },
    );
  const waiting: ProviderCapabilities = { streaming: false, seed: false, maxBatchSize: 1 };
  return {
    id: options.id,
    kind: options.kind,
    get model() {
      return ready?.model ?? options.model;
    },
    get capabilities() {
      return ready?.capabilities ?? waiting;
    },
    loaded,
    async generate(requests: GenerationRequest[], opts?: GenerateOptions) {
      if (ready) return ready.generate(requests, opts);
      const message = failure
        ? `provider ${options.id} failed to load: ${failure}`
        : `provider ${options.id} is not ready: ${status}`;
      return requests.map(() => new ProviderError('unavailable', options.id, message));
    },
    async health(): Promise<ProviderHealth> {
      if (ready) return { state: 'ready', ...(await ready.health()) };
      if (failure) return { healthy: false, configured: true, state: 'failed', lastError: failure };
      return { healthy: false, configured: true, state: 'loading', lastError: null, details: { loading: status } };
    },
    async close() {
      closed = true;
      closing.abort(new Error('provider closed while loading'));
      await loaded;
      await ready?.close();
    },
  };
}
