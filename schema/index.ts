/**
 * The top of the layers: the schema built from every resolver, and the
 * gateway built with it. src/ never imports this folder; src/server.ts
 * receives the schema as an option, and src/index.ts (the process entry
 * point, the one exception) starts `createGateway`.
 */
import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type ClassType, type NonEmptyArray, type PubSub } from 'type-graphql';
import { authChecker } from '../src/auth/roles.js';
import type { ConfigInput } from '../src/config.js';
import { createServer, type CreateServerOptions, type GatewayServer } from '../src/server.js';
import { ProductResolver } from './product/product.resolver.js';
import { DescriptionResolver, ProductDescriptionResolver } from './description/description.resolver.js';
import { ProviderResolver } from './provider/provider.resolver.js';
import { EvaluationResolver } from './evaluation/evaluation.resolver.js';
import { BenchmarkResolver } from './benchmark/benchmark.resolver.js';
import { DescriptionStreamResolver } from './description/description-stream.resolver.js';
import { JobResolver } from './job/job.resolver.js';
import { CheckResolver, DescriptionCheckResolver } from './check/check.resolver.js';
import { DescriptionProductResolver, PublicationResolver } from './publication/publication.resolver.js';
import { DescriptionExperimentResolver, ExperimentResolver } from './experiment/experiment.resolver.js';

export const RESOLVERS: NonEmptyArray<ClassType> = [
  ProductResolver,
  ProductDescriptionResolver,
  DescriptionResolver,
  DescriptionStreamResolver,
  ProviderResolver,
  EvaluationResolver,
  BenchmarkResolver,
  JobResolver,
  CheckResolver,
  DescriptionCheckResolver,
  PublicationResolver,
  DescriptionProductResolver,
  ExperimentResolver,
  DescriptionExperimentResolver,
];

let built: Promise<GraphQLSchema> | undefined;

/**
 * type-graphql wants a pub/sub for any schema with subscriptions, but each
 * server has its own (createServer builds it) and every subscription takes
 * its source from the context (`subscribe`, never `topics`). A `topics`
 * subscription added by mistake fails here, loudly, instead of listening on
 * a pub/sub no server publishes to.
 */
const NO_SHARED_PUBSUB: PubSub = {
  publish() {
    throw new Error('subscriptions publish through ctx.services.pubSub, not a schema-wide pub/sub');
  },
  subscribe() {
    throw new Error('subscriptions read ctx.services.pubSub (use `subscribe`, not `topics`)');
  },
};

/** Builds the schema once per process: type-graphql's metadata is global, so the result is too. */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: RESOLVERS, validate: false, pubSub: NO_SHARED_PUBSUB, authChecker });
  return built;
}

/** The SDL as committed in schema/schema.graphql: sorted, so that order changes in code are not drift. */
export async function printGatewaySchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildGatewaySchema()))}\n`;
}

/** The whole gateway on this schema: what src/index.ts starts and the integration tests run on port 0. */
export async function createGateway(
  configInput: Partial<ConfigInput> = {},
  options: Omit<CreateServerOptions, 'schema'> = {},
): Promise<GatewayServer> {
  return createServer(configInput, { ...options, schema: await buildGatewaySchema() });
}
