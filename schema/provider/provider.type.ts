import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ProviderState {
  READY = 'READY',
  LOADING = 'LOADING',
  FAILED = 'FAILED',
  NOT_CONFIGURED = 'NOT_CONFIGURED',
}
registerEnumType(ProviderState, {
  name: 'ProviderState',
  description:
    'READY: can be routed to; LOADING: a local model still downloading or loading (it fails over until then); FAILED: the model failed to load; NOT_CONFIGURED: a key or model is missing.',
});

export enum PromptFormat {
  CHAT_TEMPLATE = 'CHAT_TEMPLATE',
  PLAIN = 'PLAIN',
}
registerEnumType(PromptFormat, {
  name: 'PromptFormat',
  description:
    "How a local model gets its prompt. CHAT_TEMPLATE: the model's own chat template over a system and a user message; PLAIN: the prompt text as is.",
});

export enum QualityBreakerState {
  CLOSED = 'CLOSED',
  OPEN = 'OPEN',
  HALF_OPEN = 'HALF_OPEN',
}
registerEnumType(QualityBreakerState, {
  name: 'QualityBreakerState',
  description:
    "CLOSED: routed to as usual; OPEN: its recent texts failed the checks too often, so it is routed around while another provider can answer; HALF_OPEN: the next request is a probe, whose text's verdict decides.",
});

@ObjectType({
  description: "The quality breaker of a provider's current model: the checks' verdicts on its recent texts.",
})
export class ProviderQuality {
  @Field(() => QualityBreakerState)
  state!: QualityBreakerState;

  @Field(() => Int, { description: 'Verdicts in the window.' })
  samples!: number;

  @Field(() => Int, { description: 'Of those, REVIEW or BLOCK.' })
  failures!: number;

  @Field(() => String, { nullable: true, description: 'Why it opened, while it is not CLOSED.' })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: 'When an OPEN breaker lets a probe through (ISO 8601).' })
  openUntil!: string | null;

  @Field(() => Int, { description: 'Times it opened since the gateway started.' })
  trips!: number;
}

@ObjectType({ description: 'An action an alert put in force; undone when the alert resolves.' })
export class AlertAction {
  @Field({ description: 'demote_provider, fallback_policy or pause_catalog_jobs.' })
  kind!: string;

  @Field({ description: 'The provider demoted, the policy switched (policy→fallback), or catalog.' })
  target!: string;

  @Field({ description: 'The alert that asked for it.' })
  alert!: string;

  @Field({ description: 'When the alert started firing (ISO 8601).' })
  since!: string;
}

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

  @Field(() => Int, {
    description:
      "Milliseconds left of the pause a 429's long Retry-After asked for (first tries go to the next target meanwhile); 0 when none.",
  })
  backoffMs!: number;

  @Field(() => String, {
    nullable: true,
    description: 'For the local model: the ONNX Runtime execution provider actually in use (cuda or cpu).',
  })
  executionProvider!: string | null;

  @Field(() => ProviderState)
  state!: ProviderState;

  @Field(() => PromptFormat, {
    nullable: true,
    description:
      'For a local model; null for hosted APIs, which template messages themselves, and while the model loads.',
  })
  promptFormat!: PromptFormat | null;

  @Field(() => [ProviderDetail])
  details!: ProviderDetail[];

  @Field(() => ProviderQuality)
  quality!: ProviderQuality;

  @Field(() => [AlertAction], {
    description:
      'Actions alerts put in force on this provider (a demotion, a policy it leads switched to its fallback).',
  })
  actions!: AlertAction[];
}
