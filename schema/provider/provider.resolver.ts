import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { ProviderStatus } from './provider.type.js';

@Resolver(() => ProviderStatus)
export class ProviderResolver {
  @Authorized('internal')
  @Query(() => [ProviderStatus], { description: 'Configured providers in failover order, with health and breaker state.' })
  async providers(@Ctx() ctx: GatewayContext): Promise<ProviderStatus[]> {
    const infos = await ctx.services.registry.describe();
    return infos.map((p) => ({
      id: p.id,
      kind: p.kind,
      model: p.model,
      configured: p.health.configured,
      healthy: p.health.healthy,
      lastError: p.health.lastError ?? null,
      breakerState: ctx.services.router.breakerState(p.id),
      executionProvider: p.health.details?.executionProvider ?? null,
      details: Object.entries(p.health.details ?? {}).map(([key, value]) => ({ key, value })),
    }));
  }
}
