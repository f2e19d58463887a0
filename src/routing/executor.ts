/**
 * Runs one request along its plan: each target in order, retried on that
 * target within the retry budget (cockatiel `retry`), through the provider's
 * breaker and batch dispatcher, until one succeeds or a failure ends the
 * route. Never rejects: every outcome is a `Routed` value.
 *
 * What each error kind does:
 * - timeout, unavailable, rate_limited: retry on the same target while
 *   retries, budget and `Retry-After` (≤ the cap) allow, then the next target;
 * - rate_limited with a `Retry-After` beyond the cap: also keeps first tries
 *   off that provider for that long (at most `maxProviderBackoffMs`),
 *   recorded as an attempt with errorKind 'rate_limited' and latency 0. A 429
 *   never counts against the breaker: the provider is up;
 * - auth: no retry; the provider's breaker opens at once; next target;
 * - content_filtered, context_length: next target, no retry;
 * - bad_request: stop; the client sent something no provider will take.
 * An open breaker skips its target, recorded as an attempt with errorKind
 * 'unavailable' and latency 0; so does a breaker another replica opened
 * (`sharedOpen`), without touching this replica's own breaker.
 */
import { BrokenCircuitError, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { ProviderError, type GenerationRequest, type GenerationResult } from '../../providers/types.js';
import { toProviderError } from '../../providers/http-errors.js';
import type { Attempt } from '../storage/types.js';
import { ABORTED } from './abort.js';
import { isLocalRejection, type ProviderBreaker } from './breaker.js';
import type { LaneHealth } from './lane-health.js';
import type { BatchDispatcher } from './dispatcher.js';
import { RETRYABLE_KINDS, retryBackoff, type RetryBudget, type RetrySettings } from './retry.js';
import type { Routed, RoutedFailure, RouteTarget } from './types.js';

/** One configured provider as the router sees it. Shared by every request. */
export interface ProviderLane {
  id: string;
  model: string;
  breaker: ProviderBreaker;
  budget: RetryBudget;
  dispatcher: BatchDispatcher;
  health: LaneHealth;
}

export interface Plan {
  targets: RouteTarget[];
  /** A pinned provider: no failover. */
  pinned: boolean;
}

/** Per-stream state: failover is allowed only until `started`. */
export interface StreamState {
  onToken: (piece: string) => void;
  started: boolean;
}

export interface ExecutorDeps {
  lane(id: string): ProviderLane | undefined;
  retry: RetrySettings;
  logger?: Logger | undefined;
  /** True while another replica holds this provider's breaker open (a shared state store); checked before every call. */
  sharedOpen?: ((providerId: string) => boolean) | undefined;
}

export type RoutedResult = Routed & { interrupted?: boolean };

/** The provider id on errors the router makes up itself. */
export const ROUTER_ID = 'router';

class CallerAborted extends Error {
  override readonly name = 'CallerAborted';
}

/** A target not tried at all: its breaker is open, or a 429 asked it to stay away. */
class TargetSkipped extends Error {
  override readonly name = 'TargetSkipped';
  constructor(readonly error: ProviderError) {
    super(error.message);
  }
}

type TargetOutcome = { ok: true; result: GenerationResult } | { ok: false; error: ProviderError; aborted: boolean };

export function failure(
  error: ProviderError,
  attempts: Attempt[],
  code: RoutedFailure['code'] = 'PROVIDER_UNAVAILABLE',
): RoutedFailure {
  return { ok: false, error, attempts, code };
}

export function abortedFailure(attempts: Attempt[]): RoutedFailure {
  return failure(new ProviderError('timeout', ROUTER_ID, 'request aborted by caller'), attempts);
}

export async function runPlan(
  deps: ExecutorDeps,
  plan: Plan,
  request: GenerationRequest,
  signal: AbortSignal | undefined,
  stream?: StreamState,
): Promise<RoutedResult> {
  const attempts: Attempt[] = [];
  let last: ProviderError | undefined;
  for (const target of plan.targets) {
    const lane = deps.lane(target.provider);
    if (!lane) continue;
    const outcome = await tryTarget(deps, lane, target, request, signal, attempts, stream);
    if (outcome.ok) {
      // A backend that cannot stream still answers a stream: as one piece.
      if (stream && !stream.started && outcome.result.text !== '') stream.onToken(outcome.result.text);
      return { ok: true, result: outcome.result, attempts, cached: false };
    }
    last = outcome.error;
    if (outcome.aborted) return abortedFailure(attempts);
    if (stream?.started) {
      // Tokens already reached the client: another provider's text cannot be spliced on.
      const error = new ProviderError(
        'unavailable',
        lane.id,
        `${lane.id}: stream interrupted: ${outcome.error.message}`,
        { cause: outcome.error },
      );
      return { ...failure(error, attempts), interrupted: true };
    }
    if (outcome.error.kind === 'bad_request') return failure(outcome.error, attempts, 'BAD_USER_INPUT');
    if (plan.pinned) break;
  }
  return failure(last ?? new ProviderError('unavailable', ROUTER_ID, 'no configured provider in this route'), attempts);
}

/** One target of one request: what every try on it needs. */
interface TargetCall {
  deps: ExecutorDeps;
  lane: ProviderLane;
  target: RouteTarget;
  request: GenerationRequest;
  signal: AbortSignal | undefined;
  stream: StreamState | undefined;
}

/** Records one try on a target: its error kind (null for success) and latency. */
type RecordAttempt = (errorKind: string | null, latencyMs?: number) => void;

async function tryTarget(
  deps: ExecutorDeps,
  lane: ProviderLane,
  target: RouteTarget,
  request: GenerationRequest,
  signal: AbortSignal | undefined,
  attempts: Attempt[],
  stream: StreamState | undefined,
): Promise<TargetOutcome> {
  const call: TargetCall = { deps, lane, target, request, signal, stream };
  let tries = 0;
  const policy = retryPolicy(call, () => tries);

  const attempt = async (): Promise<GenerationResult> => {
    if (signal?.aborted) throw new CallerAborted();
    tries += 1;
    if (tries === 1) lane.budget.recordFirstTry();
    const started = performance.now();
    const record: RecordAttempt = (errorKind, latencyMs = performance.now() - started) => {
      attempts.push({ provider: lane.id, model: lane.model, errorKind, latencyMs });
    };
    try {
      const result = await callTarget(call, tries === 1, record);
      record(null);
      lane.health.success();
      return result;
    } catch (error) {
      throw failedTry(call, error, record);
    }
  };

  try {
    return { ok: true, result: await policy.execute(attempt) };
  } catch (error) {
    return failedOutcome(call, error);
  }
}

/** The retry policy on one target: which failures earn another try there, given the tries made so far. */
function retryPolicy({ deps, lane, target, signal, stream }: TargetCall, tries: () => number): RetryPolicy {
  const canRetry = (error: unknown): boolean =>
    error instanceof ProviderError &&
    !isLocalRejection(error) &&
    RETRYABLE_KINDS.has(error.kind) &&
    tries() <= target.retries &&
    signal?.aborted !== true &&
    stream?.started !== true &&
    (error.retryAfterMs === undefined || error.retryAfterMs <= deps.retry.maxRetryAfterMs) &&
    // Last, because it withdraws from the budget.
    lane.budget.tryRetry();
  return retry(handleWhen(canRetry), {
    maxAttempts: target.retries,
    backoff: retryBackoff(deps.retry),
  }).dangerouslyUnref();
}

/** One call to a target through its breaker and dispatcher, unless a 429's backoff (first tries only) or another replica's open breaker keeps it away. */
async function callTarget(
  { deps, lane, target, request, signal, stream }: TargetCall,
  firstTry: boolean,
  record: RecordAttempt,
): Promise<GenerationResult> {
  const backoffMs = firstTry ? lane.health.backoffMs() : 0;
  if (backoffMs > 0) {
    record('rate_limited', 0);
    throw new TargetSkipped(
      new ProviderError('rate_limited', lane.id, `${lane.id}: rate limited, backing off`, {
        retryAfterMs: backoffMs,
      }),
    );
  }
  if (deps.sharedOpen?.(lane.id)) throw new BrokenCircuitError('circuit open on another replica');
  return lane.breaker.execute(async () => {
    const outcome = await lane.dispatcher.load(request, {
      timeoutMs: target.timeoutMs,
      signal,
      onToken: stream && onFirstToken(stream),
    });
    if (outcome === ABORTED) throw new CallerAborted();
    if (outcome instanceof ProviderError) {
      // A bad key will not get better by itself: isolate the provider now.
      if (outcome.kind === 'auth') lane.breaker.tripNext();
      throw outcome;
    }
    return outcome;
  });
}

/** Records a failed try and returns what the retry policy sees: a skip or an abort as it is, anything else as a ProviderError (a long Retry-After also backs the provider off). */
function failedTry({ deps, lane }: TargetCall, error: unknown, record: RecordAttempt): Error {
  if (error instanceof CallerAborted) {
    record('timeout');
    return error;
  }
  if (error instanceof TargetSkipped) return error;
  if (error instanceof BrokenCircuitError) {
    record('unavailable', 0);
    deps.logger?.debug({ provider: lane.id }, 'breaker open: target skipped');
    return new TargetSkipped(new ProviderError('unavailable', lane.id, `${lane.id}: circuit open`, { cause: error }));
  }
  const mapped = toProviderError(lane.id, error);
  record(mapped.kind);
  if (!isLocalRejection(mapped)) lane.health.failure(mapped);
  if (
    mapped.kind === 'rate_limited' &&
    mapped.retryAfterMs !== undefined &&
    mapped.retryAfterMs > deps.retry.maxRetryAfterMs
  ) {
    lane.health.backOff(Math.min(mapped.retryAfterMs, deps.retry.maxProviderBackoffMs));
  }
  return mapped;
}

/** A target's outcome from what its last try threw. */
function failedOutcome({ lane, signal }: TargetCall, error: unknown): TargetOutcome {
  if (error instanceof CallerAborted)
    return { ok: false, error: new ProviderError('timeout', lane.id, 'request aborted by caller'), aborted: true };
  if (error instanceof TargetSkipped) return { ok: false, error: error.error, aborted: false };
  return { ok: false, error: toProviderError(lane.id, error), aborted: signal?.aborted === true };
}

function onFirstToken(stream: StreamState): (piece: string) => void {
  return (piece) => {
    stream.started = true;
    stream.onToken(piece);
  };
}
