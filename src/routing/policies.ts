/**
 * Routing policies: the defaults built from the configured providers, and a
 * JSON override (e.g. from an environment variable) validated with zod.
 */
import { z } from 'zod';
import type { RoutingPolicy, RouteTarget } from './types.js';

/** Provider ids that run in-process (no network, no per-call cost). */
export const LOCAL_PROVIDER_IDS: readonly string[] = ['onnx'];

/** Timeout ceiling of the `mobile` policy: a phone user waits seconds, not tens of seconds. */
export const MOBILE_TIMEOUT_MS = 4000;

export interface DefaultPolicyOptions {
  /** Ids treated as local models. Default LOCAL_PROVIDER_IDS. */
  localProviderIds?: readonly string[];
}

/**
 * The three built-in policies over the configured providers (in configured order):
 * - `mobile`: fast and cheap first: local models first, then the others,
 *   timeouts capped at MOBILE_TIMEOUT_MS, no retries (failover is faster);
 * - `personalization`: quality first: hosted providers in configured order,
 *   then local ones, one retry each;
 * - `internal`: configured order, one retry each.
 */
export function defaultPolicies(
  providerIds: readonly string[],
  providerTimeoutMs: number,
  options: DefaultPolicyOptions = {},
): RoutingPolicy[] {
  if (!(providerTimeoutMs > 0)) throw new TypeError(`providerTimeoutMs must be > 0; got ${providerTimeoutMs}`);
  const local = new Set(options.localProviderIds ?? LOCAL_PROVIDER_IDS);
  const locals = providerIds.filter((id) => local.has(id));
  const hosted = providerIds.filter((id) => !local.has(id));
  const target = (provider: string, timeoutMs: number, retries: number): RouteTarget => ({
    provider,
    timeoutMs,
    retries,
  });
  const mobileTimeout = Math.min(providerTimeoutMs, MOBILE_TIMEOUT_MS);
  return [
    // While the local model is saturated, an alert may switch mobile to its fallback: hosted providers first.
    {
      name: 'mobile',
      strategy: 'fallback',
      targets: [...locals, ...hosted].map((id) => target(id, mobileTimeout, 0)),
      fallback: 'personalization',
    },
    {
      name: 'personalization',
      strategy: 'fallback',
      targets: [...hosted, ...locals].map((id) => target(id, providerTimeoutMs, 1)),
    },
    { name: 'internal', strategy: 'fallback', targets: providerIds.map((id) => target(id, providerTimeoutMs, 1)) },
  ];
}

/** Retries of an override target that sets none: the next target is the usual answer to a failure. */
export const DEFAULT_OVERRIDE_RETRIES = 0;

const targetSchema = z.strictObject({
  provider: z.string().min(1),
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
  retries: z.number().int().min(0).max(10).optional(),
  weight: z.number().min(0).optional(),
});

const policySchema = z.strictObject({
  name: z.string().min(1),
  strategy: z.enum(['fallback', 'loadbalance']),
  targets: z.array(targetSchema).min(1),
  fallback: z.string().min(1).optional(),
});

const overrideSchema = z.array(policySchema);

/**
 * A policy as an override writes it: a target may leave out `timeoutMs` (then
 * the provider timeout) and `retries` (then DEFAULT_OVERRIDE_RETRIES);
 * resolvePolicies fills them in.
 */
export type PolicyOverride = z.output<typeof policySchema>;

/** A policy override that failed to parse or validate; the message names each bad field. */
export class PolicyOverrideError extends TypeError {
  override readonly name = 'PolicyOverrideError';
}

/**
 * Parses a JSON array of policies. With `knownProviders`, every target must
 * name one of them. Policy names must be unique.
 */
export function parsePolicyOverride(json: string, knownProviders?: readonly string[]): PolicyOverride[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new PolicyOverrideError(`routing policy override is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = overrideSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`,
    );
    throw new PolicyOverrideError(`routing policy override is invalid: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  for (const [i, policy] of parsed.data.entries()) {
    if (seen.has(policy.name))
      throw new PolicyOverrideError(`routing policy override is invalid: ${i}.name: duplicate policy "${policy.name}"`);
    seen.add(policy.name);
  }
  if (knownProviders) checkOverrideProviders(parsed.data, knownProviders);
  return parsed.data;
}

/** Throws a PolicyOverrideError naming the first target whose provider is not one of `knownProviders`. */
export function checkOverrideProviders(policies: readonly PolicyOverride[], knownProviders: readonly string[]): void {
  for (const [i, policy] of policies.entries()) {
    for (const [j, t] of policy.targets.entries()) {
      if (!knownProviders.includes(t.provider)) {
        throw new PolicyOverrideError(
          `routing policy override is invalid: ${i}.targets.${j}.provider: "${t.provider}" is not a configured provider (configured: ${knownProviders.join(', ') || 'none'})`,
        );
      }
    }
  }
}

/**
 * The defaults with any override applied: an override replaces the default of
 * the same name, or adds a policy. The override is JSON text or policies
 * parsed already (config parses ROUTING_POLICIES at start); either way every
 * target must name one of `providerIds`.
 */
export function resolvePolicies(
  providerIds: readonly string[],
  providerTimeoutMs: number,
  override?: string | readonly PolicyOverride[] | null,
  options: DefaultPolicyOptions = {},
): RoutingPolicy[] {
  const byName = new Map(defaultPolicies(providerIds, providerTimeoutMs, options).map((p) => [p.name, p]));
  const overrides =
    typeof override === 'string' ? (override.trim() === '' ? [] : parsePolicyOverride(override)) : (override ?? []);
  checkOverrideProviders(overrides, providerIds);
  for (const p of overrides) {
    byName.set(p.name, {
      name: p.name,
      strategy: p.strategy,
      targets: p.targets.map((t) => ({
        provider: t.provider,
        timeoutMs: t.timeoutMs ?? providerTimeoutMs,
        retries: t.retries ?? DEFAULT_OVERRIDE_RETRIES,
        ...(t.weight === undefined ? {} : { weight: t.weight }),
      })),
    });
  }
  return [...byName.values()];
}
