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
export function raceAbort<T, A>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => A,
): Promise<T | A> {
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
