import { Field, Float, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { Allocation, ExperimentMetric } from './experiment.type.js';
import { MAX_CLIENT_ID_LENGTH } from '../../src/experiments/event-input.js';
import { EXPERIMENT_LIMITS } from '../../src/experiments/experiment-input.js';
import { GenerationParamsInput } from '../description/description.input.js';

@InputType({
  description:
    'Texts generated for a variant when the experiment is created, one per product, through the publication policy (PUBLISH_POLICY); until one is approved or published, its sessions see the control.',
})
export class RecipeInput {
  @Field(() => String, {
    nullable: true,
    description: 'Pin one provider (no failover); its configured model writes the texts.',
  })
  provider?: string | null;

  @Field(() => String, { nullable: true, description: 'Routing policy; default "personalization".' })
  policy?: string | null;

  @Field(() => GenerationParamsInput, {
    nullable: true,
    description: 'Generation parameters, the prompt version among them.',
  })
  params?: GenerationParamsInput | null;
}

export enum DescriptionEventType {
  IMPRESSION = 'IMPRESSION',
  CLICK = 'CLICK',
  ADD_TO_CART = 'ADD_TO_CART',
  PURCHASE = 'PURCHASE',
}
registerEnumType(DescriptionEventType, { name: 'DescriptionEventType' });

@InputType()
export class VariantInput {
  @Field({
    description:
      'Letters, digits, "_", "-" or "." (at most 40); unique in the experiment. The first variant is the control.',
  })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Display name. Default: the id.' })
  name?: string | null;

  @Field(() => Float, { nullable: true, description: 'FIXED: share of the traffic (> 0). Default 1.' })
  weight?: number | null;

  @Field(() => [ID], {
    defaultValue: [],
    description:
      'Published or approved descriptions, at most one per product; the control needs one for every product.',
  })
  descriptionIds!: string[];

  @Field(() => RecipeInput, {
    nullable: true,
    description: `Instead of descriptions (not for the control; at most ${EXPERIMENT_LIMITS.recipeProducts} products): texts generated for this experiment.`,
  })
  recipe?: RecipeInput | null;
}

@InputType()
export class CreateExperimentInput {
  @Field()
  name!: string;

  @Field(() => [ID], {
    description: 'The products in the experiment; each may be in one running or paused experiment at a time.',
  })
  productIds!: string[];

  @Field(() => ExperimentMetric)
  metric!: ExperimentMetric;

  @Field(() => Allocation, { defaultValue: Allocation.FIXED })
  allocation!: Allocation;

  @Field(() => Int, {
    nullable: true,
    description: 'Exposures every variant needs before a stop is recommended. Default 1000.',
  })
  minSample?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'THOMPSON: seconds between recomputations of the weights (60-86400). Default 3600.',
  })
  refreshSeconds?: number | null;

  @Field(() => [VariantInput], { description: 'Two to ten.' })
  variants!: VariantInput[];
}

@InputType({ description: 'One thing a shopper did with a description.' })
export class DescriptionEventInput {
  @Field({
    description: `Made by the client, unique per event (at most ${MAX_CLIENT_ID_LENGTH} printable characters): a retried event with the same id counts once.`,
  })
  eventId!: string;

  @Field(() => DescriptionEventType)
  type!: DescriptionEventType;

  @Field()
  sessionId!: string;

  @Field(() => ID)
  productId!: string;

  @Field(() => ID, { nullable: true, description: 'The description that was shown.' })
  descriptionId?: string | null;

  @Field(() => ID, { nullable: true, description: 'From Description.experiment, when there was one; with variantId.' })
  experimentId?: string | null;

  @Field(() => String, { nullable: true })
  variantId?: string | null;

  @Field({ description: "ISO 8601 date-time, within 7 days before and 1 hour after the gateway's clock." })
  occurredAt!: string;

  @Field(() => Float, { nullable: true, description: 'E.g. the price of a PURCHASE (≥ 0).' })
  value?: number | null;
}
