import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { authChecker } from './auth/roles.js';
import { createInProcessPubSub } from './pubsub.js';
import { ProductResolver } from '../schema/product/product.resolver.js';
import { DescriptionResolver, ProductDescriptionResolver } from '../schema/description/description.resolver.js';
import { ProviderResolver } from '../schema/provider/provider.resolver.js';
import { EvaluationResolver } from '../schema/evaluation/evaluation.resolver.js';
import { BenchmarkResolver } from '../schema/benchmark/benchmark.resolver.js';
import { DescriptionStreamResolver } from '../schema/description/description-stream.resolver.js';
import { JobResolver } from '../schema/job/job.resolver.js';
import { CheckResolver, DescriptionCheckResolver } from '../schema/check/check.resolver.js';
import { DescriptionProductResolver, PublicationResolver } from '../schema/publication/publication.resolver.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const RESOLVERS: NonEmptyArray<Function> = [ProductResolver, ProductDescriptionResolver, DescriptionResolver, DescriptionStreamResolver, ProviderResolver, EvaluationResolver, BenchmarkResolver, JobResolver, CheckResolver, DescriptionCheckResolver, PublicationResolver, DescriptionProductResolver];

let built: Promise<GraphQLSchema> | undefined;

/** The process's topic pub/sub, shared by resolvers that publish. */
export const pubSub = createInProcessPubSub();

/** Builds the schema once per process: type-graphql's metadata is global, so the result is too. */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: RESOLVERS, validate: false, pubSub, authChecker });
  return built;
}

/** The SDL as committed in schema/schema.graphql: sorted, so that order changes in code are not drift. */
export async function printGatewaySchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildGatewaySchema()))}\n`;
}
