/**
 * The gateway's shutdown, in order: turn new work away, let the work in
 * flight finish within the grace period, close the listeners, then what they
 * served from (rate limits, Apollo, services with their providers, tracing,
 * the database last).
 */
import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import type { GatewayContext } from './context.js';
import type { InFlight } from './http/in-flight.js';
import type { RateLimitStore } from './limits/rate-limit.js';
import type { GatewayTracing } from './observability/tracing.js';
import type { Services } from './services.js';
import type { Storage } from './storage/types.js';

export interface ShutdownParts {
  logger: Logger;
  /** SHUTDOWN_GRACE_MS: how long requests and subscriptions in flight may finish. */
  graceMs: number;
  inFlight: InFlight;
  /** Called first: from then on /readyz answers 503 and new requests, sockets and operations get SHUTTING_DOWN. */
  startDraining: () => void;
  subscriptions: { close(): Promise<void> };
  httpServer: http.Server;
  metricsServer: http.Server | null;
  rateLimitStore: RateLimitStore;
  apollo: ApolloServer<GatewayContext>;
  services: Pick<Services, 'close'>;
  tracing: Pick<GatewayTracing, 'close'>;
  storage: Pick<Storage, 'close'>;
}

/** Drains and closes everything; the listener stays open meanwhile, so probes and the work in flight are still served. */
export async function drainAndClose(parts: ShutdownParts): Promise<void> {
  const { logger, graceMs, inFlight } = parts;
  parts.startDraining();
  logger.info({ inFlight: inFlight.size, graceMs }, 'draining');
  if (!(await finishesWithin(inFlight, graceMs)))
    logger.warn(
      { graceMs, inFlight: inFlight.size },
      'shutdown grace period over: cutting the requests still in flight',
    );
  // Sockets still open are closed with 1001 (going away): clients reconnect to another replica.
  await parts.subscriptions.close();
  const closed = new Promise<void>((resolve) => parts.httpServer.close(() => resolve()));
  parts.httpServer.closeAllConnections();
  await closed;
  const metricsServer = parts.metricsServer;
  if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
  await parts.rateLimitStore.close();
  await parts.apollo.stop();
  await parts.services.close();
  // After the providers: every span has ended, and the batch processor flushes them all.
  await parts.tracing.close();
  await parts.storage.close();
}

/** True when nothing is in flight any more before `graceMs` is up. */
async function finishesWithin(inFlight: InFlight, graceMs: number): Promise<boolean> {
  let grace: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(false), graceMs)));
  try {
    return await Promise.race([inFlight.idle().then(() => true), expired]);
  } finally {
    clearTimeout(grace);
  }
}
