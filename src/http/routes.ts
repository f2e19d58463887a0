/**
 * The HTTP route table of the main port: /graphql (GraphQL over HTTP; the
 * graphql-ws upgrade on the same path is the subscription server's),
 * Alertmanager's webhook (/internal/alerts), health and readiness probes,
 * /metrics when no METRICS_PORT takes it, the favicon, the playground and
 * the review page.
 * Shared by every request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AlertActions } from '../alerts/actions.js';
import type { AuthResult } from '../auth/api-keys.js';
import { roleAllows } from '../auth/roles.js';
import { ErrorCode } from '../errors/index.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Services } from '../services.js';
import type { Storage } from '../storage/types.js';
import { serveAlertWebhook } from './alerts-endpoint.js';
import { serveFavicon } from './favicon.js';
import type { InFlight } from './in-flight.js';
import type { ProgressWatchdog } from './liveness.js';
import { serveMetrics } from './metrics-endpoint.js';
import { servePlayground, servePlaygroundAsset } from './playground.js';
import { readiness } from './readiness.js';
import { serveExperimentsPage, serveReviewAsset, serveReviewPage } from './review-page.js';
import { sendGraphQLError, sendJson } from './respond.js';

export interface RouteTableOptions {
  /** Runs one GraphQL request (http/graphql-handler.ts). */
  handleGraphQL: (req: IncomingMessage, res: ServerResponse, search: string) => Promise<void>;
  authenticate: (authorization: string | undefined) => Promise<AuthResult>;
  metrics: GatewayMetrics;
  /** Serve /metrics here (behind an internal key); false when METRICS_PORT has its own listener. */
  metricsOnMainPort: boolean;
  /** Serve the playground page and its assets. */
  playground: boolean;
  /** Serve the review page (/review) and its assets. */
  reviewPage: boolean;
  storage: Pick<Storage, 'isOpen'>;
  registry: Pick<Services['registry'], 'loading' | 'generatorIds'>;
  /** True once close() began: GraphQL is refused, /readyz answers 503. */
  draining: () => boolean;
  /** Counts GraphQL requests for the drain. */
  inFlight: InFlight;
  /** What Alertmanager's webhook acts on. */
  alerts: AlertActions;
  /** Tells a stuck local model from a busy one, for /healthz. */
  watchdog: Pick<ProgressWatchdog, 'stuck'>;
  /** How long work without a forward pass counts as stuck (STUCK_AFTER_MS), for /healthz's reason, ms. */
  stuckAfterMs: number;
  logger: Logger;
}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** The request listener of the main port. */
export function createRouteTable(options: RouteTableOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = getRoutes(options);
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/graphql') return graphql(options, req, res, url.search);
    if (path === '/internal/alerts') return alertWebhook(options, req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET' });
    const exact = routes.get(path);
    if (exact) return exact(req, res);
    if (
      options.playground &&
      path.startsWith('/playground/assets/') &&
      servePlaygroundAsset(path.slice('/playground/assets/'.length), res)
    )
      return;
    if (
      options.reviewPage &&
      path.startsWith('/review/assets/') &&
      serveReviewAsset(path.slice('/review/assets/'.length), res)
    )
      return;
    sendJson(res, 404, { error: 'not found' });
  }
  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      options.logger.error({ err: error }, 'unhandled error in HTTP handler');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal' });
      else res.destroy();
    });
  };
}

/** GET (and HEAD) routes by exact path. */
function getRoutes(options: RouteTableOptions): Map<string, Route> {
  const routes = new Map<string, Route>([
    ['/healthz', (_req, res) => alive(options, res)],
    ['/readyz', (_req, res) => ready(options, res)],
    ['/favicon.ico', (_req, res) => serveFavicon(res)],
  ]);
  if (options.metricsOnMainPort) routes.set('/metrics', (req, res) => metricsBehindKey(options, req, res));
  if (options.playground)
    for (const path of ['/playground', '/playground/']) routes.set(path, (_req, res) => servePlayground(res));
  if (options.reviewPage)
    for (const path of ['/review', '/review/'])
      routes.set(path, async (_req, res) => serveReviewPage(res, !(await options.authenticate(undefined)).ok));
  if (options.reviewPage)
    routes.set('/review/experiments', async (_req, res) =>
      serveExperimentsPage(res, !(await options.authenticate(undefined)).ok),
    );
  return routes;
}

async function graphql(
  options: RouteTableOptions,
  req: IncomingMessage,
  res: ServerResponse,
  search: string,
): Promise<void> {
  if (req.method !== 'POST' && req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET, POST' }).end();
    return;
  }
  if (options.draining()) {
    // New work goes to another replica; the requests already running finish.
    res.setHeader('connection', 'close');
    return sendGraphQLError(res, 503, ErrorCode.SHUTTING_DOWN, 'the gateway is shutting down: retry', {
      retryable: true,
    });
  }
  const leave = options.inFlight.enter();
  try {
    return await options.handleGraphQL(req, res, search);
  } finally {
    leave();
  }
}

/** On the main port, metrics need an internal key (or open mode): they describe traffic and providers. */
async function metricsBehindKey(options: RouteTableOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const auth = await options.authenticate(
    typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined,
  );
  if (!auth.ok) return sendJson(res, 401, { error: 'an internal API key is required' });
  if (!roleAllows(auth.principal.role, 'internal'))
    return sendJson(res, 403, { error: 'metrics need the internal role' });
  return serveMetrics(res, options.metrics);
}

/** Alertmanager's webhook: POST with an internal key (Alertmanager's http_config sends it), or open mode. */
async function alertWebhook(options: RouteTableOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'POST' });
  const auth = await options.authenticate(
    typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined,
  );
  if (!auth.ok) return sendJson(res, 401, { error: 'an internal API key is required' });
  if (!roleAllows(auth.principal.role, 'internal'))
    return sendJson(res, 403, { error: 'alert webhooks need the internal role' });
  return serveAlertWebhook(req, res, options.alerts);
}

/** Liveness fails only for a local model that has work and makes no progress (stuck), never for one that is busy. */
function alive(options: RouteTableOptions, res: ServerResponse): void {
  const stuck = options.watchdog.stuck();
  const uptimeSeconds = Math.round(process.uptime());
  if (stuck.length)
    return sendJson(res, 503, {
      status: 'stuck',
      reason: `no forward pass for ${options.stuckAfterMs} ms with requests waiting: ${stuck.join(', ')}`,
      uptimeSeconds,
    });
  return sendJson(res, 200, { status: 'ok', uptimeSeconds });
}

async function ready(options: RouteTableOptions, res: ServerResponse): Promise<void> {
  const { ready: ok, body } = await readiness(options);
  return sendJson(res, ok ? 200 : 503, body);
}
