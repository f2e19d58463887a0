import { createUnionType, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DescriptionSource, DescriptionWarningCode } from '../../src/descriptions/types.js';
import type { StoredCheck } from '../../src/storage/publication-types.js';
import { DescriptionSlot, DescriptionStatus } from '../publication/status.type.js';

registerEnumType(DescriptionSource, {
  name: 'DescriptionSource',
  description:
    'GENERATED: written for this request; CACHED: a stored description; REFERENCE: the human reference, served when no description is published for the slot (or generation failed).',
});

@ObjectType()
export class Personalization {
  @Field(() => String, { nullable: true })
  segment!: string | null;

  @Field(() => String, { nullable: true })
  tone!: string | null;

  @Field(() => String, { nullable: true })
  locale!: string | null;

  @Field(() => [String])
  keywords!: string[];
}

@ObjectType({ description: 'One provider call made for a description.' })
export class GenerationAttempt {
  @Field()
  provider!: string;

  @Field()
  model!: string;

  @Field(() => String, { nullable: true, description: 'The ProviderError kind, or null for the call that succeeded.' })
  errorKind!: string | null;

  @Field(() => Float)
  latencyMs!: number;
}

@ObjectType({ description: 'A finding of the responsible-AI and integrity checks.' })
export class ContentFlag {
  @Field({ description: 'INCLUSIVE_LANGUAGE, PROMPT_ECHO or REFERENCE_LEAK.' })
  code!: string;

  @Field()
  category!: string;

  @Field()
  message!: string;

  @Field(() => Int, { nullable: true })
  start!: number | null;

  @Field(() => Int, { nullable: true })
  end!: number | null;

  @Field(() => String, { nullable: true })
  suggestion!: string | null;
}

registerEnumType(DescriptionWarningCode, {
  name: 'DescriptionWarningCode',
  description:
    "LOCALE_UNSUPPORTED: no provider that could be used writes the asked-for locale's language (or the prompt version does not carry it), so the text is in another; PERSONALIZATION_IGNORED: the model that wrote it does not follow some of the tone, segment or keywords (or the prompt version does not carry them).",
});

@ObjectType({ description: 'Something the description did not honour of its request.' })
export class DescriptionWarning {
  @Field(() => DescriptionWarningCode)
  code!: DescriptionWarningCode;

  @Field()
  message!: string;
}

@ObjectType({ description: 'A product description with its provenance.' })
export class Description {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  productId!: string;

  @Field()
  text!: string;

  @Field({ description: 'Provider id, or "reference" for the human reference.' })
  provider!: string;

  @Field()
  model!: string;

  @Field()
  promptVersion!: string;

  @Field(() => Personalization, { nullable: true })
  personalization!: Personalization | null;

  @Field()
  finishReason!: string;

  @Field(() => Float)
  latencyMs!: number;

  @Field(() => Int)
  promptTokens!: number;

  @Field(() => Int)
  completionTokens!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'From the configured price table; null when the model has no price.',
  })
  estimatedCostUsd!: number | null;

  @Field(() => [GenerationAttempt])
  attempts!: GenerationAttempt[];

  @Field(() => [ContentFlag])
  flags!: ContentFlag[];

  @Field(() => [DescriptionWarning], {
    description:
      'What of the personalization (locale, tone, segment, keywords) the text does not honour; empty when it honours all of it.',
  })
  warnings!: DescriptionWarning[];

  @Field(() => Float, { nullable: true, description: 'Share of the product attributes the text mentions (0-1).' })
  attributeCoverage!: number | null;

  @Field(() => DescriptionSource)
  source!: DescriptionSource;

  @Field({ description: 'True when generation failed or was rate limited and this is what could be served instead.' })
  stale!: boolean;

  @Field()
  createdAt!: string;

  @Field(() => DescriptionStatus, {
    nullable: true,
    description: 'Where the text is in the publication lifecycle; null for the human reference.',
  })
  status!: DescriptionStatus | null;

  @Field(() => Int, {
    nullable: true,
    description: 'The version this text is (1: as generated; each edit adds one); null for the human reference.',
  })
  version!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'The version last published; it is what shoppers see while the status is PUBLISHED.',
  })
  publishedVersion!: number | null;

  @Field(() => DescriptionSlot, {
    nullable: true,
    description: 'The slot the text belongs to; null for the human reference.',
  })
  slot!: DescriptionSlot | null;

  /** The fact check stored with this version (Description.check serves it); not a field of its own. */
  storedCheck?: StoredCheck | null;
}

@ObjectType({ description: 'A failed item of generateDescriptions; the other items are unaffected.' })
export class GenerationError {
  @Field(() => ID)
  productId!: string;

  @Field({ description: 'PROVIDER_UNAVAILABLE, PROVIDER_NOT_CONFIGURED, BAD_USER_INPUT or NOT_FOUND.' })
  code!: string;

  @Field()
  message!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'A stable detail of the code where there is one, e.g. UNKNOWN_PROVIDER, INVALID_TONE, INVALID_LOCALE, UNSUPPORTED_LOCALE.',
  })
  reason?: string | null;

  @Field(() => [GenerationAttempt])
  attempts!: GenerationAttempt[];
}

export const GenerateDescriptionResult = createUnionType({
  name: 'GenerateDescriptionResult',
  types: () => [Description, GenerationError] as const,
  resolveType: (value) => ('text' in value ? Description : GenerationError),
});
