import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ImportRowStatus } from '../../src/catalog/product.service.js';

registerEnumType(ImportRowStatus, { name: 'ImportRowStatus' });

@ObjectType({ description: 'The outcome of one CSV row.' })
export class ImportRowResult {
  @Field(() => Int, { description: '1-based line number in the CSV (the header is line 1).' })
  line!: number;

  @Field(() => ImportRowStatus)
  status!: ImportRowStatus;

  @Field(() => ID, { nullable: true })
  productId!: string | null;

  @Field(() => String, { nullable: true })
  sku!: string | null;

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Stable code of the row error: MISSING_TITLE, FIELD_TOO_LONG, INVALID_PRICE, INVALID_CHARACTERS, INVALID_IMAGE_URL, DUPLICATE_SKU, DUPLICATE_TITLE or MALFORMED_ROW.',
  })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  error!: string | null;
}

@ObjectType()
export class ImportResult {
  @Field({ description: 'The column delimiter read from the header line: ",", ";", a tab or "|".' })
  delimiter!: string;

  @Field(() => Int)
  created!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int)
  unchanged!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => [ImportRowResult])
  rows!: ImportRowResult[];
}
