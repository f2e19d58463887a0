/**
 * Per-provider batching. Items that reach the same provider in the same turn
 * of the event loop (every item of one `generate` call on its first target,
 * then the ones that failed over together) go out as one
 * `generator.generate(batch)` call per `capabilities.maxBatchSize` chunk.
 * Each chunk passes the provider's bulkhead (concurrency limit and queue) and
 * runs under a cooperative timeout whose signal the provider receives.
 *
 * Every waiter settles: with its result, with ABORTED as soon as its own
 * signal fires, or with a timeout error at the deadline plus a grace period
 * should the provider ignore the signal. A waiter settles with its own
 * result as soon as the provider reports it (`onResult`, which the hosted
 * backends call per request), so a fast answer never waits for a slow one
 * of the same batch; the batch's bulkhead slot is held until all are in.
 */
import { BulkheadRejectedError, TaskCancelledError, TimeoutStrategy, timeout, type BulkheadPolicy } from 'cockatiel';
import {
  ProviderError,
  type GenerateOptions,
  type GenerationRequest,
  type GenerationResult,
  type TextGenerator,
} from '../../providers/types.js';
import { toProviderError } from '../../providers/http-errors.js';
import { ABORTED, type Aborted } from './abort.js';
import { markLocalRejection } from './breaker.js';

export type DispatchOutcome = GenerationResult | ProviderError | Aborted;

export interface DispatchOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Streams this item: it is sent in a batch of its own, with tokens passed here. */
  onToken?: ((piece: string) => void) | undefined;
}

interface Entry {
  request: GenerationRequest;
  options: DispatchOptions;
  settle: (outcome: DispatchOutcome) => void;
  /** How the waiter settled, once it has. */
  settled?: DispatchOutcome;
  /** Told when the waiter settles: its batch watches for the last one. */
  watch?: () => void;
}

export interface DispatcherOptions {
  generator: TextGenerator;
  bulkhead: BulkheadPolicy;
  /** Extra time after the timeout before a waiter stops waiting for a provider that ignores its signal. */
  graceMs: number;
}

export class BatchDispatcher {
  /** Items waiting for this turn's flush, by timeout (one batch shares one deadline). */
  readonly #pending = new Map<number, Entry[]>();
  #flush: NodeJS.Immediate | undefined;
  readonly #generator: TextGenerator;

  constructor(private readonly options: DispatcherOptions) {
    this.#generator = options.generator;
  }

  load(request: GenerationRequest, options: DispatchOptions): Promise<DispatchOutcome> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.resolve(ABORTED);
    return new Promise<DispatchOutcome>((resolve) => {
      const guard = setTimeout(
        () =>
          settle(
            new ProviderError(
              'timeout',
              this.#generator.id,
              `${this.#generator.id}: no answer within ${options.timeoutMs} ms`,
            ),
          ),
        options.timeoutMs + this.options.graceMs,
      );
      guard.unref();
      const onAbort = (): void => settle(ABORTED);
      const settle = (outcome: DispatchOutcome): void => {
        if (entry.settled !== undefined) return;
        clearTimeout(guard);
        signal?.removeEventListener('abort', onAbort);
        entry.settled = outcome;
        entry.watch?.();
        resolve(outcome);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const entry: Entry = { request, options, settle };
      if (options.onToken) {
        void this.#send([entry], options.timeoutMs);
        return;
      }
      const list = this.#pending.get(options.timeoutMs) ?? [];
      list.push(entry);
      this.#pending.set(options.timeoutMs, list);
      // setImmediate, not a microtask: every item whose routing reached this
      // provider in this turn, however many awaits it took, joins the batch.
      this.#flush ??= setImmediate(() => this.#flushAll());
    });
  }

  /** Fails everything not yet sent (the router is closing). */
  close(): void {
    if (this.#flush) clearImmediate(this.#flush);
    this.#flush = undefined;
    for (const list of this.#pending.values()) for (const entry of list) entry.settle(ABORTED);
    this.#pending.clear();
  }

  #flushAll(): void {
    this.#flush = undefined;
    const max = Math.max(1, this.#generator.capabilities.maxBatchSize);
    for (const [timeoutMs, list] of this.#pending) {
      for (let i = 0; i < list.length; i += max) void this.#send(list.slice(i, i + max), timeoutMs);
    }
    this.#pending.clear();
  }

  async #send(entries: Entry[], timeoutMs: number): Promise<void> {
    const id = this.#generator.id;
    const everyoneGone = nobodyWaits(entries);
    let timedOut = false;
    try {
      const results = await this.options.bulkhead.execute(
        () =>
          // abortOnReturn off: aborting every finished call's signal built a
          // DOMException and ran the abort listeners of every signal derived
          // from it (the provider's, the SDK's), a share of every request's CPU
          // that the gateway profile showed (docs/benchmarks.md, the gateway
          // findings); nothing is left listening once generate() has returned.
          timeout(timeoutMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false }).execute(
            async ({ signal }) => {
              const onToken = entries[0]?.options.onToken;
              const timedOutNow = (): boolean => signal.aborted && !everyoneGone.aborted;
              const options: GenerateOptions = {
                signal,
                callerGone: everyoneGone,
                onResult: (index, result) => entries[index]?.settle(this.#outcome(result, timedOutNow(), timeoutMs)),
              };
              if (onToken) options.onToken = (_index, piece) => onToken(piece);
              const answer = await this.#generator.generate(
                entries.map((e) => e.request),
                options,
              );
              timedOut = timedOutNow();
              return answer;
            },
            everyoneGone,
          ),
        everyoneGone,
      );
      // Settling is idempotent: the waiters answered through onResult keep their outcome.
      entries.forEach((entry, i) => entry.settle(this.#outcome(results[i], timedOut, timeoutMs)));
    } catch (error) {
      const failure =
        error instanceof BulkheadRejectedError
          ? markLocalRejection(new ProviderError('unavailable', id, `${id}: bulkhead full`, { cause: error }))
          : error instanceof TaskCancelledError
            ? ABORTED
            : toProviderError(id, error);
      for (const entry of entries) entry.settle(failure);
    }
  }

  #outcome(
    result: GenerationResult | ProviderError | undefined,
    timedOut: boolean,
    timeoutMs: number,
  ): DispatchOutcome {
    const id = this.#generator.id;
    if (result === undefined)
      return new ProviderError('unavailable', id, `${id}: returned fewer results than requests`);
    // A provider that stops a generation on abort (the local model) returns
    // what it had with finishReason 'cancelled': a timeout, not a success.
    if (timedOut && (result instanceof ProviderError || result.finishReason === 'cancelled')) {
      return new ProviderError('timeout', id, `${id}: timed out after ${timeoutMs} ms`, { cause: result });
    }
    return result;
  }
}

/**
 * Fires once no waiter of a batch waits any more and at least one of them
 * left without its answer (its caller aborted): the upstream call is then
 * cancelled, since nobody will read what it returns. Waiters answered one by
 * one (`onResult`) stop waiting as they are answered, so a hung call whose own
 * caller has gone is cancelled even though the rest of its batch succeeded.
 */
function nobodyWaits(entries: readonly Entry[]): AbortSignal {
  const controller = new AbortController();
  const check = (): void => {
    if (controller.signal.aborted) return;
    if (entries.every((e) => e.settled !== undefined) && entries.some((e) => e.settled === ABORTED))
      controller.abort(new Error('every waiter has gone'));
  };
  for (const entry of entries) entry.watch = check;
  check();
  return controller.signal;
}
