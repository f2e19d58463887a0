import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type ValidationRule } from 'graphql';
import type { Config } from '../config.js';
import { findPageSizeError } from './page-size.js';

/**
 * Reports armor's cost refusal as armor itself would (its Apollo default),
 * unless a page size in the document is out of range: then the limits
 * check refuses the whole document (any operation's page size counts, as
 * armor does not say which operation it priced), so nothing runs unpriced.
 */
function reportCostUnlessPageSize(
  context: { getDocument(): DocumentNode; reportError(error: GraphQLError): void } | null,
  error: GraphQLError,
): void {
  if (!context || findPageSizeError(context.getDocument())) return;
  context.reportError(new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT' } }));
}

/**
 * graphql-armor with our limits. Pinned at 3.2.0, whose cost-limit (2.4.3)
 * and max-depth (2.4.2) carry the fixes for the published bypasses
 * (GHSA-733v-p3h5-qpq7: introspection-named fragments and operations skipped
 * by cost-limit; the max-depth fragment-cache bypass). Introspection is still
 * exempt from depth and cost here because it is refused outright, by role,
 * in the limits plugin.
 *
 * Armor's cost-limit is the structural guard that runs during validation
 * (before anything executes), with its own field-count model; the
 * generation-aware model of cost.ts runs right after, per role. Both share
 * the largest MAX_COST so that armor never refuses what a role may run.
 * Limits are not echoed to clients (exposeLimits false). MAX_TOKENS is
 * enforced by graphql-js itself (see below).
 *
 * Armor's cost multiplies by a literal `first`, so `first: 10000` would be
 * refused here as too costly while `first: 101` reaches the page-size check:
 * its refusal is dropped for a document with a page size out of range, which
 * the limits check (run next, before anything executes) refuses as
 * PAGE_SIZE_OUT_OF_RANGE whatever the size.
 */
export function armorProtection(config: Pick<Config, 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxCost'>): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
} {
  const maxCost = Math.max(...Object.values(config.maxCost));
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: {
      n: config.maxDepth,
      exposeLimits: false,
      flattenFragments: true,
      errorMessage: 'Query depth limit exceeded.',
    },
    // armor lets aliases of __typename through by default; here every alias counts.
    maxAliases: { n: config.maxAliases, exposeLimits: false, errorMessage: 'Too many aliases.', allowList: [] },
    maxDirectives: { n: config.maxDirectives, exposeLimits: false, errorMessage: 'Too many directives.' },
    // Tokens are limited by graphql-js's own parser (Apollo `parseOptions.maxTokens`, see server.ts):
    // armor's Apollo token plugin re-parses and its syntax errors reach clients as HTTP 500.
    maxTokens: { enabled: false },
    costLimit: {
      maxCost,
      exposeLimits: false,
      errorMessage: 'Query cost limit exceeded.',
      propagateOnRejection: false,
      onReject: [reportCostUnlessPageSize],
    },
    blockFieldSuggestion: { enabled: true },
  }).protect();
  // Armor's typings point at Apollo's CommonJS build; the plugin objects are the same shape.
  return { plugins: plugins as unknown as ApolloServerPlugin[], validationRules };
}
