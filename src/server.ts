import 'reflect-metadata';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import { loadConfig, type Config, type ConfigInput } from './config.js';
import { createLogger } from './logger.js';
import { openStorage } from './storage/index.js';
import type { Storage } from './storage/types.js';
import { createLoaders, type GatewayContext } from './context.js';
import { createServices, type Services } from './services.js';
import { buildGatewaySchema } from './schema.js';
import { createFormatError } from './errors/index.js';
import { requestPlugin } from './apollo-plugins.js';
import { createGraphQLHandler } from './http/graphql-handler.js';
import { sendJson } from './http/respond.js';
import { servePlayground, servePlaygroundAsset } from './http/playground.js';
import { seedIfEmpty } from './seed.js';

export interface GatewayServer {
  config: Config;
  url: string;
  port: number;
  httpServer: http.Server;
  storage: Storage;
  services: Services;
  logger: Logger;
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
export async function createServer(configInput: Config | Partial<ConfigInput> = {}, options: CreateServerOptions = {}): Promise<GatewayServer> {
  const config = isConfig(configInput) ? configInput : loadConfig(configInput);
  const logger = options.logger ?? createLogger(config);
  const storage = await openStorage(config);
  await seedIfEmpty(storage, logger);
  const services = createServices(config, storage);
  const development = config.nodeEnv !== 'production';

  const apollo = new ApolloServer<GatewayContext>({
    schema: await buildGatewaySchema(),
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    introspection: development || config.playground === true,
    includeStacktraceInErrorResponses: false,
    formatError: createFormatError({ logger, exposeInternals: development }),
    plugins: [requestPlugin()],
    logger: { debug: () => {}, info: () => {}, warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
  });
  await apollo.start();

  let draining = false;
  const handleGraphQL = createGraphQLHandler({
    apollo,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    makeContext: ({ requestId, signal }) => ({
      requestId,
      signal,
      logger: logger.child({ requestId }),
      storage,
      services,
      loaders: createLoaders(storage),
      warnings: [],
    }),
  });

  const playgroundEnabled = config.playground ?? development;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/graphql') {
      if (req.method !== 'POST' && req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET, POST' }).end();
        return;
      }
      return handleGraphQL(req, res, url.search);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET' });
      return;
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
    if (path === '/readyz') {
      const database = storage.isOpen();
      const ready = database && !draining;
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : draining ? 'draining' : 'not_ready', checks: { database } });
    }
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
    close() {
      closing ??= (async () => {
        draining = true;
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeIdleConnections();
        });
        await apollo.stop();
        await storage.close();
      })();
      return closing;
    },
  };
}

function isConfig(value: Config | Partial<ConfigInput>): value is Config {
  return Object.isFrozen(value) || (value as { __validated?: boolean }).__validated === true;
}
