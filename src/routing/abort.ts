/** Abort plumbing shared by the router's parts. */

/** What an aborted wait resolves with: the caller's signal fired, so nothing is owed to anyone. */
export const ABORTED: unique symbol = Symbol('aborted');
export type Aborted = typeof ABORTED;

/**
 * Resolves with `promise`, or with `onAbort()` as soon as `signal` fires,
 * whichever comes first. The listener is removed either way, and a later
 * rejection of `promise` is swallowed so an abandoned call never surfaces as
 * an unhandled rejection.
 */
export function raceAbort<T, A>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort: () => A): Promise<T | A> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(onAbort());
  }
  return new Promise<T | A>((resolve, reject) => {
    const abort = (): void => {
      promise.catch(() => undefined);
      resolve(onAbort());
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/**
 * A signal that fires once every one of `signals` has fired: a shared upstream
 * call is cancelled only when nobody waits for it any more. Never fires when
 * any waiter came without a signal.
 */
export function allAborted(signals: ReadonlyArray<AbortSignal | undefined>): AbortSignal | undefined {
  if (signals.length === 0 || signals.some((s) => s === undefined)) return undefined;
  const list = signals as AbortSignal[];
  if (list.length === 1) return list[0];
  const controller = new AbortController();
  const check = (): void => {
    if (list.every((s) => s.aborted)) {
      for (const s of list) s.removeEventListener('abort', check);
      controller.abort(new Error('every waiter aborted'));
    }
  };
  for (const s of list) s.addEventListener('abort', check, { once: true });
  check();
  return controller.signal;
}
