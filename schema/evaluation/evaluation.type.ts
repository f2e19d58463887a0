import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { MetricName } from '../../src/evaluation/metrics/index.js';
import { ContentFlag } from '../description/description.type.js';

/** GraphQL names of the text metrics; the values are the metric module's names. */
export enum TextMetric {
  BLEU = 'bleu',
  ROUGE1 = 'rouge1',
  ROUGE2 = 'rouge2',
  ROUGE_L = 'rougeL',
  METEOR = 'meteor',
}
registerEnumType(TextMetric, {
  name: 'TextMetric',
  description: 'BLEU: NLTK sentence BLEU-4; ROUGE1/ROUGE2/ROUGE_L: sumeval F-measures; METEOR: NLTK METEOR.',
});

export const toMetricNames = (metrics: readonly TextMetric[] | null | undefined): MetricName[] | undefined =>
  metrics && metrics.length ? [...new Set(metrics)].map((m) => m as MetricName) : undefined;

@ObjectType({ description: 'Scores of one candidate against its reference; a metric not asked for is null.' })
export class TextScores {
  @Field(() => Float, { nullable: true })
  bleu!: number | null;

  @Field(() => Float, { nullable: true })
  rouge1!: number | null;

  @Field(() => Float, { nullable: true })
  rouge2!: number | null;

  @Field(() => Float, { nullable: true })
  rougeL!: number | null;

  @Field(() => Float, { nullable: true })
  meteor!: number | null;

  @Field(() => [ContentFlag], { description: 'Inclusive-language findings and REFERENCE_LEAK (empty for a mean).' })
  flags!: ContentFlag[];
}

@ObjectType()
export class TextEvaluation {
  @Field(() => [TextScores], { description: 'One per input pair, in order.' })
  pairs!: TextScores[];

  @Field(() => TextScores, { description: 'Mean of each asked-for metric over the pairs.' })
  mean!: TextScores;
}

@ObjectType({ description: 'A stored description scored against its product reference.' })
export class DescriptionEvaluation {
  @Field(() => ID)
  descriptionId!: string;

  @Field(() => TextScores)
  scores!: TextScores;

  @Field(() => Float, {
    nullable: true,
    description: 'Cosine of sentence embeddings; null with semanticReason when not configured or failed.',
  })
  semanticSimilarity!: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'EMBEDDINGS_NOT_CONFIGURED, EMBEDDINGS_FAILED, EMPTY_TEXT or ZERO_VECTOR.',
  })
  semanticReason!: string | null;
}
