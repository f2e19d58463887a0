import { Field, InputType } from 'type-graphql';

@InputType()
export class ProductFilterInput {
  @Field(() => String, { nullable: true, description: 'Exact category, case-insensitive.' })
  category?: string | null;

  @Field(() => String, { nullable: true, description: 'Substring of the title, attributes or reference description.' })
  search?: string | null;

  @Field(() => [String], { nullable: true, description: 'Every tag must be among the attributes.' })
  tags?: string[] | null;
}
