import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { MAX_PAGE_SIZE } from '../../src/limits/page-size.js';
import { Product, ProductConnection } from './product.type.js';
import { ProductFilterInput } from './product.input.js';
import { ImportResult } from './import.type.js';

@Resolver(() => Product)
export class ProductResolver {
  @Authorized('mobile')
  @Query(() => ProductConnection, { description: 'Products in catalog order, as a Relay connection.' })
  products(
    @Ctx() ctx: GatewayContext,
    @Arg('first', () => Int, {
      defaultValue: 20,
      description: `Page size, 0 to ${MAX_PAGE_SIZE}; 0 answers no edges, with hasNextPage telling whether any product follows.`,
    })
    first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => ProductFilterInput, { nullable: true }) filter: ProductFilterInput | null,
  ): Promise<ProductConnection> {
    return ctx.services.products.list(first, after, filter ?? {});
  }

  @Authorized('mobile')
  @Query(() => Product, { nullable: true })
  product(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<Product | null> {
    return ctx.loaders.productById.load(id);
  }

  @Authorized('mobile')
  @Query(() => Product, { nullable: true })
  productBySku(@Ctx() ctx: GatewayContext, @Arg('sku', () => String) sku: string): Promise<Product | null> {
    return ctx.services.products.bySku(sku);
  }

  @Authorized('internal')
  @Mutation(() => ImportResult, {
    description:
      'Imports products from CSV (product_image, product_description, product_title, product_metadata, and optional sku, category, price, colors, sizes, materials, gender), delimited by ",", ";", a tab or "|" (read from the header line). List cells separate items with ",", ";" or "|"; in materials a composition such as "50% wool, 30% alpaca, 20% nylon" stays one item. Idempotent by SKU, or by title when there is no SKU.',
  })
  importProducts(@Ctx() ctx: GatewayContext, @Arg('csv', () => String) csv: string): Promise<ImportResult> {
    return ctx.services.products.importCsv(csv);
  }
}
