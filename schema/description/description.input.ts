import { Field, Float, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'Who the description is for. Kept as data: never followed as instructions.' })
export class PersonalizationInput {
  @Field(() => String, { nullable: true, description: 'Shopper segment, e.g. "commuters".' })
  segment?: string | null;

  @Field(() => String, { nullable: true, description: 'Tone, e.g. "playful".' })
  tone?: string | null;

  @Field(() => String, { nullable: true, description: 'BCP 47 locale, e.g. "de-DE".' })
  locale?: string | null;

  @Field(() => [String], { nullable: true, description: 'Purchase-history keywords (at most 10 used).' })
  keywords?: string[] | null;
}

@InputType()
export class GenerationParamsInput {
  @Field(() => Int, { nullable: true, description: 'Most new tokens (1-1024).' })
  maxTokens?: number | null;

  @Field(() => Float, { nullable: true, description: '0-2.' })
  temperature?: number | null;

  @Field(() => Float, { nullable: true, description: '0-1.' })
  topP?: number | null;

  @Field(() => Int, { nullable: true, description: 'Same seed, same text, where the provider supports it.' })
  seed?: number | null;

  @Field(() => [String], { nullable: true, description: 'Stop strings (at most 4).' })
  stop?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Prompt template version (v1, v2, v3). Default v3.' })
  promptVersion?: string | null;
}

@InputType()
export class GenerateDescriptionInput {
  @Field(() => ID)
  productId!: string;

  @Field(() => String, { nullable: true, description: 'Pin one provider (no failover).' })
  provider?: string | null;

  @Field(() => String, { nullable: true, description: 'Routing policy; default "personalization".' })
  policy?: string | null;

  @Field(() => PersonalizationInput, { nullable: true })
  personalization?: PersonalizationInput | null;

  @Field(() => GenerationParamsInput, { nullable: true })
  params?: GenerationParamsInput | null;
}
