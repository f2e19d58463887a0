import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context.js';
import { GatewayError } from './errors/index.js';

/**
 * Adds the request id to every error, collects resolver warnings into
 * `extensions.warnings`, and logs unexpected errors with the request id
 * (formatError masks them for the client but cannot see the request).
 */
export function requestPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operationName }) {
          contextValue.report.operationName = operationName ?? null;
        },
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            const original = error.originalError;
            const unexpected = original && !(original instanceof GraphQLError) && !(original instanceof GatewayError);
            if (unexpected) {
              contextValue.report.outcome = 'internal_error';
              contextValue.logger.error(
                { err: original, requestId: contextValue.requestId, path: error.path },
                'unexpected resolver error',
              );
            } else if (!contextValue.report.outcome) {
              contextValue.report.outcome = 'client_error';
            }
          }
        },
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (result.errors) {
            result.errors = result.errors.map((e) => ({
              ...e,
              extensions: { ...e.extensions, requestId: contextValue.requestId },
            }));
          }
          if (contextValue.warnings.length) {
            result.extensions = { ...result.extensions, warnings: contextValue.warnings };
          }
        },
      };
    },
  };
}
