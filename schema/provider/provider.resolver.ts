import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import type { ProviderInfo } from '../../providers/index.js';
import type { ActiveAction } from '../../src/alerts/actions.js';
import type { QualityStatus } from '../../src/routing/quality-breaker.js';
import {
  AlertAction,
  PromptFormat,
  ProviderQuality,
  ProviderState,
  ProviderStatus,
  QualityBreakerState,
} from './provider.type.js';

function stateOf(p: ProviderInfo): ProviderState {
  if (p.health.state === 'loading') return ProviderState.LOADING;
  if (p.health.state === 'failed') return ProviderState.FAILED;
  return p.health.configured ? ProviderState.READY : ProviderState.NOT_CONFIGURED;
}

const PROMPT_FORMATS = { chat_template: PromptFormat.CHAT_TEMPLATE, plain: PromptFormat.PLAIN } as const;
const QUALITY_STATES = {
  closed: QualityBreakerState.CLOSED,
  open: QualityBreakerState.OPEN,
  half_open: QualityBreakerState.HALF_OPEN,
} as const;

const toQuality = (q: QualityStatus): ProviderQuality => ({
  state: QUALITY_STATES[q.state],
  samples: q.samples,
  failures: q.failures,
  reason: q.reason,
  openUntil: q.openUntil === null ? null : new Date(q.openUntil).toISOString(),
  trips: q.trips,
});

const toAction = (a: ActiveAction): AlertAction => ({
  kind: a.kind,
  target: a.target,
  alert: a.alert,
  since: new Date(a.since).toISOString(),
});

@Resolver(() => ProviderStatus)
export class ProviderResolver {
  @Authorized('internal')
  @Query(() => [ProviderStatus], {
    description: 'Configured providers in failover order, with health and breaker state.',
  })
  async providers(@Ctx() ctx: GatewayContext): Promise<ProviderStatus[]> {
    const infos = await ctx.services.registry.describe();
    const actions = ctx.services.alerts.active();
    return infos.map((p) => {
      // The provider sees the calls it finished; routing also sees the ones its timeouts cut short.
      const route = ctx.services.router.providerHealth(p.id);
      return {
        id: p.id,
        kind: p.kind,
        model: p.model,
        configured: p.health.configured,
        healthy: p.health.healthy && route.healthy,
        lastError: route.lastError ?? p.health.lastError ?? null,
        breakerState: route.breakerState,
        backoffMs: Math.round(route.backoffMs),
        executionProvider: p.health.details?.executionProvider ?? null,
        state: stateOf(p),
        promptFormat: p.promptFormat ? PROMPT_FORMATS[p.promptFormat] : null,
        details: Object.entries(p.health.details ?? {}).map(([key, value]) => ({ key, value })),
        quality: toQuality(ctx.services.quality.status(p.id, p.model)),
        actions: actions.filter((a) => a.provider === p.id).map(toAction),
      };
    });
  }

  @Authorized('internal')
  @Query(() => [AlertAction], { description: 'Every action alerts have put in force (see docs/operations.md).' })
  alertActions(@Ctx() ctx: GatewayContext): AlertAction[] {
    return ctx.services.alerts.active().map(toAction);
  }
}
