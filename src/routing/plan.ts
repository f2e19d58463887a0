/**
 * Planning one request: which providers it may go to, in what order. Pure
 * apart from the random draw of a load-balanced order.
 */
import { honoursLocale, ProviderError, type GenerationRequest } from '../../providers/types.js';
import { ROUTER_ID, failure, type Plan } from './executor.js';
import type { GeneratorSource, Routed, RouteOptions, RoutingPolicy } from './types.js';
import { weightedFirst } from './weighted.js';
import { arrangeTargets, type RouteAdvisor } from './advice.js';

/** Timeout for a pinned provider that the policy does not list, when the policy has no targets either. */
const DEFAULT_PINNED_TIMEOUT_MS = 20_000;

/** The policies by name; a name given twice is a TypeError. */
export function policiesByName(list: readonly RoutingPolicy[]): Map<string, RoutingPolicy> {
  const policies = new Map<string, RoutingPolicy>();
  for (const policy of list) {
    if (policies.has(policy.name)) throw new TypeError(`duplicate routing policy "${policy.name}"`);
    policies.set(policy.name, policy);
  }
  return policies;
}

/**
 * The plan for one request, or the failure that answers it at once: an
 * unknown policy (BAD_USER_INPUT) or a pin to a provider that is not
 * configured (PROVIDER_NOT_CONFIGURED). With an advisor (quality breaker,
 * alert actions), an unpinned route plans with the policy it names and the
 * targets in the order their standing gives.
 */
export function planRoute(
  policies: ReadonlyMap<string, RoutingPolicy>,
  source: GeneratorSource,
  routeOptions: RouteOptions,
  request: GenerationRequest,
  random: () => number,
  advisor?: RouteAdvisor,
): Plan | Routed {
  const policy = policies.get(advisor ? advisor.policyFor(routeOptions.policy) : routeOptions.policy);
  if (!policy) {
    const known = [...policies.keys()].join(', ');
    return failure(
      new ProviderError('bad_request', ROUTER_ID, `unknown routing policy "${routeOptions.policy}" (known: ${known})`),
      [],
      'BAD_USER_INPUT',
    );
  }
  const pinned = routeOptions.provider ?? null;
  if (pinned !== null) {
    if (!source.generator(pinned)) {
      return failure(
        new ProviderError('unavailable', pinned, `provider "${pinned}" is not configured`),
        [],
        'PROVIDER_NOT_CONFIGURED',
      );
    }
    const fromPolicy = policy.targets.find((t) => t.provider === pinned);
    const timeoutMs = policy.targets.reduce((max, t) => Math.max(max, t.timeoutMs), 0) || DEFAULT_PINNED_TIMEOUT_MS;
    return { pinned: true, targets: [fromPolicy ?? { provider: pinned, timeoutMs, retries: 1 }] };
  }
  const configured = policy.targets.filter((t) => source.generator(t.provider) !== undefined);
  // A provider that cannot write the asked-for language is left out while another can; with none, all stay (and the description says so).
  const locale = request.parts.personalization?.locale;
  const speaking = configured.filter((t) => honoursLocale(source.generator(t.provider)?.capabilities.honours, locale));
  const eligible = speaking.length ? speaking : configured;
  const ordered = policy.strategy === 'loadbalance' ? weightedFirst(eligible, (t) => t.weight ?? 1, random) : eligible;
  const targets = advisor
    ? arrangeTargets(ordered, (t) => advisor.standing(t.provider, source.generator(t.provider)?.model ?? ''))
    : ordered;
  return { pinned: false, targets };
}
