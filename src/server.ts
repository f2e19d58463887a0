import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { startApollo } from './apollo.js';
import { loadConfig, type Config, type ConfigInput } from './config.js';
import { createLogger } from './logger.js';
import { openStorage } from './storage/index.js';
import type { Storage } from './storage/types.js';
import { createLoaders, type GatewayContext } from './context.js';
import { createServices, type Services } from './services.js';
import { createGraphQLHandler } from './http/graphql-handler.js';
import { loadTrustedDocuments, type TrustedDocumentsPolicy } from './http/trusted-documents.js';
import { createRouteTable } from './http/routes.js';
import { seedIfEmpty } from './seed.js';
import { attachSubscriptionServer } from './http/subscriptions.js';
import { InFlight } from './http/in-flight.js';
import { prepareAuthentication } from './auth/setup.js';
import type { Authenticator, AuthResult } from './auth/api-keys.js';
import type { Principal } from './auth/roles.js';
import { armorProtection } from './limits/armor.js';
import { generationBudget } from './limits/generation-budget.js';
import type { OperationLimitsOptions } from './limits/operation-limits.js';
import { MemoryRateLimitStore, type RateLimitStore } from './limits/rate-limit.js';
import { RedisRateLimitStore } from './limits/redis-rate-limit.js';
import { connectRedis } from './redis.js';
import { GatewayMetrics } from './observability/metrics.js';
import { metricSources, startMetricsServer } from './http/metrics-endpoint.js';
import { meteredRouter, meteredSource, meteredStorage } from './observability/metered.js';
import { tracedSource } from './observability/traced.js';
import { startTracing, type GatewayTracing } from './observability/tracing.js';
import { createInProcessPubSub } from './pubsub.js';
import { drainAndClose, type ShutdownParts } from './shutdown.js';
import { ProgressWatchdog } from './http/liveness.js';
import { readiness } from './http/readiness.js';

export interface GatewayServer {
  config: Config;
  url: string;
  port: number;
  httpServer: http.Server;
  storage: Storage;
  services: Services;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Port of the separate /metrics listener (METRICS_PORT), when there is one. */
  metricsPort: number | null;
  /** True from the moment close() is called: /readyz answers 503. */
  readonly draining: boolean;
  /** Stops accepting, finishes in-flight requests, closes providers and the database. */
  close(): Promise<void>;
}

export interface CreateServerOptions {
  /** The GraphQL schema to serve (schema/index.ts builds it from the resolvers). Required: src/ knows no resolver. */
  schema: GraphQLSchema;
  /** A pino logger to use instead of one built from config (tests pass one that writes to a file). */
  logger?: Logger;
  /** Listen after building (default true). */
  listen?: boolean;
  /** Clock in ms of the experiments (roll-up buckets, Thompson epochs), for simulations. Default Date.now. */
  clock?: () => number;
}

/** What the HTTP side serves from, opened in this order (drainAndClose closes them, the database last). */
interface Core {
  storage: Storage;
  authenticator: Authenticator;
  metrics: GatewayMetrics;
  tracing: GatewayTracing;
  services: Services;
}

/** What the HTTP side's parts read: the core, and the server's own bookkeeping of requests and of its drain. */
interface Served extends Core {
  config: Config;
  logger: Logger;
  rateLimitStore: RateLimitStore;
  authenticate: (header: string | undefined) => Promise<AuthResult>;
  /** HTTP GraphQL requests and running graphql-ws operations: what a drain waits for. */
  inFlight: InFlight;
  /** True from the moment close() is called. */
  draining: () => boolean;
}

/** Builds a request's context (HTTP and graphql-ws alike). */
type MakeContext = (base: { requestId: string; signal: AbortSignal; principal: Principal }) => GatewayContext;

/**
 * Builds the whole gateway around a schema: config, storage, services and
 * the HTTP server. schema/index.ts's createGateway calls it with the
 * gateway's schema, for src/index.ts and the integration tests (port 0).
 */
export async function createServer(
  configInput: Partial<ConfigInput>,
  options: CreateServerOptions,
): Promise<GatewayServer> {
  const config = loadConfig(configInput);
  // Read before anything is opened: a bad manifest fails the start as a bad setting does.
  const trustedDocuments = {
    manifest: loadTrustedDocuments(config.trustedDocumentsManifest),
    modes: config.trustedDocuments,
  };
  const logger = options.logger ?? createLogger(config);
  const core = await openCore(config, logger, options.clock);
  const rateLimitStore = openRateLimitStore(config, logger);
  const authenticate = (header: string | undefined) => core.authenticator.authenticate(header);
  warnWithoutNodeEnv(config, logger);
  let draining = false;
  const inFlight = new InFlight();
  const served: Served = { ...core, config, logger, rateLimitStore, authenticate, inFlight, draining: () => draining };
  const { schema } = options;
  const { apollo, armor, limits } = await startGraphQL(served, schema);
  const makeContext = contextFactory(served);
  const metricsServer =
    config.metricsPort !== undefined ? await startMetricsServer(config.metricsPort, config.host, core.metrics) : null;
  const routes = routeTable(served, { apollo, makeContext, trustedDocuments, metricsOnMainPort: !metricsServer });
  const httpServer = http.createServer(routes);
  httpServer.keepAliveTimeout = 65_000;
  const subscriptions = attachSubscriptionServer({
    httpServer,
    schema,
    makeContext,
    authenticate,
    maxPayloadBytes: config.maxBodyBytes,
    documentRules: { maxTokens: config.maxTokens, validationRules: armor.validationRules },
    limits,
    tracing: core.tracing,
    inFlight,
    draining: () => draining,
  });
  if (options.listen !== false) await listen(httpServer, config);
  const startDraining = () => (draining = true);
  return serverHandle(served, { httpServer, metricsServer, subscriptions, apollo, startDraining });
}

/** Says so when NODE_ENV is unset, which gets production's exposure. */
function warnWithoutNodeEnv(config: Config, logger: Logger): void {
  if (config.nodeEnv !== undefined) return;
  logger.warn(
    'NODE_ENV is not set: introspection only for the internal role and unexpected errors masked, as in production. Set NODE_ENV=production in a deployment, development on a workstation.',
  );
}

/** Apollo, started with armor and the operation limits; the armor and limits are returned for graphql-ws too. */
async function startGraphQL({ config, logger, metrics, rateLimitStore }: Served, schema: GraphQLSchema) {
  const armor = armorProtection(config);
  // One set of limits for HTTP (limitsPlugin) and graphql-ws (attachSubscriptionServer).
  const limits: OperationLimitsOptions = {
    schema,
    maxCost: config.maxCost,
    rateLimits: config.rateLimits,
    store: rateLimitStore,
    allowIntrospection: (p) => config.nodeEnv === 'development' || p.role === 'internal',
    metrics,
  };
  // A deployment that forgot NODE_ENV gets production's exposure (unexpected errors masked): only an explicit development (or test) shows more.
  const exposeInternals = config.nodeEnv === 'development' || config.nodeEnv === 'test';
  const apollo = await startApollo({ schema, logger, armor, limits, maxTokens: config.maxTokens, exposeInternals });
  return { apollo, armor, limits };
}

/** The per-request context: loaders, generation and event budgets of the key, and a logger that names it. */
function contextFactory({ config, logger, storage, services, rateLimitStore }: Served): MakeContext {
  return ({ requestId, signal, principal }) => {
    const warnings: string[] = [];
    const generations = generationBudget(rateLimitStore, config.generationRateLimits, principal);
    const requestedBy = { name: principal.name, role: principal.role };
    // The key's name (never the key) rides on every log line of the request.
    return {
      requestId,
      signal,
      principal,
      logger: logger.child({ requestId, keyName: principal.name }),
      storage,
      services,
      warnings,
      report: {},
      events: generationBudget(rateLimitStore, config.eventRateLimits, principal, 'events'),
      loaders: createLoaders(storage, services, { warnings, signal, generations, payer: principal, requestedBy }),
    };
  };
}

/** What the route table needs from the Apollo setup and the start, besides the served parts. */
interface GraphQLRoute {
  apollo: ApolloServer<GatewayContext>;
  makeContext: MakeContext;
  trustedDocuments: TrustedDocumentsPolicy;
  /** False when /metrics has its own listener (METRICS_PORT). */
  metricsOnMainPort: boolean;
}

/** The HTTP route table: GraphQL, health, readiness and liveness, metrics, the playground and the review page. */
function routeTable(served: Served, graphql: GraphQLRoute): http.RequestListener {
  const { config, logger, metrics, tracing, storage, services, authenticate, inFlight, draining } = served;
  const handleGraphQL = createGraphQLHandler({
    apollo: graphql.apollo,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    makeContext: graphql.makeContext,
    authenticate,
    metrics,
    tracing,
    trustedDocuments: graphql.trustedDocuments,
  });
  const sources = metricSources(services, {
    localQueueCapacity: config.localMaxQueue,
    ready: async () => (await readiness({ storage, registry: services.registry, draining })).ready,
  });
  metrics.setSources(sources);
  // Liveness fails only for a local model that has work and makes no progress (stuck), never for one that is busy.
  const watchdog = new ProgressWatchdog({ stats: () => sources.localStats(), stuckAfterMs: config.stuckAfterMs });
  // Outside production the page is served; what it can show still depends on the key it is given (introspection by role).
  const playground = config.playground ?? config.nodeEnv !== 'production';
  return createRouteTable({
    handleGraphQL,
    authenticate,
    metrics,
    metricsOnMainPort: graphql.metricsOnMainPort,
    playground,
    reviewPage: config.reviewPage,
    storage,
    registry: services.registry,
    draining,
    inFlight,
    alerts: services.alerts,
    watchdog,
    stuckAfterMs: config.stuckAfterMs,
    logger,
  });
}

/** What createServer returns: where it listens, and a close() that drains then closes every part, once. */
function serverHandle(
  served: Served,
  listening: Pick<ShutdownParts, 'httpServer' | 'metricsServer' | 'subscriptions' | 'apollo' | 'startDraining'>,
): GatewayServer {
  const { config, logger, storage, services, metrics, tracing, inFlight, rateLimitStore } = served;
  const { httpServer, metricsServer } = listening;
  const port = (httpServer.address() as AddressInfo | null)?.port ?? config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const shutdown: ShutdownParts = {
    ...listening,
    logger,
    graceMs: config.shutdownGraceMs,
    inFlight,
    rateLimitStore,
    services,
    tracing,
    storage,
  };
  let closing: Promise<void> | undefined;
  return {
    config,
    url: `http://${host}:${port}`,
    port,
    httpServer,
    storage,
    services,
    logger,
    metrics,
    metricsPort: metricsServer ? (metricsServer.address() as AddressInfo).port : null,
    get draining() {
      return served.draining();
    },
    close: () => (closing ??= drainAndClose(shutdown)),
  };
}

/** Storage (seeded when empty), authentication, metrics, tracing and the services; what is open already is closed when a later step fails. */
async function openCore(config: Config, logger: Logger, clock?: () => number): Promise<Core> {
  const storage = await openStorage(config);
  if (config.seedCatalog) await seedIfEmpty(storage.catalog, logger);
  let authenticator;
  try {
    authenticator = await prepareAuthentication(config, storage.apiKeys, logger);
  } catch (error) {
    await storage.close();
    throw error;
  }
  const metrics = new GatewayMetrics();
  // Loads the OpenTelemetry SDK only with OTEL_EXPORTER_OTLP_ENDPOINT set.
  const tracing = await startTracing({
    endpoint: config.otelExporterOtlpEndpoint,
    serviceName: config.otelServiceName,
  });
  let services: Services;
  try {
    services = await createServices(config, meteredStorage(storage, metrics), logger, {
      // One per server: job progress is published here and read by the jobProgress subscriptions.
      pubSub: createInProcessPubSub(),
      ...(clock ? { clock } : {}),
      source: (source) => tracedSource(meteredSource(source, metrics), tracing),
      router: (router) => meteredRouter(router, metrics),
      budgetRefused: (refusal) => metrics.budgetRefused.inc({ scope: refusal.rule.scope, period: refusal.rule.period }),
      budgetCharged: (role, usd) => metrics.budgetCharged.inc({ role }, usd),
      verdict: (provider, model, verdict) => metrics.verdicts.inc({ provider, model, verdict }),
    });
  } catch (error) {
    // A provider that does not load (or a bad fact-check vocabulary) stops the start; what is open already is closed, so nothing is left holding the database.
    await tracing.close();
    await storage.close();
    throw error;
  }
  return { storage, authenticator, metrics, tracing, services };
}

/** With Redis, one bucket per key across every replica; during a Redis outage, per-process buckets (warned at most every 10 s). */
function openRateLimitStore(config: Config, logger: Logger): RateLimitStore {
  if (!config.redisUrl) return new MemoryRateLimitStore();
  let warnedAt = 0;
  return new RedisRateLimitStore({
    client: connectRedis({ url: config.redisUrl, name: 'stylesprint-ratelimit' }),
    prefix: config.redisPrefix,
    onError: (error) => {
      if (Date.now() - warnedAt < 10_000) return;
      warnedAt = Date.now();
      logger.warn({ err: error }, 'rate limits: Redis unavailable, using per-process buckets');
    },
  });
}

function listen(httpServer: http.Server, config: Pick<Config, 'port' | 'host'>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
}
