/**
 * Where spending is counted: one counter per cap and period (a "window").
 * Amounts are whole nano-dollars (1e-9 USD), so a shared store can add them
 * with integer arithmetic and replicas never disagree by a rounding error;
 * one token of the cheapest priced model is still more than one unit.
 */

export const NANO_PER_USD = 1e9;

/** USD as whole nano-dollars, rounded up: a charge is never under-counted. */
export const toNano = (usd: number): number => Math.ceil(usd * NANO_PER_USD - 1e-6);
export const toUsd = (nano: number): number => nano / NANO_PER_USD;

/** One cap's counter for one period. */
export interface BudgetWindow {
  /** Unique per cap, payer and period, e.g. `key:3f2a…:day:2025-06-01`. */
  id: string;
  /** The cap, nano-USD. */
  limit: number;
  /** When the period ends (the counter may be dropped after it), epoch ms. */
  endsAt: number;
}

export type ReserveResult =
  | { allowed: true }
  | {
      allowed: false;
      /** Index of the first window without room. */ window: number;
      /** What that window holds, nano-USD. */ spent: number;
    };

/** What a budget backend must do. Every method is atomic across the windows it is given. */
export interface BudgetStore {
  /** Adds `amount` to every window if each stays within its limit; otherwise adds nothing. */
  reserve(windows: readonly BudgetWindow[], amount: number): Promise<ReserveResult>;
  /** Adds `delta` (negative to give back) to every window, limits aside. */
  adjust(windows: readonly BudgetWindow[], delta: number): Promise<void>;
  /** What each window holds, nano-USD (0 for one never charged). */
  read(ids: readonly string[]): Promise<number[]>;
  close(): Promise<void>;
}

export interface MemoryBudgetStoreOptions {
  /** Clock, ms: windows past their end are dropped. Default Date.now. */
  now?: () => number;
}

/** Per process: each replica counts only what it spent itself. */
export class MemoryBudgetStore implements BudgetStore {
  readonly #spent = new Map<string, { amount: number; endsAt: number }>();
  readonly #now: () => number;

  constructor(options: MemoryBudgetStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  async reserve(windows: readonly BudgetWindow[], amount: number): Promise<ReserveResult> {
    this.#sweep();
    for (const [i, w] of windows.entries()) {
      const spent = this.#spent.get(w.id)?.amount ?? 0;
      if (spent + amount > w.limit) return { allowed: false, window: i, spent };
    }
    this.#add(windows, amount);
    return { allowed: true };
  }

  async adjust(windows: readonly BudgetWindow[], delta: number): Promise<void> {
    this.#add(windows, delta);
  }

  async read(ids: readonly string[]): Promise<number[]> {
    this.#sweep();
    return ids.map((id) => this.#spent.get(id)?.amount ?? 0);
  }

  async close(): Promise<void> {
    this.#spent.clear();
  }

  #add(windows: readonly BudgetWindow[], delta: number): void {
    for (const w of windows) {
      const entry = this.#spent.get(w.id) ?? { amount: 0, endsAt: w.endsAt };
      entry.amount = Math.max(0, entry.amount + delta);
      this.#spent.set(w.id, entry);
    }
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, entry] of this.#spent) if (entry.endsAt <= now) this.#spent.delete(id);
  }
}
