import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ProviderState {
  READY = 'READY',
  LOADING = 'LOADING',
  FAILED = 'FAILED',
  NOT_CONFIGURED = 'NOT_CONFIGURED',
}
registerEnumType(ProviderState, {
  name: 'ProviderState',
  description: 'READY: can be routed to; LOADING: a local model still downloading or loading (it fails over until then); FAILED: the model failed to load; NOT_CONFIGURED: a key or model is missing.',
});

export enum PromptFormat {
  CHAT_TEMPLATE = 'CHAT_TEMPLATE',
  PLAIN = 'PLAIN',
}
registerEnumType(PromptFormat, {
  name: 'PromptFormat',
  description: "How a local model gets its prompt. CHAT_TEMPLATE: the model's own chat template over a system and a user message; PLAIN: the prompt text as is.",
});

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

  @Field(() => ProviderState)
  state!: ProviderState;

  @Field(() => PromptFormat, { nullable: true, description: 'For a local model; null for hosted APIs, which template messages themselves, and while the model loads.' })
  promptFormat!: PromptFormat | null;

  @Field(() => [ProviderDetail])
  details!: ProviderDetail[];
}
