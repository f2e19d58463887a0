import { Field, ObjectType } from 'type-graphql';

@ObjectType()
export class ProviderDetail {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@ObjectType({ description: 'A configured provider and its state.' })
export class ProviderStatus {
  @Field()
  id!: string;

  @Field({ description: 'openai, huggingface or onnx.' })
  kind!: string;

  @Field()
  model!: string;

  @Field({ description: 'False when a key or model is missing; such a provider fails only when asked for explicitly.' })
  configured!: boolean;

  @Field()
  healthy!: boolean;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field({ description: 'Circuit breaker: closed, open or half_open.' })
  breakerState!: string;

  @Field(() => String, { nullable: true, description: 'For the local model: the ONNX Runtime execution provider actually in use (cuda or cpu).' })
  executionProvider!: string | null;

  @Field(() => [ProviderDetail])
  details!: ProviderDetail[];
}
