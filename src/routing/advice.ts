/**
 * Advice that planning takes before a route runs: the quality breaker and
 * the actions alerts asked for (a demoted provider, a policy switched to its
 * fallback). A layer of its own, consulted by `planRoute` (plan.ts), so the provider
 * breakers and the executor stay as they are.
 */
import type { RouteTarget } from './types.js';

/**
 * What planning does with one target:
 * - ok: keep its place;
 * - probe: try it first (a quality probe: this request tests it);
 * - last: move it behind every other target (demoted);
 * - avoid: leave it out while any other target remains.
 */
export type Standing = 'ok' | 'probe' | 'last' | 'avoid';

const SEVERITY: Readonly<Record<Standing, number>> = { ok: 0, probe: 1, last: 2, avoid: 3 };

/** The stronger of two standings (avoid over last over probe over ok). */
export function strongerStanding(a: Standing, b: Standing): Standing {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

/** Consulted by the router while it plans an unpinned route. Shared by every request. */
export interface RouteAdvisor {
  /** The policy to plan with when a client asks for `name` (its fallback while an action says so), else `name`. */
  policyFor(name: string): string;
  /** The standing of a provider running `model`; may claim a quality probe. */
  standing(providerId: string, model: string): Standing;
}

/**
 * Reorders (and thins) a plan's targets by their standing. Probes first,
 * then the others in their order, then demoted ones; avoided targets are
 * left out unless nothing else would remain, in which case they stay, last,
 * so that a deployment with one provider still answers.
 */
export function arrangeTargets(
  targets: readonly RouteTarget[],
  standingOf: (target: RouteTarget) => Standing,
): RouteTarget[] {
  const groups: Record<Standing, RouteTarget[]> = { probe: [], ok: [], last: [], avoid: [] };
  for (const t of targets) groups[standingOf(t)].push(t);
  const usable = [...groups.probe, ...groups.ok, ...groups.last];
  return usable.length ? usable : groups.avoid;
}
