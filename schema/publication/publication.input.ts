import { Field, ID, InputType } from 'type-graphql';
import { CheckVerdict } from '../../src/evaluation/check.service.js';
import { DescriptionStatus } from './status.type.js';

@InputType({ description: 'Which descriptions the review queue lists; every field narrows it.' })
export class ReviewQueueFilterInput {
  @Field(() => [DescriptionStatus], { nullable: true, description: 'Default [IN_REVIEW].' })
  status?: DescriptionStatus[] | null;

  @Field(() => [CheckVerdict], { nullable: true, description: "The current version's stored verdict." })
  verdict?: CheckVerdict[] | null;

  @Field(() => ID, { nullable: true })
  productId?: string | null;

  @Field(() => String, { nullable: true, description: 'Product category, any case.' })
  category?: string | null;

  @Field(() => String, { nullable: true, description: 'Provider that generated the text.' })
  provider?: string | null;

  @Field(() => String, { nullable: true })
  model?: string | null;

  @Field(() => String, { nullable: true })
  locale?: string | null;

  @Field(() => String, { nullable: true })
  channel?: string | null;
}

@InputType({
  description: 'One slot of a product. Unset fields take the base slot: locale "en", channel "web", no segment.',
})
export class DescriptionSlotInput {
  @Field(() => String, { nullable: true })
  locale?: string | null;

  @Field(() => String, { nullable: true })
  channel?: string | null;

  @Field(() => String, { nullable: true, description: 'Personalization segment; "" or unset for the base text.' })
  segment?: string | null;
}
