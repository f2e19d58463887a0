import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { Storage, ProductRecord } from './storage/types.js';
import type { Services } from './services.js';
import type { Principal } from './auth/roles.js';
import type { GenerationBudget } from './limits/generation-budget.js';
import { createDescriptionLoader, type DescriptionLoaderContext } from './descriptions/description.loader.js';
import { createAssignmentLoader } from './experiments/assignment.loader.js';

/** Per-request loaders: created for each request, so nothing cached leaks between requests. */
export interface Loaders {
  productById: DataLoader<string, ProductRecord | null>;
  description: ReturnType<typeof createDescriptionLoader>;
  /** The experiment variant each (product, session) read is served. */
  assignment: ReturnType<typeof createAssignmentLoader>;
}

/** What every resolver receives. One per GraphQL request (or subscription). */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  storage: Storage;
  services: Services;
  loaders: Loaders;
  /** Warnings collected while resolving; sent in `extensions.warnings`. */
  warnings: string[];
  /** Aborted when the client goes away or the request times out. */
  signal: AbortSignal;
  /** Who is calling (authenticated once per request or socket); null only before authentication. */
  principal?: Principal | null;
  /**
   * What plugins and resolvers report back for the request's log line and
   * metrics. An object held by reference: Apollo hands plugins and resolvers
   * a shallow copy of the context, and the copy shares it.
   */
  report: RequestReport;
  /** The caller's event bucket (EVENT_RATE_LIMITS), charged per event by recordEvents. */
  events?: GenerationBudget;
}

export interface RequestReport {
  /** Set once the operation is resolved. */
  operationName?: string | null;
  /** Outcome label for logs and metrics, when not plain 'ok'. */
  outcome?: string;
  /** The operation's cost under src/limits/cost.ts, once resolved. */
  cost?: number;
}

export function createLoaders(storage: Storage, services: Services, request: DescriptionLoaderContext): Loaders {
  return {
    productById: new DataLoader((ids) => storage.catalog.productsByIds(ids)),
    description: createDescriptionLoader(services.descriptions, request),
    assignment: createAssignmentLoader(services.experiments),
  };
}
