/** How long `waitFor` polls, and what its timeout error names. */
export interface WaitOptions {
  /** Give up after this long, ms. Default 10000. */
  timeoutMs?: number;
  /** What is waited for, for the error; a function is asked at the timeout (to name the last state seen). Default "condition". */
  what?: string | (() => string);
  /** Pause between polls, ms. Default 10. */
  intervalMs?: number;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Polls `condition` until it returns a truthy value (or a promise of one) and
 * returns that value; after `timeoutMs` it fails, naming `what` and the last
 * value seen. For a real process, socket or queue that needs time: the test
 * waits for the state it needs, never for a fixed time, and the deadline only
 * bounds a hang.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<Truthy<T>> {
  const { timeoutMs = 10_000, what = 'condition', intervalMs = 10 } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as Truthy<T>;
    if (performance.now() > deadline) {
      const last = typeof value === 'boolean' ? '' : ` (last: ${JSON.stringify(value)})`;
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${last}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
