import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';
import { ErrorCode, GatewayError } from '../errors/index.js';
import type { Principal } from '../auth/roles.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { isIntrospection, operationCost } from './cost.js';
import type { RateLimitStore } from './rate-limit.js';
import type { BucketSettings, PerRole } from './role-settings.js';

/** Apollo reads `extensions.http` of an error thrown by a plugin hook (and strips it) for the response status. */
const httpStatus = (status: number, headers: Array<[string, string]> = []) => ({ status, headers: new HeaderMap(headers) });

export interface LimitsPluginOptions {
  schema: GraphQLSchema;
  maxCost: PerRole<number>;
  rateLimits: PerRole<BucketSettings | null>;
  store: RateLimitStore;
  /** Whether this principal may run introspection. */
  allowIntrospection: (principal: Principal) => boolean;
  metrics?: GatewayMetrics;
}

/**
 * Runs once the operation is known and validated (armor's rules included):
 * introspection by role, then the operation's cost against the role's
 * MAX_COST, then the key's token bucket charged with that cost. A refusal
 * here refuses the whole request before anything executes; a rate-limit
 * refusal answers HTTP 429 with Retry-After.
 */
export function limitsPlugin(options: LimitsPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operationName, request }) {
          const principal = contextValue.principal;
          if (!principal) throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'an API key is required: send Authorization: Bearer <key>', { http: httpStatus(401) });
          if (isIntrospection(document, operationName) && !options.allowIntrospection(principal)) {
            throw new GatewayError(ErrorCode.FORBIDDEN, 'introspection needs the internal role', { reason: 'INTROSPECTION', http: httpStatus(403) });
          }
          const cost = operationCost(options.schema, document, operationName, request.variables ?? {});
          contextValue.cost = cost;
          const limit = options.maxCost[principal.role];
          if (cost > limit) {
            throw new GatewayError(ErrorCode.GRAPHQL_VALIDATION_FAILED, `the operation costs ${cost}, over the limit of ${limit} for the ${principal.role} role: ask for fewer rows or fewer generated fields`, {
              reason: 'COST_LIMIT',
              cost,
              maxCost: limit,
              http: httpStatus(400),
            });
          }
          const bucket = options.rateLimits[principal.role];
          if (!bucket) return;
          const taken = await options.store.take(principal.keyId ?? principal.name, cost, bucket);
          if (taken.allowed) return;
          options.metrics?.rateLimited.inc({ role: principal.role });
          contextValue.outcome = 'rate_limited';
          throw new GatewayError(ErrorCode.RATE_LIMITED, `rate limit reached for this key: retry in ${taken.retryAfterSeconds} s`, {
            retryAfter: taken.retryAfterSeconds,
            http: httpStatus(429, [['retry-after', String(taken.retryAfterSeconds)]]),
          });
        },
      };
    },
  };
}
