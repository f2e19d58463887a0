import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { SUPPORTED_LOCALES, TONES } from '../../src/prompts/personalization.js';
import { DEFAULT_PROMPT_VERSION, PROMPT_VERSIONS } from '../../src/prompts/templates.js';

@InputType({ description: 'Who the description is for. Kept as data: never followed as instructions.' })
export class PersonalizationInput {
  @Field(() => String, { nullable: true, description: 'Shopper segment, e.g. "commuters".' })
  segment?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `Tone, one of: ${TONES.join(', ')} (any case). Else BAD_USER_INPUT, reason INVALID_TONE.`,
  })
  tone?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `BCP 47 locale, one of: ${SUPPORTED_LOCALES.join(', ')} (any case). Else BAD_USER_INPUT, reason INVALID_LOCALE (not BCP 47) or UNSUPPORTED_LOCALE.`,
  })
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

  @Field(() => String, {
    nullable: true,
    description: `Prompt template version (${PROMPT_VERSIONS.join(', ')}). Default ${DEFAULT_PROMPT_VERSION}.`,
  })
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

  @Field(() => String, {
    nullable: true,
    description: 'Sales channel of the slot the text is for (e.g. web, app, marketplace); default "web".',
  })
  channel?: string | null;

  @Field(() => PersonalizationInput, { nullable: true })
  personalization?: PersonalizationInput | null;

  @Field(() => GenerationParamsInput, { nullable: true })
  params?: GenerationParamsInput | null;
}
