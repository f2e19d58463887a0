import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { Storage, ProductRecord } from './storage/types.js';
import type { Services } from './services.js';
import type { Principal } from './auth/roles.js';
import { createDescriptionLoader, type DescriptionLoaderContext } from '../schema/description/description.loader.js';

/** Per-request loaders: created for each request, so nothing cached leaks between requests. */
export interface Loaders {
  productById: DataLoader<string, ProductRecord | null>;
  description: ReturnType<typeof createDescriptionLoader>;
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
  /** Set once the operation is resolved, for the request log line. */
  operationName?: string | null;
  /** Outcome label for logs and metrics, when not plain 'ok'. */
  outcome?: string;
  /** Who is calling (authenticated once per request or socket); null only before authentication. */
  principal?: Principal | null;
  /** The operation's cost under src/limits/cost.ts, once resolved. */
  cost?: number;
}

export function createLoaders(storage: Storage, services: Services, request: DescriptionLoaderContext): Loaders {
  return {
    productById: new DataLoader((ids) => storage.productsByIds(ids)),
    description: createDescriptionLoader(services.descriptions, request),
  };
}
