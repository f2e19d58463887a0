import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import type { Role } from '../../src/auth/roles.js';
import { NotFoundError } from '../../src/errors/index.js';
import { Description } from '../description/description.type.js';
import { DescriptionCheck } from './check.type.js';
import { toFinding } from '../publication/publication.mappers.js';
import { CHECK_LIMITS, CheckVerdict } from '../../src/evaluation/check.service.js';

/** Who may run the fact check: the internal tools and the content team's reviewers. */
export const CHECK_ROLES: Role[] = ['internal', 'editor'];
/** Who may read a description's check: also the personalization service, which sees whether what it generated may be shown. */
const DESCRIPTION_CHECK_ROLES: Role[] = [...CHECK_ROLES, 'personalization'];

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
    @Arg('locale', () => String, {
      defaultValue: 'en',
      description: "The slot's locale; the text must be in its language.",
    })
    locale: string,
  ): Promise<DescriptionCheck> {
    const product = await ctx.loaders.productById.load(productId);
    if (!product) throw new NotFoundError('product', productId);
    return ctx.services.checks.checkText(product, text, locale);
  }
}

@Resolver(() => Description)
export class DescriptionCheckResolver {
  @Authorized(DESCRIPTION_CHECK_ROLES)
  @FieldResolver(() => DescriptionCheck, {
    description:
      "The fact check of this text against its product's record, in its slot's locale: as stored with this version when it was written (rerun at publish); computed on request for the human reference and for texts not checked yet.",
  })
  async check(@Root() description: Description, @Ctx() ctx: GatewayContext): Promise<DescriptionCheck> {
    if (description.storedCheck) {
      const { verdict, findings } = description.storedCheck;
      return { verdict: CheckVerdict[verdict], findings: findings.map(toFinding) };
    }
    const product = await ctx.loaders.productById.load(description.productId);
    if (!product) throw new NotFoundError('product', description.productId);
    return ctx.services.checks.check(
      product,
      description.text,
      description.slot?.locale ?? description.personalization?.locale ?? 'en',
    );
  }
}
