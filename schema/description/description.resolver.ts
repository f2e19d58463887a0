import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { Product } from '../product/product.type.js';
import { Description, GenerateDescriptionResult, type GenerationError } from './description.type.js';
import { GenerateDescriptionInput, PersonalizationInput } from './description.input.js';
import { normalizePersonalization } from '../../src/descriptions/personalization.js';
import { checkParams, ParamError } from '../../src/descriptions/params.js';
import { DescriptionSource } from '../../src/descriptions/types.js';
import {
  PERSONALIZATION_POLICY,
  toDescription,
  type GenerateItem,
} from '../../src/descriptions/description.service.js';
import { BadUserInputError, GatewayError } from '../../src/errors/index.js';
import type { ProductRecord } from '../../src/storage/types.js';
import { roleAllows } from '../../src/auth/roles.js';
import { checkChannel } from '../../src/publication/slot.js';

/** Most items in one generateDescriptions call. */
export const MAX_GENERATE_ITEMS = 50;

@Resolver(() => Product)
export class ProductDescriptionResolver {
  @Authorized('mobile')
  @FieldResolver(() => Description, {
    nullable: true,
    description:
      "The published description of the slot asked for (the personalization's locale and segment, the channel), else of its base slot, else the human reference (source REFERENCE). A slot that has never held a text gets one generated, which the publication policy (PUBLISH_POLICY) publishes at once or queues for review. Never fails the query: when generation fails, the fallbacks are marked stale. With sessionId, a product in a running experiment serves the variant assigned to the session (the same on every call), named in `experiment`.",
  })
  async description(
    @Root() product: Product,
    @Ctx() ctx: GatewayContext,
    @Arg('personalization', () => PersonalizationInput, { nullable: true })
    personalization: PersonalizationInput | null,
    @Arg('provider', () => String, { nullable: true }) provider: string | null,
    @Arg('channel', () => String, {
      nullable: true,
      description: 'Sales channel, e.g. web, app or marketplace; default "web".',
    })
    channel: string | null,
    @Arg('sessionId', () => String, {
      nullable: true,
      description: "The shopper's session, as reported with its events.",
    })
    sessionId: string | null,
  ): Promise<Description | null> {
    // An argument left out arrives undefined.
    if (typeof sessionId === 'string') {
      const served = await ctx.loaders.assignment.load({ productId: product.id, sessionId });
      if (served)
        return {
          ...toDescription(served.entry.description, DescriptionSource.CACHED, false, served.entry),
          assignment: served.assignment,
        } as Description;
    }
    try {
      checkParams(null, personalization);
    } catch (error) {
      if (error instanceof ParamError) throw error.toGraphQLError();
      throw error;
    }
    const unknown = ctx.services.descriptions.unknownProvider(provider);
    if (unknown) throw unknown;
    // Products reach this resolver as the storage records their resolvers returned.
    return ctx.loaders.description.load({
      product: product as unknown as ProductRecord,
      personalization: normalizePersonalization(personalization),
      provider,
      channel: checkChannel(channel),
    });
  }
}

@Resolver(() => Description)
export class DescriptionResolver {
  @Authorized('mobile')
  @Query(() => Description, {
    nullable: true,
    description:
      'A stored description by id, at its current version. The mobile role sees only a published one, at its live version; null otherwise.',
  })
  async description(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<Description | null> {
    const record = await ctx.storage.descriptions.descriptionById(id);
    if (!record) return null;
    const role = ctx.principal?.role ?? 'mobile';
    if (roleAllows(role, 'personalization') || roleAllows(role, 'editor'))
      return (await ctx.services.descriptions.describe([record], DescriptionSource.CACHED))[0] ?? null;
    const live = (await ctx.services.publication.publishedForProducts([record.productId])).find(
      (e) => e.state.descriptionId === id,
    );
    return live ? toDescription(record, DescriptionSource.CACHED, false, live) : null;
  }

  @Authorized('personalization')
  @Mutation(() => [GenerateDescriptionResult], {
    description: `Writes descriptions, one result per input, in order. A failed item never fails the others. At most ${MAX_GENERATE_ITEMS} inputs.`,
  })
  async generateDescriptions(
    @Ctx() ctx: GatewayContext,
    @Arg('input', () => [GenerateDescriptionInput]) input: GenerateDescriptionInput[],
  ): Promise<Array<typeof GenerateDescriptionResult>> {
    if (input.length > MAX_GENERATE_ITEMS)
      throw new BadUserInputError(`at most ${MAX_GENERATE_ITEMS} inputs per call`, { reason: 'TOO_MANY_ITEMS' });
    const products = await Promise.all(input.map((i) => ctx.loaders.productById.load(i.productId)));
    const results = new Array<Description | GenerationError | undefined>(input.length);
    const items: GenerateItem[] = [];
    const positions: number[] = [];
    input.forEach((item, i) => {
      const product = products[i];
      if (!product) {
        results[i] = {
          productId: item.productId,
          code: 'NOT_FOUND',
          message: `product ${JSON.stringify(item.productId)} not found`,
          attempts: [],
        };
        return;
      }
      const unknown = ctx.services.descriptions.unknownProvider(item.provider);
      if (unknown) {
        results[i] = {
          productId: item.productId,
          code: unknown.code,
          reason: String(unknown.extensions.reason),
          message: unknown.message,
          attempts: [],
        };
        return;
      }
      try {
        const checked = checkParams(item.params, item.personalization);
        items.push({
          product,
          policy: item.policy ?? PERSONALIZATION_POLICY,
          provider: item.provider ?? null,
          personalization: normalizePersonalization(item.personalization),
          params: checked.params,
          promptVersion: checked.promptVersion,
          channel: checkChannel(item.channel),
          ...(ctx.principal ? { requestedBy: { name: ctx.principal.name, role: ctx.principal.role } } : {}),
        });
        positions.push(i);
      } catch (error) {
        if (error instanceof ParamError)
          results[i] = {
            productId: item.productId,
            code: 'BAD_USER_INPUT',
            message: error.message,
            reason: error.reason ?? null,
            attempts: [],
          };
        else if (error instanceof GatewayError)
          results[i] = {
            productId: item.productId,
            code: error.code,
            message: error.message,
            reason: typeof error.extensions.reason === 'string' ? error.extensions.reason || null : null,
            attempts: [],
          };
        else throw error;
      }
    });
    const outcomes = items.length
      ? await ctx.services.descriptions.generate(items, ctx.signal, ctx.principal ?? undefined)
      : [];
    outcomes.forEach((o, j) => {
      const i = positions[j];
      if (i === undefined)
        throw new Error(`generateDescriptions: ${outcomes.length} outcomes for ${positions.length} items`);
      results[i] = o.ok ? o.description : o.error;
    });
    return results as Array<Description | GenerationError>;
  }
}
