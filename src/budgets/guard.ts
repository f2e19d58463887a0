/**
 * The budget check around a generation: reserve the upper estimate under
 * every cap that applies to the caller before any provider is called, then
 * settle to the actual cost (charge.ts) once the route has run. A
 * reservation is atomic in the store, so concurrent requests (on one
 * replica, or on several sharing Redis) cannot together pass a cap.
 */
import { HeaderMap } from '@apollo/server';
import type { Logger } from 'pino';
import type { Principal } from '../auth/roles.js';
import { ErrorCode, GatewayError } from '../errors/index.js';
import type { GenerationRequest } from '../../providers/types.js';
import type { ModelPrice } from '../pricing.js';
import { actualCost, worstUpfrontCost, type ChargeInput, type PricedProvider } from './charge.js';
import { periodOf, rulesFor, type BudgetPeriod, type BudgetRule } from './settings.js';
import { toNano, toUsd, type BudgetStore, type BudgetWindow } from './store.js';

/** Who pays: the key's name and role (the principal). */
export type Payer = Pick<Principal, 'name' | 'role'>;

/** Room taken under the caps; `settle` turns it into the actual cost. */
export interface Reservation {
  payer: Payer;
  windows: BudgetWindow[];
  /** nano-USD reserved. */
  amount: number;
}

/** The cap that had no room. */
export interface BudgetRefusal {
  rule: BudgetRule;
  /** The key's name for a key cap, the role for a role cap. */
  payer: string;
  spentUsd: number;
  requestUsd: number;
  /** When the period resets, epoch ms. */
  resetsAt: number;
}

/** One cap's standing, for the metrics. */
export interface BudgetReading {
  scope: 'key' | 'role';
  name: string;
  period: BudgetPeriod;
  spentUsd: number;
  limitUsd: number;
}

export interface BudgetGuardOptions {
  /** The caps (BUDGETS). */
  rules: readonly BudgetRule[];
  /** Where spending is counted: memory, or Redis shared by replicas. */
  store: BudgetStore;
  /** The price table (PRICE_TABLE over the built-in one). */
  prices: Record<string, ModelPrice>;
  /** Kind and model of a provider id; undefined for one not configured. */
  providerOf: (id: string) => PricedProvider | undefined;
  /** Provider ids a route may use: the pinned one, or the policy's targets (and its fallback's). */
  candidates: (policy: string, pinned: string | null) => readonly string[];
  /** Clock, ms (periods are UTC days and months). Default Date.now. */
  now?: () => number;
  /** Refusals are logged at warn. Default: none. */
  logger?: Logger;
  /** Told of each refusal (metrics). Default: none. */
  onRefused?: (refusal: BudgetRefusal) => void;
  /** Told of each settled charge, USD (metrics). Default: none. */
  onCharged?: (role: string, usd: number) => void;
}

interface Seen {
  window: BudgetWindow;
  rule: BudgetRule;
  payer: string;
}

export class BudgetGuard {
  readonly #rules: readonly BudgetRule[];
  readonly #store: BudgetStore;
  readonly #prices: Record<string, ModelPrice>;
  readonly #providerOf: (id: string) => PricedProvider | undefined;
  readonly #candidates: (policy: string, pinned: string | null) => readonly string[];
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  readonly #onRefused: ((refusal: BudgetRefusal) => void) | undefined;
  readonly #onCharged: ((role: string, usd: number) => void) | undefined;
  /** Windows this process has charged, so the metrics can read their spending back (from the shared store too). */
  readonly #seen = new Map<string, Seen>();

  constructor(options: BudgetGuardOptions) {
    this.#rules = options.rules;
    this.#store = options.store;
    this.#prices = options.prices;
    this.#providerOf = options.providerOf;
    this.#candidates = options.candidates;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    this.#onRefused = options.onRefused;
    this.#onCharged = options.onCharged;
  }

  /** The upper estimate of routing these requests (charge.ts), USD. */
  estimate(
    routes: ReadonlyArray<{
      policy: string;
      provider: string | null;
      request: Pick<GenerationRequest, 'prompt' | 'system' | 'maxTokens'>;
    }>,
  ): number {
    let usd = 0;
    for (const route of routes) {
      const providers = this.#candidates(route.policy, route.provider).flatMap((id) => this.#providerOf(id) ?? []);
      usd += worstUpfrontCost(this.#prices, providers, route.request);
    }
    return usd;
  }

  /** The actual cost of routed generations (charge.ts), USD. */
  cost(charges: readonly ChargeInput[]): number {
    return charges.reduce((sum, c) => sum + actualCost(this.#prices, this.#providerOf, c), 0);
  }

  /** Reserves `usd` under every cap of `payer`; a refusal names the first cap without room and reserves nothing. */
  async reserve(
    payer: Payer,
    usd: number,
  ): Promise<{ ok: true; reservation: Reservation } | { ok: false; refusal: BudgetRefusal }> {
    const applicable = this.#windowsFor(payer);
    const windows = applicable.map((s) => s.window);
    const amount = toNano(usd);
    if (!windows.length) return { ok: true, reservation: { payer, windows, amount: 0 } };
    const result = await this.#store.reserve(windows, amount);
    if (result.allowed) return { ok: true, reservation: { payer, windows, amount } };
    const refused = applicable[result.window];
    if (refused === undefined) throw new Error(`budget store refused window ${result.window} of ${applicable.length}`);
    const refusal: BudgetRefusal = {
      rule: refused.rule,
      payer: refused.payer,
      spentUsd: toUsd(result.spent),
      requestUsd: usd,
      resetsAt: refused.window.endsAt,
    };
    this.#logger?.warn(
      {
        keyName: payer.name,
        role: payer.role,
        cap: `${refused.rule.scope}:${refused.rule.name}`,
        period: refused.rule.period,
        limitUsd: refused.rule.limitUsd,
        spentUsd: refusal.spentUsd,
        requestUsd: usd,
      },
      'budget exceeded: request refused',
    );
    this.#onRefused?.(refusal);
    return { ok: false, refusal };
  }

  /** Replaces the reserved estimate with the actual cost. */
  async settle(reservation: Reservation, actualUsd: number): Promise<void> {
    if (actualUsd > 0) this.#onCharged?.(reservation.payer.role, actualUsd);
    if (!reservation.windows.length) return;
    await this.#store.adjust(reservation.windows, toNano(actualUsd) - reservation.amount);
  }

  /** Spending and cap of every role cap, and of every key cap this process has charged in the current period. */
  async readings(): Promise<BudgetReading[]> {
    const now = this.#now();
    // Role caps are shown from the start, spent or not.
    for (const rule of this.#rules) if (rule.scope === 'role') this.#window(rule, rule.name, now);
    const current = [...this.#seen.entries()].filter(([, s]) => s.window.endsAt > now);
    for (const [id, s] of this.#seen) if (s.window.endsAt <= now) this.#seen.delete(id);
    const spent = await this.#store.read(current.map(([id]) => id));
    return current.map(([, s], i) => ({
      scope: s.rule.scope,
      name: s.payer,
      period: s.rule.period,
      spentUsd: toUsd(spent[i] ?? 0), // the store reads one total per id; an unseen one has spent nothing
      limitUsd: s.rule.limitUsd,
    }));
  }

  async close(): Promise<void> {
    await this.#store.close();
  }

  #windowsFor(payer: Payer): Seen[] {
    const now = this.#now();
    return rulesFor(this.#rules, payer.name, payer.role).map((rule) =>
      this.#window(rule, rule.scope === 'role' ? rule.name : payer.name, now),
    );
  }

  /** The window of `rule` for `owner` (a key's name or a role) in the period of `now`. */
  #window(rule: BudgetRule, owner: string, now: number): Seen {
    const { label, endsAt } = periodOf(rule.period, now);
    const id = `${rule.scope}:${owner}:${rule.period}:${label}`;
    const seen = this.#seen.get(id) ?? { window: { id, limit: toNano(rule.limitUsd), endsAt }, rule, payer: owner };
    this.#seen.set(id, seen);
    return seen;
  }
}

/**
 * The client's error for a refusal. Over HTTP it carries Apollo's
 * `extensions.http` (status 429 and Retry-After), which Apollo strips from
 * the response; a graphql-ws error has no status to set.
 */
export function budgetExceededError(
  refusal: BudgetRefusal,
  options: { now?: number; http?: boolean } = {},
): GatewayError {
  const { rule } = refusal;
  const retryAfter = Math.max(1, Math.ceil((refusal.resetsAt - (options.now ?? Date.now())) / 1000));
  const whose = rule.scope === 'role' ? `the ${refusal.payer} role` : `this key (${refusal.payer})`;
  const message = `the budget of ${rule.limitUsd} USD per ${rule.period} for ${whose} has no room for this request (spent ${round(refusal.spentUsd)} USD, this request may cost up to ${round(refusal.requestUsd)} USD); it resets at ${new Date(refusal.resetsAt).toISOString()}`;
  return new GatewayError(ErrorCode.BUDGET_EXCEEDED, message, {
    reason: rule.scope === 'role' ? 'ROLE_BUDGET' : 'KEY_BUDGET',
    period: rule.period,
    limitUsd: rule.limitUsd,
    spentUsd: round(refusal.spentUsd),
    retryAfter,
    ...(options.http ? { http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) } } : {}),
  });
}

const round = (usd: number): number => Math.round(usd * 1e6) / 1e6;
