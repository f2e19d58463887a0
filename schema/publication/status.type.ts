import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { DescriptionStatus } from '../../src/descriptions/types.js';

export { DescriptionStatus };

registerEnumType(DescriptionStatus, {
  name: 'DescriptionStatus',
  description:
    'DRAFT: stored, not yet triaged; IN_REVIEW: waiting for a person; APPROVED: a person approved it, not shown yet; PUBLISHED: shown to shoppers in its slot (one per slot); REJECTED: a person turned it down; SUPERSEDED: replaced by a newer text of its slot. See docs/publishing.md.',
});

@ObjectType({
  description: 'Where a description may be published: product × locale × channel × personalization segment.',
})
export class DescriptionSlot {
  @Field({ description: 'BCP 47 locale ("en" when the text was written without one).' })
  locale!: string;

  @Field({ description: 'Sales channel, e.g. web (the default), app or marketplace.' })
  channel!: string;

  @Field({ description: 'Personalization segment, lower case; "" for the base text.' })
  segment!: string;
}
