import { Arg, Authorized, Field, ID, Int, ObjectType, registerEnumType, Resolver, Root, Subscription } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { AsyncChannel } from '../../src/async-channel.js';
import { ErrorCode, GatewayError, NotFoundError } from '../../src/errors/index.js';
import { DEFAULT_PROMPT_VERSION } from '../../src/prompts/templates.js';
import { Description } from './description.type.js';
import { PersonalizationInput } from './description.input.js';
import { normalizePersonalization } from './personalization.js';
import { PERSONALIZATION_POLICY } from './description.resolver.js';
import { checkParams, ParamError } from './params.js';
import type { GenerateItem } from './description.service.js';

export enum StreamEventType {
  TOKEN = 'TOKEN',
  DONE = 'DONE',
}
registerEnumType(StreamEventType, { name: 'StreamEventType' });

@ObjectType({ description: 'A piece of a description as it is generated; the last event carries the stored description.' })
export class DescriptionStreamEvent {
  @Field(() => StreamEventType)
  type!: StreamEventType;

  @Field(() => Int, { description: 'Position of the piece in the stream.' })
  index!: number;

  @Field(() => String, { nullable: true })
  token!: string | null;

  @Field(() => Description, { nullable: true })
  description!: Description | null;
}

type Payload = { event: DescriptionStreamEvent } | { error: GatewayError };

interface StreamArgs {
  productId: string;
  personalization?: PersonalizationInput | null;
  provider?: string | null;
}

/**
 * Runs one streamed generation and yields its events. Failover happens only
 * before the first token (in the router); a break after it becomes a
 * STREAM_INTERRUPTED error event, never a silently truncated success.
 */
async function* streamDescription(ctx: GatewayContext, args: StreamArgs): AsyncGenerator<Payload> {
  try {
    checkParams(null, args.personalization);
  } catch (error) {
    if (!(error instanceof ParamError)) throw error;
    yield { error: error.toGraphQLError() };
    return;
  }
  const product = await ctx.loaders.productById.load(args.productId);
  if (!product) {
    yield { error: new NotFoundError('product', args.productId) };
    return;
  }
  const controller = new AbortController();
  const item: GenerateItem = {
    product,
    policy: PERSONALIZATION_POLICY,
    provider: args.provider ?? null,
    personalization: normalizePersonalization(args.personalization),
    params: {},
    promptVersion: DEFAULT_PROMPT_VERSION,
  };
  const service = ctx.services.descriptions;
  const request = service.buildRequest(item);
  const channel = new AsyncChannel<Payload>();
  let index = 0;
  const done = ctx.services.router
    .stream(request, {
      policy: item.policy,
      provider: item.provider ?? null,
      signal: controller.signal,
      bypassCache: true,
      onToken: (token) => channel.push({ event: { type: StreamEventType.TOKEN, index: index++, token, description: null } }),
    })
    .then(async (routed) => {
      if (!routed.ok && routed.interrupted) {
        channel.push({ error: new GatewayError(ErrorCode.STREAM_INTERRUPTED, `the stream from ${routed.error.providerId} broke after ${index} token(s): ${routed.error.message}`) });
        return;
      }
      const outcome = await service.settle(item, request, routed);
      channel.push(
        outcome.ok
          ? { event: { type: StreamEventType.DONE, index, token: null, description: outcome.description } }
          : { error: new GatewayError(outcome.error.code === 'BAD_USER_INPUT' ? ErrorCode.BAD_USER_INPUT : ErrorCode.PROVIDER_UNAVAILABLE, outcome.error.message) },
      );
    })
    .catch((error: unknown) => {
      ctx.logger.error({ err: error }, 'description stream failed');
      channel.push({ error: new GatewayError(ErrorCode.INTERNAL, 'Internal server error') });
    })
    .finally(() => channel.close());
  try {
    for await (const payload of channel) {
      yield payload;
      if ('error' in payload) return;
    }
    await done;
  } finally {
    // The client unsubscribed or the stream ended: stop generating.
    controller.abort();
  }
}

@Resolver()
export class DescriptionStreamResolver {
  @Authorized('personalization')
  @Subscription(() => DescriptionStreamEvent, {
    description: 'Streams a description token by token over graphql-ws, then the stored description.',
    subscribe: ({ args, context }) => streamDescription(context as GatewayContext, args as StreamArgs),
  })
  descriptionStream(
    @Root() payload: Payload,
    @Arg('productId', () => ID) _productId: string,
    @Arg('personalization', () => PersonalizationInput, { nullable: true }) _personalization: PersonalizationInput | null,
    @Arg('provider', () => String, { nullable: true }) _provider: string | null,
  ): DescriptionStreamEvent {
    if ('error' in payload) throw payload.error;
    return payload.event;
  }
}
