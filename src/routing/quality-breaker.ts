/**
 * The quality breaker: a provider (and model) whose recent texts fail the
 * checks too often is routed around, as an open circuit breaker would be,
 * until a probe shows it writes acceptable text again. It sits beside the
 * provider breaker, not inside it: the provider breaker counts calls that
 * failed, this one counts calls that succeeded with text unfit to show.
 *
 * Per process: the verdicts are known where the description is checked, and
 * each replica judges from its own traffic.
 *
 * States, per provider and model:
 * - closed: every verdict goes into a window of the last `window`; with at
 *   least `minSamples` there and a share of non-PASS verdicts ≥
 *   `failureRatio`, it opens;
 * - open: planning leaves the provider out while another target remains,
 *   for `cooldownMs`;
 * - half_open: after the cooldown, the next request is a probe and tries the
 *   provider first; its verdict closes the breaker (PASS) or opens it again.
 *   A probe that brings no verdict (the call failed) frees the slot after
 *   `probeTimeoutMs`.
 */
import type { Verdict } from '../evaluation/checks/verdict.js';

export interface QualityBreakerSettings {
  /** Share of REVIEW or BLOCK verdicts among the recent ones that opens the breaker (≥); 0 turns the breaker off. Default 0.5. */
  failureRatio: number;
  /** Verdicts needed in the window before the share counts. Default 10. */
  minSamples: number;
  /** Recent verdicts kept per provider and model. Default 2 × minSamples. */
  window: number;
  /** How long an open breaker routes around its provider before a probe, ms. Default 60 000. */
  cooldownMs: number;
  /** How long a probe may go without a verdict before another request probes, ms. Default 30 000. */
  probeTimeoutMs: number;
}

export const DEFAULT_QUALITY_BREAKER_SETTINGS: Omit<QualityBreakerSettings, 'window'> = {
  failureRatio: 0.5,
  minSamples: 10,
  cooldownMs: 60_000,
  probeTimeoutMs: 30_000,
};

export type QualityState = 'closed' | 'open' | 'half_open';

/** What planning should do with a provider, from its quality: use it, leave it out, or try it first as the probe. */
export type QualityStanding = 'ok' | 'avoid' | 'probe';

/** One provider and model's quality, as `providers` and the metrics show it. */
export interface QualityStatus {
  provider: string;
  model: string;
  state: QualityState;
  /** Verdicts in the window and how many of them were REVIEW or BLOCK. */
  samples: number;
  failures: number;
  /** Why it opened (the share and the verdicts), while not closed. */
  reason: string | null;
  /** When an open breaker lets a probe through, epoch ms. */
  openUntil: number | null;
  /** Times it opened since the process started. */
  trips: number;
}

export interface QualityBreakerOptions {
  /** Thresholds and timings. Defaults: DEFAULT_QUALITY_BREAKER_SETTINGS, window 2 × minSamples. */
  settings?: Partial<QualityBreakerSettings>;
  /** Clock, ms. Default Date.now. */
  now?: () => number;
  /** Told of every state change (for the log). Default: none. */
  onChange?: (status: QualityStatus) => void;
}

interface Entry {
  provider: string;
  model: string;
  state: QualityState;
  /** The last `window` verdicts, oldest first. */
  recent: Verdict[];
  reason: string | null;
  openUntil: number;
  probeAt: number;
  trips: number;
}

export class QualityBreaker {
  readonly settings: QualityBreakerSettings;
  readonly #now: () => number;
  readonly #onChange: ((status: QualityStatus) => void) | undefined;
  readonly #entries = new Map<string, Entry>();

  constructor(options: QualityBreakerOptions = {}) {
    const given = options.settings ?? {};
    const minSamples = given.minSamples ?? DEFAULT_QUALITY_BREAKER_SETTINGS.minSamples;
    this.settings = { ...DEFAULT_QUALITY_BREAKER_SETTINGS, window: 2 * minSamples, ...given };
    const { failureRatio, window } = this.settings;
    if (!(failureRatio >= 0 && failureRatio <= 1))
      throw new TypeError(`failureRatio must be in [0, 1]; got ${failureRatio}`);
    if (!(Number.isInteger(minSamples) && minSamples >= 1 && window >= minSamples))
      throw new TypeError(`need 1 ≤ minSamples ≤ window; got ${minSamples} and ${window}`);
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
  }

  get enabled(): boolean {
    return this.settings.failureRatio > 0;
  }

  /** Counts one checked generation of `provider` running `model`. */
  record(provider: string, model: string, verdict: Verdict): void {
    if (!this.enabled) return;
    const entry = this.#entry(provider, model);
    if (entry.state === 'half_open') {
      if (verdict === 'PASS') this.#close(entry);
      else this.#open(entry, `the probe's text got ${verdict}`);
      return;
    }
    entry.recent.push(verdict);
    if (entry.recent.length > this.settings.window) entry.recent.shift();
    if (entry.state !== 'closed') return;
    const { blocks, reviews } = tally(entry.recent);
    const samples = entry.recent.length;
    if (samples >= this.settings.minSamples && (blocks + reviews) / samples >= this.settings.failureRatio) {
      this.#open(
        entry,
        `${blocks + reviews} of the last ${samples} texts failed the checks (${blocks} BLOCK, ${reviews} REVIEW)`,
      );
    }
  }

  /**
   * What planning does with `provider` now. Asking in half-open state claims
   * the probe: the caller is expected to try the provider first.
   */
  standing(provider: string, model: string): QualityStanding {
    const entry = this.#entries.get(key(provider, model));
    if (!entry || entry.state === 'closed') return 'ok';
    const now = this.#now();
    if (entry.state === 'open') {
      if (now < entry.openUntil) return 'avoid';
      entry.state = 'half_open';
      entry.probeAt = now;
      this.#onChange?.(this.#status(entry));
      return 'probe';
    }
    if (now - entry.probeAt < this.settings.probeTimeoutMs) return 'avoid';
    entry.probeAt = now;
    return 'probe';
  }

  /** Every provider and model seen so far. */
  statuses(): QualityStatus[] {
    return [...this.#entries.values()].map((e) => this.#status(e));
  }

  status(provider: string, model: string): QualityStatus {
    const entry = this.#entries.get(key(provider, model));
    return entry
      ? this.#status(entry)
      : { provider, model, state: 'closed', samples: 0, failures: 0, reason: null, openUntil: null, trips: 0 };
  }

  #entry(provider: string, model: string): Entry {
    const k = key(provider, model);
    let entry = this.#entries.get(k);
    if (!entry) {
      entry = { provider, model, state: 'closed', recent: [], reason: null, openUntil: 0, probeAt: 0, trips: 0 };
      this.#entries.set(k, entry);
    }
    return entry;
  }

  #open(entry: Entry, reason: string): void {
    entry.state = 'open';
    entry.reason = reason;
    entry.openUntil = this.#now() + this.settings.cooldownMs;
    entry.trips++;
    this.#onChange?.(this.#status(entry));
  }

  #close(entry: Entry): void {
    entry.state = 'closed';
    entry.reason = null;
    entry.recent = [];
    this.#onChange?.(this.#status(entry));
  }

  #status(e: Entry): QualityStatus {
    return {
      provider: e.provider,
      model: e.model,
      state: e.state,
      samples: e.recent.length,
      failures: e.recent.filter((v) => v !== 'PASS').length,
      reason: e.reason,
      openUntil: e.state === 'closed' ? null : e.openUntil,
      trips: e.trips,
    };
  }
}

function tally(verdicts: readonly Verdict[]): { blocks: number; reviews: number } {
  let blocks = 0;
  let reviews = 0;
  for (const v of verdicts) {
    if (v === 'BLOCK') blocks++;
    else if (v === 'REVIEW') reviews++;
  }
  return { blocks, reviews };
}

const key = (provider: string, model: string): string => `${provider}\u0000${model}`;
