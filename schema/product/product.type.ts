import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../common/page-info.type.js';

@ObjectType({ description: 'A product of the catalog.' })
export class Product {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Stock-keeping unit; imports are idempotent by it.' })
  sku!: string | null;

  @Field()
  title!: string;

  @Field(() => String, { nullable: true })
  category!: string | null;

  @Field(() => String, { nullable: true, description: 'women, men, unisex or kids, when known.' })
  gender!: string | null;

  @Field(() => [String], { description: 'Attributes from the product metadata.' })
  attributes!: string[];

  @Field(() => [String])
  colors!: string[];

  @Field(() => [String])
  sizes!: string[];

  @Field(() => [String])
  materials!: string[];

  @Field(() => String, { nullable: true })
  imageUrl!: string | null;

  @Field(() => String, { nullable: true, description: 'The human-written reference description, used for evaluation.' })
  referenceDescription!: string | null;

  @Field(() => Float, { nullable: true })
  price!: number | null;

  @Field()
  createdAt!: string;
}

@ObjectType()
export class ProductEdge {
  @Field()
  cursor!: string;

  @Field(() => Product)
  node!: Product;
}

@ObjectType()
export class ProductConnection {
  @Field(() => [ProductEdge])
  edges!: ProductEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
