import 'reflect-metadata';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import { loadConfig, type Config, type ConfigInput } from './config.js';
import { createLogger } from './logger.js';
import { openStorage } from './storage/index.js';
import type { Storage } from './storage/types.js';
import { createLoaders, type GatewayContext } from './context.js';
import { createServices, type Services } from './services.js';
import { buildGatewaySchema } from './schema.js';
import { createFormatError, ErrorCode } from './errors/index.js';
import { requestPlugin } from './apollo-plugins.js';
import { createGraphQLHandler } from './http/graphql-handler.js';
import { sendGraphQLError, sendJson } from './http/respond.js';
import { servePlayground, servePlaygroundAsset } from './http/playground.js';
import { serveFavicon } from './http/favicon.js';
import { seedIfEmpty } from './seed.js';
import { attachSubscriptionServer } from './http/subscriptions.js';
import { InFlight } from './http/in-flight.js';
import { prepareAuthentication } from './auth/setup.js';
import { roleAllows, type Principal } from './auth/roles.js';
import { armorProtection } from './limits/armor.js';
import { generationBudget } from './limits/generation-budget.js';
import { limitsPlugin } from './limits/limits.plugin.js';
import type { OperationLimitsOptions } from './limits/operation-limits.js';
import { MemoryRateLimitStore, type RateLimitStore } from './limits/rate-limit.js';
import { RedisRateLimitStore } from './limits/redis-rate-limit.js';
import { connectRedis } from './redis.js';
import { GatewayMetrics } from './observability/metrics.js';
import { metricSources, serveMetrics, startMetricsServer } from './http/metrics-endpoint.js';
import { meteredRouter, meteredSource, meteredStorage } from '../providers/metered.js';
import { tracedSource } from '../providers/traced.js';
import { startTracing } from './observability/tracing.js';

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
  /** A pino logger to use instead of one built from config (tests pass one that writes to a file). */
  logger?: Logger;
  /** Listen after building (default true). */
  listen?: boolean;
}

/**
 * Builds the whole gateway: config, storage, services, schema and the HTTP
 * server. Used by src/index.ts and by the integration tests (port 0).
 */
export async function createServer(configInput: Partial<ConfigInput> = {}, options: CreateServerOptions = {}): Promise<GatewayServer> {
  const config = loadConfig(configInput);
  const logger = options.logger ?? createLogger(config);
  const storage = await openStorage(config);
  if (config.seedCatalog) await seedIfEmpty(storage, logger);
  let authenticator;
  try {
    authenticator = await prepareAuthentication(config, storage, logger);
  } catch (error) {
    await storage.close();
    throw error;
  }
  const metrics = new GatewayMetrics();
  // Loads the OpenTelemetry SDK only with OTEL_EXPORTER_OTLP_ENDPOINT set.
  const tracing = await startTracing({ endpoint: config.otelExporterOtlpEndpoint, serviceName: config.otelServiceName });
  let services: Services;
  try {
    services = await createServices(config, meteredStorage(storage, metrics), logger, {
      source: (source) => tracedSource(meteredSource(source, metrics), tracing),
      router: (router) => meteredRouter(router, metrics),
    });
  } catch (error) {
    // A provider that does not load (or a bad fact-check vocabulary) stops the start; what is open already is closed, so nothing is left holding the database.
    await tracing.close();
    await storage.close();
    throw error;
  }
  metrics.setSources(metricSources(services));
  // With Redis, one bucket per key across every replica; during a Redis outage, per-process buckets (warned at most every 10 s).
  let rateLimitWarnedAt = 0;
  const rateLimitStore: RateLimitStore = config.redisUrl
    ? new RedisRateLimitStore({
        client: connectRedis({ url: config.redisUrl, name: 'stylesprint-ratelimit' }),
        prefix: config.redisPrefix,
        onError: (error) => {
          if (Date.now() - rateLimitWarnedAt < 10_000) return;
          rateLimitWarnedAt = Date.now();
          logger.warn({ err: error }, 'rate limits: Redis unavailable, using per-process buckets');
        },
      })
    : new MemoryRateLimitStore();
  const authenticate = (header: string | undefined) => authenticator.authenticate(header);
  // A deployment that forgot NODE_ENV gets production's exposure (introspection for the internal role only,
  // unexpected errors masked) while keeping development's open mode without keys: only an explicit
  // development (or test) shows more.
  const exposeInternals = config.nodeEnv === 'development' || config.nodeEnv === 'test';
  if (config.nodeEnv === undefined) {
    logger.warn('NODE_ENV is not set: introspection only for the internal role and unexpected errors masked, as in production. Set NODE_ENV=production in a deployment, development on a workstation.');
  }

  const schema = await buildGatewaySchema();
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
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Introspection is decided per request by role in limitsPlugin (development, or the internal role).
    introspection: true,
    validationRules: armor.validationRules,
    // MAX_TOKENS: graphql-js stops parsing past it, answered GRAPHQL_PARSE_FAILED (400).
    parseOptions: { maxTokens: config.maxTokens },
    includeStacktraceInErrorResponses: false,
    // Apollo's own SIGTERM handler (on unless NODE_ENV=test) stops it and re-sends the
    // signal, killing the process mid-drain: src/index.ts owns the signals and close() drains.
    stopOnTerminationSignals: false,
    formatError: createFormatError({ logger, exposeInternals }),
    plugins: [
      // No field carries a cache hint and every answer is for one key, so the
      // handler sends `cache-control: no-store` itself; the cache-control
      // plugin wrapped every field resolver to work out the same header
      // (closed loop at 4 connections: about 12% less CPU per request without it).
      ApolloServerPluginCacheControlDisabled(),
      requestPlugin(),
      ...(armor.plugins as Array<ApolloServerPlugin<GatewayContext>>),
      limitsPlugin(limits),
    ],
    logger: { debug: () => {}, info: () => {}, warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
  });
  await apollo.start();

  let draining = false;
  // HTTP GraphQL requests and running graphql-ws operations: what a drain waits for.
  const inFlight = new InFlight();
  const makeContext = ({ requestId, signal, principal }: { requestId: string; signal: AbortSignal; principal: Principal }): GatewayContext => {
    const warnings: string[] = [];
    // The key's name (never the key) rides on every log line of the request.
    const generations = generationBudget(rateLimitStore, config.generationRateLimits, principal);
    const requestedBy = { name: principal.name, role: principal.role };
    return { requestId, signal, principal, logger: logger.child({ requestId, keyName: principal.name }), storage, services, warnings, loaders: createLoaders(storage, services, { warnings, signal, generations, requestedBy }) };
  };
  const handleGraphQL = createGraphQLHandler({
    apollo,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    makeContext,
    authenticate,
    metrics,
    tracing,
  });
  const metricsServer = config.metricsPort !== undefined ? await startMetricsServer(config.metricsPort, config.host, metrics) : null;

  // Outside production the page is served; what it can show still depends on the key it is given (introspection by role).
  const playgroundEnabled = config.playground ?? config.nodeEnv !== 'production';

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/graphql') {
      if (req.method !== 'POST' && req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET, POST' }).end();
        return;
      }
      if (draining) {
        // New work goes to another replica; the requests already running finish.
        res.setHeader('connection', 'close');
        return sendGraphQLError(res, 503, ErrorCode.SHUTTING_DOWN, 'the gateway is shutting down: retry', { retryable: true });
      }
      const leave = inFlight.enter();
      try {
        return await handleGraphQL(req, res, url.search);
      } finally {
        leave();
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET' });
      return;
    }
    if (path === '/metrics' && !metricsServer) {
      // On the main port, metrics need an internal key (or open mode): they describe traffic and providers.
      const auth = await authenticate(typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined);
      if (!auth.ok) return sendJson(res, 401, { error: 'an internal API key is required' });
      if (!roleAllows(auth.principal.role, 'internal')) return sendJson(res, 403, { error: 'metrics need the internal role' });
      return serveMetrics(res, metrics);
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
    if (path === '/readyz') {
      // A Hub model (LOCAL_MODEL) loads after the server listens: until it has, the replica is not ready and says why.
      const database = storage.isOpen();
      const loading = await services.registry.loading();
      const ready = database && !draining && loading.length === 0;
      const providers = services.registry.generatorIds();
      const reason = loading.map((p) => `${p.id}: ${p.status}`).join('; ');
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : draining ? 'draining' : 'not_ready', ...(reason ? { reason } : {}), checks: { database, providers } });
    }
    if (path === '/favicon.ico') return serveFavicon(res);
    if (playgroundEnabled && (path === '/playground' || path === '/playground/')) return servePlayground(res);
    if (playgroundEnabled && path.startsWith('/playground/assets/') && servePlaygroundAsset(path.slice('/playground/assets/'.length), res)) return;
    sendJson(res, 404, { error: 'not found' });
  }

  const httpServer = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'unhandled error in HTTP handler');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal' });
      else res.destroy();
    });
  });
  httpServer.keepAliveTimeout = 65_000;
  const subscriptions = attachSubscriptionServer({
    httpServer,
    schema,
    makeContext,
    authenticate,
    maxPayloadBytes: config.maxBodyBytes,
    documentRules: { maxTokens: config.maxTokens, validationRules: armor.validationRules },
    limits,
    tracing,
    inFlight,
    draining: () => draining,
  });

  if (options.listen !== false) {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  }
  const address = httpServer.address() as AddressInfo | null;
  const port = address?.port ?? config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

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
      return draining;
    },
    close() {
      closing ??= (async () => {
        // /readyz answers 503 from now on, new GraphQL requests and graphql-ws sockets and
        // operations are turned away (SHUTTING_DOWN), while the listener stays open so probes
        // and the work in flight (requests and running subscriptions) are still served.
        draining = true;
        logger.info({ inFlight: inFlight.size, graceMs: config.shutdownGraceMs }, 'draining');
        const finished = inFlight.idle().then(() => true);
        let grace: NodeJS.Timeout | undefined;
        const expired = new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(false), config.shutdownGraceMs)));
        if (!(await Promise.race([finished, expired]))) logger.warn({ graceMs: config.shutdownGraceMs, inFlight: inFlight.size }, 'shutdown grace period over: cutting the requests still in flight');
        clearTimeout(grace);
        // Sockets still open are closed with 1001 (going away): clients reconnect to another replica.
        await subscriptions.close();
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeAllConnections();
        await closed;
        if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        await rateLimitStore.close();
        await apollo.stop();
        await services.close();
        // After the providers: every span has ended, and the batch processor flushes them all.
        await tracing.close();
        await storage.close();
      })();
      return closing;
    },
  };
}
