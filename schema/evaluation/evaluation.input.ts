import { Field, InputType } from 'type-graphql';

@InputType()
export class TextPairInput {
  @Field({ description: 'The human reference.' })
  reference!: string;

  @Field({ description: 'The text to score.' })
  candidate!: string;
}
