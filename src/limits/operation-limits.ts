import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { RequestReport } from '../context.js';
import { ErrorCode, GatewayError } from '../errors/index.js';
import type { Principal } from '../auth/roles.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { isIntrospection, operationCost } from './cost.js';
import { findPageSizeError } from './page-size.js';
import type { RateLimitStore } from './rate-limit.js';
import type { BucketSettings, PerRole } from './role-settings.js';

/** The per-role limits an operation is held to, over HTTP and over graphql-ws alike. */
export interface OperationLimitsOptions {
  schema: GraphQLSchema;
  maxCost: PerRole<number>;
  rateLimits: PerRole<BucketSettings | null>;
  store: RateLimitStore;
  /** Whether this principal may run introspection. */
  allowIntrospection: (principal: Principal) => boolean;
  /** Counts rate-limit refusals by role. Default: none. */
  metrics?: GatewayMetrics;
}

/** One parsed and validated operation, as both transports know it. */
export interface CheckedOperation {
  principal: Principal | null | undefined;
  document: DocumentNode;
  operationName: string | null | undefined;
  variables: Record<string, unknown>;
}

/**
 * Introspection by role, then the page sizes (page-size.ts), then the
 * operation's cost against the role's MAX_COST, then the key's token bucket
 * charged with its up-front cost (stored descriptions read as reads; see
 * cost.ts). Throws a GatewayError (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT
 * with reason PAGE_SIZE_OUT_OF_RANGE, GRAPHQL_VALIDATION_FAILED with reason
 * COST_LIMIT, RATE_LIMITED with retryAfter) and otherwise returns the cost.
 * The cost (and a rate-limit outcome) is written into `report` before
 * any refusal, so the request log carries it either way.
 */
export async function enforceOperationLimits(
  options: OperationLimitsOptions,
  operation: CheckedOperation,
  report: Pick<RequestReport, 'cost' | 'outcome'>,
): Promise<number> {
  const { principal, document, operationName } = operation;
  if (!principal)
    throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'an API key is required: send Authorization: Bearer <key>');
  if (isIntrospection(document, operationName) && !options.allowIntrospection(principal)) {
    throw new GatewayError(ErrorCode.FORBIDDEN, 'introspection needs the internal role', { reason: 'INTROSPECTION' });
  }
  const pageSize = findPageSizeError(document, operation.variables);
  if (pageSize) throw pageSize;
  const cost = operationCost(options.schema, document, operationName, operation.variables);
  report.cost = cost;
  const limit = options.maxCost[principal.role];
  if (cost > limit) {
    throw new GatewayError(
      ErrorCode.GRAPHQL_VALIDATION_FAILED,
      `the operation costs ${cost}, over the limit of ${limit} for the ${principal.role} role: ask for fewer rows or fewer generated fields`,
      {
        reason: 'COST_LIMIT',
        cost,
        maxCost: limit,
      },
    );
  }
  const bucket = options.rateLimits[principal.role];
  if (!bucket) return cost;
  const charge = operationCost(options.schema, document, operationName, operation.variables, 'charge');
  const taken = await options.store.take(principal.keyId ?? principal.name, charge, bucket);
  if (taken.allowed) return cost;
  options.metrics?.rateLimited.inc({ role: principal.role });
  report.outcome = 'rate_limited';
  throw new GatewayError(
    ErrorCode.RATE_LIMITED,
    `rate limit reached for this key: retry in ${taken.retryAfterSeconds} s`,
    { retryAfter: taken.retryAfterSeconds },
  );
}

/** What Apollo is configured with for parsing and validation (server.ts), so other transports can match it. */
export interface DocumentRules {
  /** graphql-js parse limit (MAX_TOKENS). */
  maxTokens: number;
  /** Armor's rules; graphql-js's specified rules always run first, as in Apollo. */
  validationRules: readonly ValidationRule[];
}

// armor's block-field-suggestion hides schema hints the same way on the Apollo path.
const hideSuggestions = (message: string): string => message.replace(/Did you mean ".+"/g, '[Suggestion hidden]');

/**
 * Parses and validates a query as Apollo does for HTTP: the same token limit
 * and rules, and errors coded GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED
 * with field suggestions hidden. Returns the document (null when it does not
 * parse) and the errors (none when it is valid).
 */
export function parseAndValidate(
  schema: GraphQLSchema,
  query: string,
  rules: DocumentRules,
): { document: DocumentNode | null; errors: GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(query, { maxLexicalTokens: rules.maxTokens });
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'the query could not be parsed';
    return { document: null, errors: [new GatewayError(ErrorCode.GRAPHQL_PARSE_FAILED, message)] };
  }
  const errors = validate(schema, document, [...specifiedRules, ...rules.validationRules]);
  return {
    document,
    errors: errors.map(
      (e) =>
        new GraphQLError(hideSuggestions(e.message), {
          nodes: e.nodes ?? null,
          extensions: { ...e.extensions, code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
        }),
    ),
  };
}
