/**
 * Apollo Server as the gateway runs it: no HTTP of its own (the handler in
 * http/graphql-handler.ts feeds it requests), no batching, CSRF prevention
 * on, our parse and validation limits, our error masking and plugins.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { requestPlugin } from './apollo-plugins.js';
import type { GatewayContext } from './context.js';
import { createFormatError } from './errors/index.js';
import type { armorProtection } from './limits/armor.js';
import { limitsPlugin } from './limits/limits.plugin.js';
import type { OperationLimitsOptions } from './limits/operation-limits.js';

export interface ApolloOptions {
  schema: GraphQLSchema;
  logger: Logger;
  /** graphql-armor's validation rules and plugins (depth, aliases, directives, structural cost). */
  armor: ReturnType<typeof armorProtection>;
  /** Introspection by role, cost and the key's bucket: the same check graphql-ws runs. */
  limits: OperationLimitsOptions;
  /** MAX_TOKENS: graphql-js stops parsing past it, answered GRAPHQL_PARSE_FAILED (400). */
  maxTokens: number;
  /** Show unexpected errors' messages to clients (development and test only). */
  exposeInternals: boolean;
}

/** Builds and starts Apollo; stopped by the server's close(). */
export async function startApollo(options: ApolloOptions): Promise<ApolloServer<GatewayContext>> {
  const { logger, armor } = options;
  const apollo = new ApolloServer<GatewayContext>({
    schema: options.schema,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Introspection is decided per request by role in limitsPlugin (development, or the internal role).
    introspection: true,
    validationRules: armor.validationRules,
    parseOptions: { maxLexicalTokens: options.maxTokens },
    includeStacktraceInErrorResponses: false,
    // Apollo's own SIGTERM handler (on unless NODE_ENV=test) stops it and re-sends the
    // signal, killing the process mid-drain: src/index.ts owns the signals and close() drains.
    stopOnTerminationSignals: false,
    formatError: createFormatError({ logger, exposeInternals: options.exposeInternals }),
    plugins: [
      // No field carries a cache hint and every answer is for one key, so the
      // handler sends `cache-control: no-store` itself; the cache-control
      // plugin wrapped every field resolver, on every request, to work out
      // the same header.
      ApolloServerPluginCacheControlDisabled(),
      requestPlugin(),
      ...(armor.plugins as Array<ApolloServerPlugin<GatewayContext>>),
      limitsPlugin(options.limits),
    ],
    logger: { debug: () => {}, info: () => {}, warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
  });
  await apollo.start();
  return apollo;
}
