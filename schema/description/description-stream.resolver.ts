import { Arg, Authorized, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { PersonalizationInput } from './description.input.js';
import { DescriptionStreamEvent } from './description-stream.type.js';
import type { StreamArgs, StreamPayload } from '../../src/descriptions/description.service.js';

@Resolver()
export class DescriptionStreamResolver {
  @Authorized('personalization')
  @Subscription(() => DescriptionStreamEvent, {
    description:
      'Streams a description over graphql-ws in whole words, then the stored description. A stored description matching the arguments is replayed (replay: true) without calling a provider, unless regenerate is true.',
    subscribe: ({ args, context }) => {
      const ctx = context as GatewayContext;
      return ctx.services.descriptions.stream(args as StreamArgs, {
        logger: ctx.logger,
        product: (id) => ctx.loaders.productById.load(id),
        payer: ctx.principal ?? undefined,
        requestedBy: ctx.principal ? { name: ctx.principal.name, role: ctx.principal.role } : undefined,
      });
    },
  })
  descriptionStream(
    @Root() payload: StreamPayload,
    @Arg('productId', () => ID) _productId: string,
    @Arg('personalization', () => PersonalizationInput, { nullable: true })
    _personalization: PersonalizationInput | null,
    @Arg('provider', () => String, { nullable: true }) _provider: string | null,
    @Arg('regenerate', () => Boolean, {
      defaultValue: false,
      description: 'Generate anew even when a stored description matches.',
    })
    _regenerate: boolean,
  ): DescriptionStreamEvent {
    if ('error' in payload) throw payload.error;
    return payload.event;
  }
}
