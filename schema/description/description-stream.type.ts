import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { StreamEventType } from '../../src/descriptions/types.js';
import { Description } from './description.type.js';

registerEnumType(StreamEventType, { name: 'StreamEventType' });

@ObjectType({
  description:
    'A piece of a description as it is generated (whole words); the last event carries the stored description.',
})
export class DescriptionStreamEvent {
  @Field(() => StreamEventType)
  type!: StreamEventType;

  @Field(() => Int, { description: 'Position of the piece in the stream.' })
  index!: number;

  @Field(() => String, {
    nullable: true,
    description:
      'One or more whole words with their trailing whitespace (a word still unfinished after a short wait goes out as it is).',
  })
  token!: string | null;

  @Field(() => Description, { nullable: true })
  description!: Description | null;

  @Field({
    description: 'True when the stream replays a stored description (no provider was called; its source is CACHED).',
  })
  replay!: boolean;
}
