import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { BadUserInputError, NotFoundError } from '../../src/errors/index.js';
import { DescriptionEvaluation, TextEvaluation, TextMetric, toMetricNames } from './evaluation.type.js';
import { TextPairInput } from './evaluation.input.js';
import { EVALUATE_LIMITS } from '../../src/evaluation/evaluation.service.js';

@Resolver()
export class EvaluationResolver {
  @Authorized('internal')
  @Query(() => TextEvaluation, {
    description: `Scores candidates against references (BLEU, ROUGE, METEOR with NLTK/sumeval parity) and checks them. At most ${EVALUATE_LIMITS.pairs} pairs of at most ${EVALUATE_LIMITS.chars} characters per text.`,
  })
  evaluateText(
    @Ctx() ctx: GatewayContext,
    @Arg('pairs', () => [TextPairInput]) pairs: TextPairInput[],
    @Arg('metrics', () => [TextMetric], { nullable: true, description: 'Default: all.' }) metrics: TextMetric[] | null,
  ): TextEvaluation {
    if (pairs.length === 0) throw new BadUserInputError('pairs is empty', { reason: 'NO_PAIRS' });
    if (pairs.length > EVALUATE_LIMITS.pairs)
      throw new BadUserInputError(`at most ${EVALUATE_LIMITS.pairs} pairs per call`, { reason: 'TOO_MANY_PAIRS' });
    const long = pairs.findIndex(
      (p) => p.reference.length > EVALUATE_LIMITS.chars || p.candidate.length > EVALUATE_LIMITS.chars,
    );
    if (long >= 0)
      throw new BadUserInputError(`pair ${long}: texts are limited to ${EVALUATE_LIMITS.chars} characters`, {
        reason: 'TEXT_TOO_LONG',
        index: long,
      });
    return ctx.services.evaluation.evaluateText(pairs, toMetricNames(metrics));
  }

  @Authorized('internal')
  @Query(() => DescriptionEvaluation, {
    nullable: true,
    description:
      "Scores a stored description against its product's reference (BLEU, ROUGE, METEOR, semantic if configured, flags); null when the product has no reference.",
  })
  async evaluateDescription(
    @Ctx() ctx: GatewayContext,
    @Arg('id', () => ID) id: string,
  ): Promise<DescriptionEvaluation | null> {
    const description = await ctx.storage.descriptions.descriptionById(id);
    if (!description) throw new NotFoundError('description', id);
    const product = await ctx.loaders.productById.load(description.productId);
    if (!product) throw new NotFoundError('product', description.productId);
    return ctx.services.evaluation.evaluateDescription(description, product, ctx.signal);
  }
}
