import type { Attempt } from '../storage/types.js';
import type { GenerationRequest, GenerationResult, ProviderError, TextGenerator } from '../../providers/types.js';

/** One step of a routing policy. */
export interface RouteTarget {
  /** Provider id in the registry. */
  provider: string;
  /** Timeout of one attempt on this target. */
  timeoutMs: number;
  /** Retries on this target (after the first attempt) for retryable kinds. */
  retries: number;
  /** Relative weight for `loadbalance`. Default 1. */
  weight?: number;
}

export interface RoutingPolicy {
  name: string;
  strategy: 'fallback' | 'loadbalance';
  targets: RouteTarget[];
  /** The policy used instead while an alert's action switches this one to its fallback (see docs/operations.md). Default none. */
  fallback?: string;
}

export interface RouteOptions {
  /** Named policy (`mobile`, `personalization`, `internal`, …). */
  policy: string;
  /** Pins one provider: no failover, the policy's target settings for it if any. */
  provider?: string | null;
  signal?: AbortSignal;
  /** Skip the cache read (the result is still written). */
  bypassCache?: boolean;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/** The router's view of one provider. */
export interface RouteHealth {
  breakerState: BreakerState;
  /**
   * False while the breaker is not closed, or while at least the breaker's
   * failure share of the calls in its window failed (timeouts included).
   */
  healthy: boolean;
  /** Kind and message of the last call's failure (timeouts and 429s included); null when it succeeded or none was made. */
  lastError: string | null;
  /** Milliseconds left of the pause a 429's long `Retry-After` asked for; 0 when none. */
  backoffMs: number;
}

export interface RoutedSuccess {
  ok: true;
  result: GenerationResult;
  attempts: Attempt[];
  /** True when served from the generation cache or coalesced with an identical call in flight. */
  cached: boolean;
}

export interface RoutedFailure {
  ok: false;
  /** The last provider error (or a synthetic one when no target could be tried). */
  error: ProviderError;
  attempts: Attempt[];
  /**
   * What the client is told: `BAD_USER_INPUT` for bad_request (no failover),
   * `PROVIDER_NOT_CONFIGURED` when a pinned provider is not configured,
   * else `PROVIDER_UNAVAILABLE`.
   */
  code: 'PROVIDER_UNAVAILABLE' | 'BAD_USER_INPUT' | 'PROVIDER_NOT_CONFIGURED';
}

export type Routed = RoutedSuccess | RoutedFailure;

export interface StreamOptions extends RouteOptions {
  /** Called with each text piece. Failover is allowed only until the first piece. */
  onToken: (piece: string) => void;
}

/** The layer between resolvers and providers. Shared by every request. */
export interface GenerationRouter {
  /** One result per item, in order; never rejects for a provider failure. */
  generate(items: ReadonlyArray<{ request: GenerationRequest; options: RouteOptions }>): Promise<Routed[]>;
  /**
   * Streams one generation. Before the first token a failure fails over;
   * after it, a failure resolves as `{ok: false}` with error kind `unavailable`
   * and `interrupted: true`, never as a truncated success.
   */
  stream(request: GenerationRequest, options: StreamOptions): Promise<Routed & { interrupted?: boolean }>;
  breakerState(providerId: string): BreakerState;
  /** What routing has seen of a provider: breaker state, failure share (timeouts included), last error, 429 back-off. */
  providerHealth(providerId: string): RouteHealth;
  policyNames(): string[];
  close(): Promise<void>;
}

/** What the router needs from the provider registry. */
export interface GeneratorSource {
  generator(id: string): TextGenerator | undefined;
  /** Ids of configured generators, in the configured order. */
  generatorIds(): string[];
}
