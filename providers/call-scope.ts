/**
 * Plumbing shared by the hosted backends: one AbortSignal per upstream call
 * (caller signal + per-call timeout + provider close), bounded fan-out for
 * batches, and the health record behind `health()`.
 */
import type { ProviderErrorKind, ProviderHealth } from './types.js';
import { ProviderError } from './types.js';
import { toProviderError, type FailureContext } from './http-errors.js';

/**
 * Aborts everything a provider has in flight when it is closed. Scoped to one
 * provider instance; each call takes a child signal from it.
 */
export class InFlight {
  #controller = new AbortController();

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get closed(): boolean {
    return this.#controller.signal.aborted;
  }

  close(): void {
    this.#controller.abort(new Error('provider closed'));
  }
}

/** The signals behind one upstream call, and which of them fired. */
export interface CallSignal {
  signal: AbortSignal;
  timedOut(): boolean;
  aborted(): boolean;
  /** The failure context to hand to `toProviderError`. */
  context(extra?: FailureContext): FailureContext;
  /** Stops the timeout and detaches from the source signals once the call has finished. */
  dispose(): void;
}

/** A signal that aborts when any of its sources does, and a way to let go of the sources. */
export interface LinkedSignal {
  signal: AbortSignal;
  /** Detaches from the sources; call it when the work the signal guards is over. */
  dispose(): void;
}

/**
 * AbortSignal.any for sources that outlive the call. AbortSignal.any keeps a
 * weak reference to each combined signal in every source, and V8's
 * young-generation collector treats weak references as strong, so every
 * call's signal tied to a long-lived one (a provider's or the router's close
 * signal) survived its first collections and was promoted. Plain listeners,
 * removed by `dispose`, leave nothing behind. Same semantics otherwise: an
 * already aborted source aborts the result at once, and the reason is the
 * first source's to abort.
 */
export function linkSignals(sources: readonly AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const first = sources.find((s) => s.aborted);
  if (first) {
    controller.abort(first.reason);
    return { signal: controller.signal, dispose: () => undefined };
  }
  const dispose = (): void => {
    for (const s of sources) s.removeEventListener('abort', onAbort);
  };
  function onAbort(event: Event): void {
    dispose();
    controller.abort((event.target as AbortSignal).reason);
  }
  for (const s of sources) s.addEventListener('abort', onAbort);
  return { signal: controller.signal, dispose };
}

/**
 * Combines the caller's signal, the provider's close signal and a timeout.
 * The timeout is a timer cleared by `dispose()`, not AbortSignal.timeout:
 * that timer stays armed for the whole timeout after the call is done, and
 * keeps the combined signal (and whatever listens on it) alive until then,
 * which at 100 calls a second and a 20 s timeout held 2,000 of each.
 * `dispose()` also detaches from the provider's and the caller's signals.
 */
export function callSignal(inFlight: InFlight, timeoutMs: number | undefined, caller?: AbortSignal): CallSignal {
  let timeout: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (timeoutMs !== undefined && timeoutMs > 0) {
    const controller = new AbortController();
    timeout = controller;
    // The reason AbortSignal.timeout gives, so errors read the same.
    timer = setTimeout(
      () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      timeoutMs,
    );
    timer.unref();
  }
  const parts = [inFlight.signal, ...(caller ? [caller] : []), ...(timeout ? [timeout.signal] : [])];
  const linked = linkSignals(parts);
  const timedOut = (): boolean => timeout?.signal.aborted === true && caller?.aborted !== true && !inFlight.closed;
  const aborted = (): boolean => !timedOut() && (caller?.aborted === true || inFlight.closed);
  return {
    signal: linked.signal,
    timedOut,
    aborted,
    context: (extra = {}) => ({ ...extra, timedOut: timedOut(), aborted: aborted() }),
    dispose: () => {
      clearTimeout(timer);
      linked.dispose();
    },
  };
}

/**
 * Runs `fn` over `items` with at most `limit` in flight, keeping order. `fn`
 * must not throw (backends turn failures into values), so one failure never
 * drops the others. `onEach` hears of each result as soon as it is in
 * (`GenerateOptions.onResult`), rather than when the slowest one is.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  onEach?: (index: number, result: R) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  // One iterator shared by every worker: each takes the next item the moment it is free.
  const queue = items.entries();
  const worker = async (): Promise<void> => {
    for (const [index, item] of queue) {
      const result = await fn(item, index);
      results[index] = result;
      onEach?.(index, result);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/** Kinds that say the provider (not the request) is in trouble. A 429 is not one: the provider is up and asks for less. */
const PROVIDER_SIDE: ReadonlySet<ProviderErrorKind> = new Set(['timeout', 'unavailable', 'auth']);

/**
 * Health from the last call's outcome, no network needed. A request-specific
 * failure (bad request, context length, content filter) or a 429 is recorded
 * as `lastError` but does not make the provider unhealthy.
 */
export class HealthTracker {
  #healthy = true;
  #lastError: string | null = null;

  constructor(
    private readonly configured: boolean,
    private readonly details?: Record<string, string>,
  ) {}

  success(): void {
    this.#healthy = true;
    this.#lastError = null;
  }

  failure(error: ProviderError): void {
    this.#lastError = `${error.kind}: ${error.message}`;
    if (PROVIDER_SIDE.has(error.kind)) this.#healthy = false;
  }

  snapshot(): ProviderHealth {
    return {
      healthy: this.configured && this.#healthy,
      configured: this.configured,
      lastError: this.configured ? this.#lastError : 'not configured: no API key',
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** The error a provider without credentials fails with, before sending anything. */
export function notConfiguredError(providerId: string, hint: string): ProviderError {
  return new ProviderError('auth', providerId, `${providerId}: not configured (${hint})`);
}

/** A closed provider refuses new work instead of sending it. */
export function closedError(providerId: string): ProviderError {
  return new ProviderError('unavailable', providerId, `${providerId}: provider is closed`);
}

/** What a scoped fetch saw of the last response, for errors SDKs report without headers. */
export interface ResponseRecord {
  status?: number;
  headers?: Headers;
  /** The parsed JSON body of a successful response, when `captureJson` was asked for. */
  json?: unknown;
}

export interface ScopedFetchOptions {
  /** Underlying fetch; default: the global one. */
  fetch?: typeof fetch | undefined;
  /** An undici Dispatcher (connection pool, proxy), passed through as `init.dispatcher`. */
  dispatcher?: unknown;
  /** Filled in as responses arrive. */
  record?: ResponseRecord;
  /** Also parse successful JSON bodies into `record.json` (small bodies only). */
  captureJson?: boolean;
}

/**
 * A fetch bound to one call's signal. SDK wrappers that accept no signal (or
 * race it without aborting the socket) still abort the connection this way,
 * so a cancelled call leaves no request open.
 */
export function scopedFetch(signal: AbortSignal, options: ScopedFetchOptions = {}): typeof fetch {
  const base = options.fetch ?? globalThis.fetch;
  return async (input, init) => {
    const signals = init?.signal ? [signal, init.signal] : [signal];
    const merged: RequestInit & { dispatcher?: unknown } = { ...init, signal: AbortSignal.any(signals) };
    if (options.dispatcher !== undefined) merged.dispatcher = options.dispatcher;
    const response = await base(input, merged);
    if (options.record) {
      options.record.status = response.status;
      options.record.headers = response.headers;
      const type = response.headers.get('content-type') ?? '';
      if (options.captureJson && response.ok && type.startsWith('application/json')) {
        options.record.json = await response
          .clone()
          .json()
          .catch(() => undefined);
      }
    }
    return response;
  };
}

export { toProviderError };
