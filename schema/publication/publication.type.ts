import { createUnionType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Description } from '../description/description.type.js';
import { CheckVerdict } from '../../src/evaluation/check.service.js';
import { CheckFinding } from '../check/check.type.js';
import { PageInfo } from '../common/page-info.type.js';
import { DescriptionSlot, DescriptionStatus } from './status.type.js';

/** Mirrors LIFECYCLE_ACTIONS in src/publication/lifecycle.ts. */
export enum LifecycleAction {
  CREATE = 'CREATE',
  SUBMIT = 'SUBMIT',
  APPROVE = 'APPROVE',
  REJECT = 'REJECT',
  EDIT = 'EDIT',
  PUBLISH = 'PUBLISH',
  UNPUBLISH = 'UNPUBLISH',
  SUPERSEDE = 'SUPERSEDE',
  RECHECK = 'RECHECK',
}
registerEnumType(LifecycleAction, {
  name: 'LifecycleAction',
  description: 'What a recorded change did (see docs/publishing.md for the allowed transitions).',
});

export enum DiffOp {
  EQUAL = 'EQUAL',
  INSERT = 'INSERT',
  DELETE = 'DELETE',
}
registerEnumType(DiffOp, { name: 'DiffOp' });

@ObjectType({
  description:
    'Who acted: an API key by name and role, or the gateway itself (role "system"; the generated text\'s author has role "generator").',
})
export class LifecycleActor {
  @Field()
  name!: string;

  @Field()
  role!: string;
}

@ObjectType({ description: 'One change of a description, as recorded.' })
export class LifecycleEvent {
  @Field(() => ID)
  descriptionId!: string;

  @Field(() => LifecycleAction)
  action!: LifecycleAction;

  @Field(() => DescriptionStatus, { nullable: true, description: 'Null for the creation.' })
  from!: DescriptionStatus | null;

  @Field(() => DescriptionStatus)
  to!: DescriptionStatus;

  @Field(() => Int, { description: 'The version the change was made at (after it, for an edit).' })
  version!: number;

  @Field(() => LifecycleActor)
  actor!: LifecycleActor;

  @Field(() => String, {
    nullable: true,
    description: "The actor's note: a rejection's reason, an override's justification, the policy's grounds.",
  })
  note!: string | null;

  @Field()
  at!: string;
}

@ObjectType({
  description:
    'A run of words of a diff: joining EQUAL and INSERT runs gives the newer text, EQUAL and DELETE the older.',
})
export class DiffSegment {
  @Field(() => DiffOp)
  op!: DiffOp;

  @Field()
  text!: string;
}

@ObjectType({ description: 'One version of a description.' })
export class DescriptionVersion {
  @Field(() => Int)
  version!: number;

  @Field()
  text!: string;

  @Field(() => LifecycleActor, {
    description: 'Who wrote it: the provider and model for version 1, the editor for later ones.',
  })
  author!: LifecycleActor;

  @Field()
  createdAt!: string;

  @Field(() => CheckVerdict, {
    nullable: true,
    description: 'The fact check stored with this version (rerun at publish).',
  })
  verdict!: CheckVerdict | null;

  @Field(() => [CheckFinding])
  findings!: CheckFinding[];

  @Field(() => String, { nullable: true })
  note!: string | null;

  @Field(() => [DiffSegment], { description: 'Word-level changes from the version before (empty for version 1).' })
  diff!: DiffSegment[];
}

@ObjectType({ description: 'A description of the product with every version and every recorded change.' })
export class DescriptionHistoryEntry {
  @Field(() => Description, { description: 'At its current version.' })
  description!: Description;

  @Field(() => [DescriptionVersion], { description: 'Oldest first.' })
  versions!: DescriptionVersion[];

  @Field(() => [LifecycleEvent], { description: 'In the order they happened.' })
  events!: LifecycleEvent[];
}

@ObjectType()
export class StatusCount {
  @Field(() => DescriptionStatus)
  status!: DescriptionStatus;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class ReviewQueueEdge {
  @Field()
  cursor!: string;

  @Field(() => Description, { description: 'At its current version; `product` gives its product record.' })
  node!: Description;
}

@ObjectType({ description: 'Descriptions in the review queue, oldest first, as a Relay connection.' })
export class ReviewQueueConnection {
  @Field(() => [ReviewQueueEdge])
  edges!: ReviewQueueEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Descriptions matching the whole filter.' })
  totalCount!: number;

  @Field(() => [StatusCount], {
    description: "Descriptions per status matching the filter's other fields, every status listed.",
  })
  counts!: StatusCount[];
}

@ObjectType({ description: 'A failed item of a bulk action; the other items are unaffected.' })
export class LifecycleError {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'BAD_USER_INPUT, NOT_FOUND, PUBLISH_BLOCKED or INTERNAL.' })
  code!: string;

  @Field(() => String, {
    nullable: true,
    description: 'E.g. NOT_PASSED, INVALID_TRANSITION, CHECK_BLOCKED, INCOMPLETE.',
  })
  reason!: string | null;

  @Field()
  message!: string;
}

export const LifecycleResult = createUnionType({
  name: 'LifecycleResult',
  types: () => [Description, LifecycleError] as const,
  resolveType: (value) => ('text' in value ? Description : LifecycleError),
});

export enum PublicationChange {
  PUBLISHED = 'PUBLISHED',
  UNPUBLISHED = 'UNPUBLISHED',
}
registerEnumType(PublicationChange, { name: 'PublicationChange' });

@ObjectType({
  description:
    'A slot changed what it shows: a description was published in it (superseding the last one), or taken out of it.',
})
export class PublicationNotice {
  @Field(() => PublicationChange)
  type!: PublicationChange;

  @Field(() => ID)
  descriptionId!: string;

  @Field(() => ID)
  productId!: string;

  @Field(() => DescriptionSlot)
  slot!: DescriptionSlot;

  @Field(() => Int)
  version!: number;

  @Field(() => String, { nullable: true, description: 'The text now shown; null for UNPUBLISHED.' })
  text!: string | null;

  @Field(() => ID, { nullable: true, description: 'The description this one replaced in the slot.' })
  supersededId!: string | null;

  @Field(() => LifecycleActor)
  actor!: LifecycleActor;

  @Field()
  at!: string;
}
