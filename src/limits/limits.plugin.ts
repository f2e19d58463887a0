import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { ErrorCode, GatewayError } from '../errors/index.js';
import { enforceOperationLimits, type OperationLimitsOptions } from './operation-limits.js';

export type LimitsPluginOptions = OperationLimitsOptions;

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.GRAPHQL_VALIDATION_FAILED]: 400,
  [ErrorCode.RATE_LIMITED]: 429,
};

/**
 * Apollo reads `extensions.http` of an error thrown by a plugin hook (and
 * strips it) for the response status; the shared check knows nothing of
 * HTTP, so the status (and Retry-After) is added here.
 */
function withHttpStatus(error: GatewayError): GatewayError {
  const status = STATUS[error.code];
  if (status === undefined) return error;
  const extensions = error.extensions;
  const headers: Array<[string, string]> =
    typeof extensions.retryAfter === 'number' ? [['retry-after', String(extensions.retryAfter)]] : [];
  return new GatewayError(error.code, error.message, {
    ...extensions,
    http: { status, headers: new HeaderMap(headers) },
  });
}

/**
 * Runs once the operation is known and validated (armor's rules included):
 * the checks of operation-limits.ts (introspection by role, page sizes, cost
 * against the role's MAX_COST, the key's token bucket). A refusal here refuses the whole
 * request before anything executes; a rate-limit refusal answers HTTP 429
 * with Retry-After.
 */
export function limitsPlugin(options: LimitsPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operationName, request }) {
          try {
            await enforceOperationLimits(
              options,
              { principal: contextValue.principal, document, operationName, variables: request.variables ?? {} },
              contextValue.report,
            );
          } catch (error) {
            throw error instanceof GatewayError ? withHttpStatus(error) : error;
          }
        },
      };
    },
  };
}
