import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { ProviderStatus } from './provider.type.js';

@Resolver(() => ProviderStatus)
export class ProviderResolver {
  @Authorized('internal')
  @Query(() => [ProviderStatus], { description: 'Configured providers in failover order, with health and breaker state.' })
  async providers(@Ctx() ctx: GatewayContext): Promise<ProviderStatus[]> {
    const infos = await ctx.services.registry.describe();
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
        details: Object.entries(p.health.details ?? {}).map(([key, value]) => ({ key, value })),
      };
    });
  }
}
