import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { ErrorCode } from './codes.js';
import { GatewayError } from './gateway-error.js';

const PASSTHROUGH = new Set<string>(Object.values(ErrorCode));

/** Apollo's own codes, renamed into ours so clients see one vocabulary. */
const APOLLO_CODES: Record<string, ErrorCode> = {
  [ApolloServerErrorCode.GRAPHQL_PARSE_FAILED]: ErrorCode.GRAPHQL_PARSE_FAILED,
  [ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED]: ErrorCode.GRAPHQL_VALIDATION_FAILED,
  [ApolloServerErrorCode.BAD_USER_INPUT]: ErrorCode.BAD_USER_INPUT,
  [ApolloServerErrorCode.BAD_REQUEST]: ErrorCode.BAD_USER_INPUT,
  [ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]: ErrorCode.BAD_USER_INPUT,
  [ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE]: ErrorCode.BAD_USER_INPUT,
};

export interface FormatErrorOptions {
  logger: Logger;
  /** Show stack traces and unexpected messages (development only). */
  exposeInternals: boolean;
}

/**
 * The one normaliser: known errors keep their code and message; anything
 * unexpected is logged with the request id and reaches the client as
 * INTERNAL with a generic message (the original only in development).
 */
export function createFormatError({ logger, exposeInternals }: FormatErrorOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = (formatted.extensions?.code as string | undefined) ?? '';
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    if (original instanceof GatewayError || PASSTHROUGH.has(code)) {
      return { ...formatted, extensions };
    }
    const mapped = APOLLO_CODES[code];
    if (mapped) return { ...formatted, extensions: { ...extensions, code: mapped } };
    // type-graphql's argument validation and graphql-js coercion errors are the client's fault.
    if (
      original instanceof GraphQLError &&
      !(original.originalError && !(original.originalError instanceof GraphQLError))
    ) {
      if (code === '' || code === 'INTERNAL_SERVER_ERROR') {
        return { ...formatted, extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT } };
      }
    }
    const requestId = extensions.requestId;
    logger.error({ err: original, requestId, path: formatted.path }, 'unexpected error');
    return {
      message: exposeInternals && original instanceof Error ? original.message : 'Internal server error',
      ...(formatted.path === undefined ? {} : { path: formatted.path }),
      ...(formatted.locations === undefined ? {} : { locations: formatted.locations }),
      extensions: { code: ErrorCode.INTERNAL, ...(requestId ? { requestId } : {}) },
    };
  };
}
