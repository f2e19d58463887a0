import { Field, Int, ObjectType } from 'type-graphql';

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

  @Field({
    description:
      'False when the provider reports itself unhealthy (for a hosted one: its last answer was a server error, a timeout or an auth failure), its breaker is not closed, or at least half of its calls in the breaker window failed (timeouts included). A 429 does not count.',
  })
  healthy!: boolean;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field({ description: 'Circuit breaker: closed, open or half_open.' })
  breakerState!: string;

  @Field(() => Int, { description: "Milliseconds left of the pause a 429's long Retry-After asked for (first tries go to the next target meanwhile); 0 when none." })
  backoffMs!: number;

  @Field(() => String, { nullable: true, description: 'For the local model: the ONNX Runtime execution provider actually in use (cuda or cpu).' })
  executionProvider!: string | null;

  @Field(() => [ProviderDetail])
  details!: ProviderDetail[];
}
