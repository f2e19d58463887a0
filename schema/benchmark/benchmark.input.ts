import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { TextMetric } from '../evaluation/evaluation.type.js';

@InputType({ description: 'Pre-generated texts scored as one model; texts line up with the dataset rows.' })
export class CandidateSetInput {
  @Field()
  name!: string;

  @Field(() => [String])
  texts!: string[];
}

@InputType({
  description: 'A dataset (datasetCsv or productIds) and the models to compare (providers and/or candidates).',
})
export class RunBenchmarkInput {
  @Field(() => String, {
    nullable: true,
    description: 'CSV in the chapter-4 format (product_image, product_description, product_title, product_metadata).',
  })
  datasetCsv?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Catalog products with a reference description.' })
  productIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Provider ids to compare, e.g. ["onnx", "openai"].' })
  providers?: string[] | null;

  @Field(() => [CandidateSetInput], { nullable: true })
  candidates?: CandidateSetInput[] | null;

  @Field(() => Float, { nullable: true, description: 'Share of rows held out for evaluation. Default 0.2.' })
  testShare?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seed of the split and of the resampling. Default 42.' })
  seed?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Evaluate every row (no split). Default false.' })
  allRows?: boolean | null;

  @Field(() => [TextMetric], { nullable: true, description: 'Default: all.' })
  metrics?: TextMetric[] | null;

  @Field(() => String, { nullable: true, description: 'Prompt template version. Default: the current default.' })
  promptVersion?: string | null;

  @Field(() => Int, { nullable: true, description: 'Bootstrap resamples and permutations (100-10000). Default 1000.' })
  resamples?: number | null;
}
