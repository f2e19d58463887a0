import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LifecycleResult, type LifecycleError } from '../publication/publication.type.js';
import type { Description } from '../description/description.type.js';

export enum ExperimentMetric {
  CLICK_RATE = 'CLICK_RATE',
  ADD_TO_CART_RATE = 'ADD_TO_CART_RATE',
  PURCHASE_RATE = 'PURCHASE_RATE',
}
export enum Allocation {
  FIXED = 'FIXED',
  THOMPSON = 'THOMPSON',
}
export enum ExperimentStatus {
  RUNNING = 'RUNNING',
  PAUSED = 'PAUSED',
  CONCLUDED = 'CONCLUDED',
}
export enum ExperimentDecision {
  KEEP_RUNNING = 'KEEP_RUNNING',
  STOP_WINNER = 'STOP_WINNER',
  STOP_NO_DIFFERENCE = 'STOP_NO_DIFFERENCE',
}
export enum Verdict {
  BETTER = 'BETTER',
  WORSE = 'WORSE',
  EQUIVALENT = 'EQUIVALENT',
  UNDECIDED = 'UNDECIDED',
}

registerEnumType(ExperimentMetric, {
  name: 'ExperimentMetric',
  description: 'The conversion counted per exposed session: a CLICK, an ADD_TO_CART or a PURCHASE after an IMPRESSION.',
});
registerEnumType(Allocation, {
  name: 'Allocation',
  description:
    "FIXED: the variants' weights, by a hash of experiment and session; THOMPSON: weights that follow each variant's chance of being best, recomputed once per epoch.",
});
registerEnumType(ExperimentStatus, {
  name: 'ExperimentStatus',
  description: "RUNNING assigns sessions; PAUSED assigns none (its sessions' events still count); CONCLUDED is over.",
});
registerEnumType(ExperimentDecision, {
  name: 'ExperimentDecision',
  description: 'The recommended action, from the always-valid test (valid however often the results are read).',
});
registerEnumType(Verdict, {
  name: 'Verdict',
  description: 'Where the confidence sequence puts a treatment against the control.',
});

@ObjectType()
export class VariantDescription {
  @Field(() => ID)
  productId!: string;

  @Field(() => ID)
  descriptionId!: string;
}

@ObjectType()
export class ExperimentVariant {
  @Field({ description: 'What the app reports back with its events.' })
  id!: string;

  @Field()
  name!: string;

  @Field(() => Float, { description: 'Share of the traffic under FIXED allocation.' })
  weight!: number;

  @Field(() => [VariantDescription], {
    description: "The text each product shows in this variant; a product left out shows the control's.",
  })
  descriptions!: VariantDescription[];

  @Field(() => VariantRecipe, {
    nullable: true,
    description: "How a recipe variant's texts were generated; null for a variant of chosen descriptions.",
  })
  recipe!: VariantRecipe | null;
}

@ObjectType({
  description:
    "A recipe variant's generation: its texts went through the publication policy and wait, until approved or published, in the review queue under `channel`.",
})
export class VariantRecipe {
  @Field(() => String, { nullable: true })
  provider!: string | null;

  @Field()
  policy!: string;

  @Field()
  promptVersion!: string;

  @Field({
    description: "The experiment's own sales channel the texts are written for (reviewQueue(filter: { channel })).",
  })
  channel!: string;
}

@ObjectType()
export class Estimate {
  @Field(() => Float)
  estimate!: number;

  @Field(() => Float)
  lower!: number;

  @Field(() => Float)
  upper!: number;
}

@ObjectType()
export class RateInterval {
  @Field(() => Float)
  lower!: number;

  @Field(() => Float)
  upper!: number;
}

@ObjectType({ description: "One variant's counts and, for a treatment, its comparison with the control." })
export class VariantResult {
  @Field()
  variantId!: string;

  @Field()
  control!: boolean;

  @Field(() => Int, { description: 'Sessions that saw the variant (their first IMPRESSION).' })
  exposures!: number;

  @Field(() => Int, { description: "Exposed sessions that converted (the metric's event)." })
  conversions!: number;

  @Field(() => Float, { nullable: true, description: 'conversions / exposures; null with no exposures.' })
  rate!: number | null;

  @Field(() => RateInterval, { description: 'Wilson interval of the rate at the analysis level (95%).' })
  interval!: RateInterval;

  @Field(() => Estimate, {
    nullable: true,
    description: "Treatment − control with Newcombe's interval; null for the control or while an arm has no exposures.",
  })
  difference!: Estimate | null;

  @Field(() => Estimate, {
    nullable: true,
    description:
      'Relative lift over the control with the Katz interval; null for the control or until both arms convert.',
  })
  lift!: Estimate | null;

  @Field(() => Float, {
    nullable: true,
    description: "P(this variant's rate > the control's) under Beta(1, 1) posteriors; null for the control.",
  })
  probabilityBeatsControl!: number | null;

  @Field(() => Float, { nullable: true, description: 'The always-valid p-value of the mSPRT; null for the control.' })
  alwaysValidPValue!: number | null;

  @Field(() => RateInterval, {
    nullable: true,
    description: 'The confidence sequence for treatment − control, valid at every look; null for the control.',
  })
  confidenceSequence!: RateInterval | null;

  @Field(() => Verdict, { nullable: true })
  verdict!: Verdict | null;
}

@ObjectType({ description: "One variant's cumulative counts at a look." })
export class LookCounts {
  @Field()
  variantId!: string;

  @Field(() => Int, { description: 'Sessions exposed so far.' })
  exposures!: number;

  @Field(() => Int)
  conversions!: number;
}

@ObjectType({ description: 'The counts at the end of one day with exposures: what the daily look saw.' })
export class ExperimentLook {
  @Field({ description: 'The end of the look (ISO 8601).' })
  at!: string;

  @Field(() => [LookCounts], { description: 'In variant order, the control first.' })
  variants!: LookCounts[];
}

@ObjectType()
export class ExperimentAnalysis {
  @Field(() => ExperimentDecision, { description: 'Keep running, stop for a winner, or stop for no difference.' })
  decision!: ExperimentDecision;

  @Field(() => String, { nullable: true, description: 'The variant to publish on STOP_WINNER (possibly the control).' })
  winnerVariantId!: string | null;

  @Field()
  reason!: string;

  @Field(() => [VariantResult], { description: 'The control first.' })
  variants!: VariantResult[];

  @Field(() => Int, { description: 'Daily looks folded into the decision.' })
  looks!: number;

  @Field(() => [ExperimentLook], { description: 'Those looks, oldest first: conversion over time.' })
  history!: ExperimentLook[];

  @Field(() => Int, { description: 'Exposures every variant needs before a stop is recommended.' })
  minSample!: number;

  @Field(() => Float, { description: 'Error rate of each comparison over all looks (alpha / treatments).' })
  comparisonAlpha!: number;
}

@ObjectType({ description: 'A customer A/B test of descriptions.' })
export class Experiment {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => ExperimentMetric)
  metric!: ExperimentMetric;

  @Field(() => Allocation)
  allocation!: Allocation;

  @Field(() => ExperimentStatus)
  status!: ExperimentStatus;

  @Field(() => Int, { nullable: true })
  minSample!: number | null;

  @Field(() => [ID])
  productIds!: string[];

  @Field(() => [ExperimentVariant], { description: 'The control first.' })
  variants!: ExperimentVariant[];

  @Field(() => String, { nullable: true })
  winnerVariantId!: string | null;

  @Field()
  createdAt!: string;
}

@ObjectType()
export class ConcludeExperimentResult {
  @Field(() => Experiment)
  experiment!: Experiment;

  @Field(() => [LifecycleResult], {
    description:
      'With publishWinner: one result per winning text published now (texts already live are not listed); empty otherwise.',
  })
  published!: Array<Description | LifecycleError>;
}

@ObjectType({
  description: 'Which experiment and variant a description was served for: the app reports both with its events.',
})
export class ExperimentAssignment {
  @Field(() => ID)
  experimentId!: string;

  @Field()
  variantId!: string;

  @Field({
    description:
      "True when the variant has no published or approved text for this product and the control's is served; such sessions count under their assigned variant (docs/experiments.md).",
  })
  servedControl!: boolean;
}

export enum EventStatus {
  ACCEPTED = 'ACCEPTED',
  DUPLICATE = 'DUPLICATE',
  REJECTED = 'REJECTED',
}
registerEnumType(EventStatus, {
  name: 'EventStatus',
  description:
    'ACCEPTED: stored now; DUPLICATE: stored before (same eventId), counted once; REJECTED: not stored, see reason.',
});

@ObjectType()
export class EventResult {
  @Field()
  eventId!: string;

  @Field(() => EventStatus)
  status!: EventStatus;

  @Field(() => String, {
    nullable: true,
    description:
      'Why a REJECTED event was refused: BAD_ID, BAD_OCCURRED_AT, OCCURRED_AT_OUT_OF_RANGE, BAD_VALUE, VARIANT_WITHOUT_EXPERIMENT, UNKNOWN_EXPERIMENT, UNKNOWN_VARIANT or PRODUCT_NOT_IN_EXPERIMENT.',
  })
  reason!: string | null;

  @Field(() => String, { nullable: true })
  message!: string | null;
}

@ObjectType()
export class RecordEventsResult {
  @Field(() => Int)
  accepted!: number;

  @Field(() => Int)
  duplicates!: number;

  @Field(() => Int)
  rejected!: number;

  @Field(() => [EventResult], { description: 'One per event, in order.' })
  results!: EventResult[];
}
