/**
 * Tells a stuck local model from a busy one, for the liveness probe. Busy:
 * requests wait or run and forward passes keep coming; the replica is
 * alive and a restart would only lose work. Stuck: requests wait or run
 * and no forward pass has finished for `stuckAfterMs`; only a restart helps.
 * Idle (nothing waiting) is never stuck.
 */
import type { LocalModelStats } from '../observability/metrics.js';

export interface ProgressWatchdogOptions {
  /** The local models' stats, by provider id. */
  stats: () => Record<string, LocalModelStats>;
  /** Work without a finished forward pass for this long is stuck, ms. */
  stuckAfterMs: number;
  /** Clock, ms. Default Date.now. */
  now?: () => number;
}

export class ProgressWatchdog {
  readonly #options: ProgressWatchdogOptions;
  readonly #now: () => number;
  /** Per provider: passes at the last observation, whether it was working then, and since when it made no progress. */
  readonly #last = new Map<string, { passes: number; working: boolean; at: number }>();

  constructor(options: ProgressWatchdogOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Ids of local models that are stuck now. Each call is an observation: call it on every probe. */
  stuck(): string[] {
    const now = this.#now();
    const out: string[] = [];
    for (const [id, s] of Object.entries(this.#options.stats())) {
      const last = this.#last.get(id);
      const working = s.queueDepth + s.runningItems > 0;
      // Idle, just started working (the wait is counted from the first observation of it), or progressing.
      if (!last || !working || !last.working || s.forwardPasses !== last.passes) {
        this.#last.set(id, { passes: s.forwardPasses, working, at: now });
        continue;
      }
      if (now - last.at >= this.#options.stuckAfterMs) out.push(id);
    }
    return out;
  }
}
