import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ContentFlag } from '../description/description.type.js';
import { DescriptionCheck } from '../check/check.type.js';

export enum BenchmarkStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}
registerEnumType(BenchmarkStatus, { name: 'BenchmarkStatus' });

@ObjectType()
export class BenchmarkProgress {
  @Field(() => Int, { description: 'Row results stored (rows × models).' })
  done!: number;

  @Field(() => Int)
  total!: number;
}

@ObjectType({
  description:
    'A metric mean over the kept rows with a seeded 95% bootstrap interval; null with reason when nothing was scored.',
})
export class MetricInterval {
  @Field({ description: 'bleu, rouge1, rouge2, rougeL, meteor, semantic, clipScore or clipReferenceDelta.' })
  metric!: string;

  @Field(() => Float, { nullable: true })
  mean!: number | null;

  @Field(() => Float, { nullable: true })
  lower!: number | null;

  @Field(() => Float, { nullable: true })
  upper!: number | null;

  @Field(() => Int)
  n!: number;

  @Field(() => String, {
    nullable: true,
    description: 'Why mean is null, e.g. EMBEDDINGS_NOT_CONFIGURED or CLIP_NOT_CONFIGURED.',
  })
  reason!: string | null;
}

@ObjectType()
export class FlagCount {
  @Field()
  code!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({
  description:
    "One model's fact check over its generated texts (excluded rows too), each against its product's record. See docs/benchmark-runs.md.",
})
export class BenchmarkFactCheck {
  @Field(() => Int, { description: 'Generated texts checked.' })
  checked!: number;

  @Field(() => Int)
  pass!: number;

  @Field(() => Int)
  review!: number;

  @Field(() => Int)
  block!: number;

  @Field(() => Int, { description: 'Findings over all checked texts.' })
  findings!: number;

  @Field(() => Float, { nullable: true, description: 'Findings per checked text; null when none was checked.' })
  findingsPerText!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Share of checked texts that would be blocked (0-1); null when none was checked.',
  })
  blockShare!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Share of checked texts that would go to review (0-1); null when none was checked.',
  })
  reviewShare!: number | null;

  @Field(() => [FlagCount], { description: 'The most frequent finding codes, most first, at most five.' })
  topCodes!: FlagCount[];
}

@ObjectType()
export class BenchmarkModelSummary {
  @Field()
  model!: string;

  @Field({ description: 'Provider id, or "candidates" for pre-generated texts.' })
  source!: string;

  @Field(() => Int)
  rows!: number;

  @Field(() => Int)
  errors!: number;

  @Field(() => Int)
  excluded!: number;

  @Field(() => [MetricInterval])
  metrics!: MetricInterval[];

  @Field(() => Float, { nullable: true })
  latencyP50Ms!: number | null;

  @Field(() => Float, { nullable: true })
  latencyP95Ms!: number | null;

  @Field(() => Int, { nullable: true })
  promptTokens!: number | null;

  @Field(() => Int, { nullable: true })
  completionTokens!: number | null;

  @Field(() => Float, { nullable: true, description: 'Total over the evaluated rows; null when a price is unknown.' })
  estimatedCostUsd!: number | null;

  @Field(() => [FlagCount])
  flagCounts!: FlagCount[];

  @Field(() => BenchmarkFactCheck, {
    nullable: true,
    description: 'Null when no text was checked (no text generated, or a run stored before the check).',
  })
  factCheck!: BenchmarkFactCheck | null;
}

@ObjectType({ description: 'Paired permutation test of modelA against modelB on one metric, over rows kept for both.' })
export class ModelComparison {
  @Field()
  modelA!: string;

  @Field()
  modelB!: string;

  @Field()
  metric!: string;

  @Field(() => Float, { nullable: true, description: 'Mean of A − B.' })
  meanDifference!: number | null;

  @Field(() => Float, { nullable: true, description: 'Two-sided p-value.' })
  pValue!: number | null;

  @Field(() => Int)
  n!: number;
}

@ObjectType({
  description: "A row left out of a model's means because its text echoed the prompt or leaked the reference.",
})
export class ExcludedBenchmarkRow {
  @Field()
  model!: string;

  @Field(() => Int)
  rowIndex!: number;

  @Field(() => [String])
  codes!: string[];
}

@ObjectType()
export class BenchmarkRowResult {
  @Field()
  model!: string;

  @Field(() => Int, { description: 'Dataset row (0-based).' })
  rowIndex!: number;

  @Field()
  title!: string;

  @Field()
  reference!: string;

  @Field(() => String, { nullable: true })
  text!: string | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

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

  @Field(() => Float, { nullable: true })
  semanticSimilarity!: number | null;

  @Field(() => String, { nullable: true })
  semanticReason!: string | null;

  @Field(() => Float, { nullable: true })
  clipScore!: number | null;

  @Field(() => Float, { nullable: true })
  clipReferenceDelta!: number | null;

  @Field(() => String, { nullable: true })
  clipReason!: string | null;

  @Field(() => [ContentFlag])
  flags!: ContentFlag[];

  @Field(() => DescriptionCheck, {
    nullable: true,
    description: "The text checked against its product's record; null when there is no text.",
  })
  factCheck!: DescriptionCheck | null;

  @Field()
  excluded!: boolean;

  @Field(() => Float, { nullable: true })
  latencyMs!: number | null;

  @Field(() => Int, { nullable: true })
  promptTokens!: number | null;

  @Field(() => Int, { nullable: true })
  completionTokens!: number | null;

  @Field(() => Float, { nullable: true })
  estimatedCostUsd!: number | null;
}

@ObjectType({ description: 'A benchmark run. Summaries cover the rows stored so far, so they fill in while it runs.' })
export class BenchmarkRun {
  @Field(() => ID)
  id!: string;

  @Field(() => BenchmarkStatus)
  status!: BenchmarkStatus;

  @Field(() => BenchmarkProgress)
  progress!: BenchmarkProgress;

  @Field(() => String, { nullable: true, description: 'Why the run FAILED.' })
  error!: string | null;

  @Field(() => Int)
  seed!: number;

  @Field(() => Float)
  testShare!: number;

  @Field()
  allRows!: boolean;

  @Field()
  promptVersion!: string;

  @Field(() => [Int], { description: 'Dataset rows evaluated (the seeded test split, or all).' })
  testRows!: number[];

  @Field(() => [BenchmarkModelSummary])
  models!: BenchmarkModelSummary[];

  @Field(() => [ModelComparison])
  comparisons!: ModelComparison[];

  @Field(() => [ExcludedBenchmarkRow])
  excludedRows!: ExcludedBenchmarkRow[];

  @Field(() => [BenchmarkRowResult])
  rows!: BenchmarkRowResult[];

  @Field()
  createdAt!: string;

  @Field()
  updatedAt!: string;
}
