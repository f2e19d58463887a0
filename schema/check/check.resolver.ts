import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import type { Role } from '../../src/auth/roles.js';
import { NotFoundError } from '../../src/errors/index.js';
import { Description } from '../description/description.type.js';
import { DescriptionCheck } from './check.type.js';
import { CHECK_LIMITS } from '../../src/evaluation/check.service.js';

/** Who may run the fact check; the publication lifecycle adds its reviewers' role here. */
export const CHECK_ROLES: Role[] = ['internal'];

@Resolver()
export class CheckResolver {
  @Authorized(CHECK_ROLES)
  @Query(() => DescriptionCheck, {
    description: `Checks a text against the product's own record (materials, colours, sizes, audience, price, claims, details, text defects). At most ${CHECK_LIMITS.chars} characters.`,
  })
  async checkDescription(
    @Ctx() ctx: GatewayContext,
    @Arg('productId', () => ID) productId: string,
    @Arg('text') text: string,
    @Arg('locale', () => String, { defaultValue: 'en', description: "The slot's locale; the text must be in its language." }) locale: string,
  ): Promise<DescriptionCheck> {
    const product = await ctx.loaders.productById.load(productId);
    if (!product) throw new NotFoundError('product', productId);
    return ctx.services.checks.checkText(product, text, locale);
  }
}

@Resolver(() => Description)
export class DescriptionCheckResolver {
  @Authorized(CHECK_ROLES)
  @FieldResolver(() => DescriptionCheck, { description: "The fact check of this text against its product's record, in its personalization's locale (default en). Computed on each request." })
  async check(@Root() description: Description, @Ctx() ctx: GatewayContext): Promise<DescriptionCheck> {
    const product = await ctx.loaders.productById.load(description.productId);
    if (!product) throw new NotFoundError('product', description.productId);
    return ctx.services.checks.check(product, description.text, description.personalization?.locale ?? 'en');
  }
}
