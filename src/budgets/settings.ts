/**
 * BUDGETS: spending caps in USD per key and per role, per day and per month
 * (UTC). Pure: config.ts parses it inside its zod schema, so a bad value
 * fails the start with a ConfigError naming the variable.
 *
 *   role:mobile=20/day,role:mobile=400/month,key:partner-app=5/day,key:*=50/month
 *
 * `key:<name>` is one key (by the name `npm run keys -- list` shows);
 * `key:*` gives every key a cap of its own; `role:<role>` is shared by all
 * keys of the role. Every cap that applies to a request must have room.
 */
import { ROLES, isRole, type Role } from '../auth/roles.js';

export type BudgetPeriod = 'day' | 'month';
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['day', 'month'];

export interface BudgetRule {
  scope: 'key' | 'role';
  /** A key's name, `*` (every key), or a role. */
  name: string;
  period: BudgetPeriod;
  limitUsd: number;
}

/** Parses BUDGETS; an empty value is no caps. Throws naming the bad entry. */
export function parseBudgets(value: string): BudgetRule[] {
  const rules: BudgetRule[] = [];
  const seen = new Set<string>();
  for (const entry of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^(key|role):([^=\s]+)=(\d+(?:\.\d+)?)\/(day|month)$/.exec(entry);
    if (!match) throw new Error(`"${entry}": expected key:<name>=<usd>/<day|month> or role:<role>=<usd>/<day|month>`);
    const [, scope, name, usd, period] = match as unknown as [string, 'key' | 'role', string, string, BudgetPeriod];
    if (scope === 'role' && !isRole(name)) throw new Error(`"${entry}": the role must be one of ${ROLES.join(', ')}`);
    const limitUsd = Number(usd);
    if (!(limitUsd > 0)) throw new Error(`"${entry}": the cap must be more than 0 USD`);
    const id = `${scope}:${name}/${period}`;
    if (seen.has(id)) throw new Error(`"${entry}": ${scope}:${name} has two caps per ${period}`);
    seen.add(id);
    rules.push({ scope, name, period, limitUsd });
  }
  return rules;
}

/** The caps that apply to a key: its own, the `key:*` ones (unless it has its own for that period), its role's. */
export function rulesFor(rules: readonly BudgetRule[], keyName: string, role: Role): BudgetRule[] {
  const own = rules.filter((r) => r.scope === 'key' && r.name === keyName);
  const wildcard = rules.filter((r) => r.scope === 'key' && r.name === '*' && !own.some((o) => o.period === r.period));
  return [...own, ...wildcard, ...rules.filter((r) => r.scope === 'role' && r.name === role)];
}

/** The UTC period that `now` falls in: its label (2025-06-01 or 2025-06) and when it ends, epoch ms. */
export function periodOf(period: BudgetPeriod, now: number): { label: string; endsAt: number } {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (period === 'month') return { label: `${y}-${String(m + 1).padStart(2, '0')}`, endsAt: Date.UTC(y, m + 1, 1) };
  const day = d.getUTCDate();
  return {
    label: `${y}-${String(m + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    endsAt: Date.UTC(y, m, day + 1),
  };
}
