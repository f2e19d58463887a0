import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { authChecker } from './auth/roles.js';
import { ProductResolver } from '../schema/product/product.resolver.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const RESOLVERS: NonEmptyArray<Function> = [ProductResolver];

let built: Promise<GraphQLSchema> | undefined;

/** Builds the schema once per process: type-graphql's metadata is global, so the result is too. */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: RESOLVERS, validate: false, authChecker });
  return built;
}

/** The SDL as committed in schema/schema.graphql: sorted, so that order changes in code are not drift. */
export async function printGatewaySchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildGatewaySchema()))}\n`;
}
