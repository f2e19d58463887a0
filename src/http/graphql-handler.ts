import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import type { Logger } from 'pino';
import type { GatewayContext } from '../context.js';
import type { AuthResult } from '../auth/api-keys.js';
import type { Principal } from '../auth/roles.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { NO_TRACING, type GatewayTracing } from '../observability/tracing.js';
import { ErrorCode } from '../errors/codes.js';
import { BodyError, readBody } from './body.js';
import { sendGraphQLError } from './respond.js';

export interface GraphQLHandlerOptions {
  apollo: ApolloServer<GatewayContext>;
  logger: Logger;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  makeContext: (base: { requestId: string; signal: AbortSignal; req: IncomingMessage; principal: Principal }) => GatewayContext;
  /** Turns the Authorization header into a principal (once per request). */
  authenticate: (authorization: string | undefined) => Promise<AuthResult>;
  /** Request counts and latency by operation and outcome. Default: none. */
  metrics?: GatewayMetrics;
  /** A span per request, parent of the provider spans. Default: NO_TRACING. */
  tracing?: GatewayTracing;
}

function headerMap(req: IncomingMessage): HeaderMap {
  const map = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) map.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return map;
}

const AUTH_MESSAGES: Record<Exclude<AuthResult, { ok: true }>['reason'], string> = {
  missing: 'an API key is required: send Authorization: Bearer <key>',
  malformed: 'the Authorization header must be "Bearer <key>"',
  unknown: 'the API key is not valid',
  revoked: 'the API key has been revoked',
};

/** What plugins and resolvers report back about a request: its operation name, outcome and cost. */
type RequestReport = Pick<GatewayContext, 'operationName' | 'outcome' | 'cost'>;
const REPORTED = ['operationName', 'outcome', 'cost'] as const;

const REPORT = Symbol('report');

/**
 * Apollo hands plugins and resolvers a shallow copy of the context
 * (`Object.assign(Object.create(proto), ctx)`), so a plain property they set
 * never reaches the object we hold. The reported fields are therefore
 * accessors on a prototype shared by every request, writing into a record
 * that both copies hold (the copy takes the symbol-keyed own property along).
 * One class rather than accessors made per request, which gave every
 * request's context a shape of its own.
 */
class ReportingContext {
  declare [REPORT]: RequestReport;
}
for (const key of REPORTED) {
  Object.defineProperty(ReportingContext.prototype, key, {
    get(this: ReportingContext) {
      return this[REPORT][key];
    },
    set(this: ReportingContext, value: never) {
      this[REPORT][key] = value;
    },
    enumerable: false,
    configurable: true,
  });
}

function withReport(context: GatewayContext): { context: GatewayContext; report: RequestReport } {
  const report: RequestReport = {};
  const tracked = Object.assign(new ReportingContext(), context, { [REPORT]: report });
  for (const key of REPORTED) if (Object.hasOwn(tracked, key)) delete (tracked as Partial<GatewayContext>)[key];
  return { context: tracked as unknown as GatewayContext, report };
}

/**
 * Runs one HTTP GraphQL request through Apollo: authentication, our body
 * limits, the request timeout (answered TIMEOUT, 504), one log line with
 * the key's name (never the key) and the request metrics.
 */
export function createGraphQLHandler(options: GraphQLHandlerOptions) {
  const { apollo, logger, maxBodyBytes, requestTimeoutMs, metrics, tracing = NO_TRACING } = options;
  return async (req: IncomingMessage, res: ServerResponse, search: string): Promise<void> => {
    const started = performance.now();
    const requestId = (typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,64}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : undefined) ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    // Every answer is for one key: no shared cache may keep it (errors included).
    res.setHeader('cache-control', 'no-store');
    const span = tracing.startRequest(requestId);
    const controller = new AbortController();
    let timedOut = false;
    let onTimeout: () => void = () => {};
    const timeout = new Promise<'timeout'>((resolve) => (onTimeout = () => resolve('timeout')));
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('request timeout'));
      onTimeout();
    }, requestTimeoutMs);
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
    });
    let context: GatewayContext | undefined;
    let principal: Principal | undefined;
    let outcome = 'ok';
    try {
      const auth = await options.authenticate(typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined);
      if (!auth.ok) {
        outcome = 'unauthenticated';
        sendGraphQLError(res, 401, ErrorCode.UNAUTHENTICATED, AUTH_MESSAGES[auth.reason], { reason: auth.reason.toUpperCase() });
        return;
      }
      principal = auth.principal;
      let body: unknown = undefined;
      if (req.method === 'POST') {
        const text = await readBody(req, maxBodyBytes);
        const type = String(req.headers['content-type'] ?? '');
        if (type.includes('application/json')) {
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            outcome = 'bad_json';
            sendGraphQLError(res, 400, ErrorCode.BAD_USER_INPUT, 'request body is not valid JSON', { reason: 'INVALID_JSON' });
            return;
          }
        } else {
          body = text;
        }
        if (Array.isArray(body)) {
          outcome = 'batched';
          sendGraphQLError(res, 400, ErrorCode.BAD_USER_INPUT, 'batched HTTP requests are not supported: send one operation per request', { reason: 'BATCHING_DISABLED' });
          return;
        }
      }
      const tracked = withReport(options.makeContext({ requestId, signal: controller.signal, req, principal }));
      context = tracked.context;
      const ctx = context;
      const execution = span.run(() =>
        apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMap(req), search, body },
          context: async () => ctx,
        }),
      );
      const response: HTTPGraphQLResponse | 'timeout' = await Promise.race([execution, timeout]);
      if (response === 'timeout') {
        // The resolvers saw the aborted signal; whatever they still return is dropped.
        execution.catch(() => {});
        outcome = 'timeout';
        if (!res.headersSent) sendGraphQLError(res, 504, ErrorCode.TIMEOUT, `the request took longer than ${requestTimeoutMs} ms`, { requestId, timeoutMs: requestTimeoutMs });
        return;
      }
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
      } else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
      outcome = context.outcome === 'rate_limited' ? 'rate_limited' : res.statusCode >= 400 ? 'error' : (context.outcome ?? 'ok');
    } catch (error) {
      if (error instanceof BodyError) {
        outcome = error.reason === 'TOO_LARGE' ? 'too_large' : 'bad_body';
        const code = error.reason === 'TOO_LARGE' ? ErrorCode.PAYLOAD_TOO_LARGE : ErrorCode.BAD_USER_INPUT;
        if (!res.headersSent) sendGraphQLError(res, error.reason === 'TOO_LARGE' ? 413 : 400, code, error.message, { reason: error.reason });
        return;
      }
      outcome = timedOut ? 'timeout' : 'internal';
      logger.error({ err: error, requestId }, 'request failed outside GraphQL');
      if (!res.headersSent) sendGraphQLError(res, 500, ErrorCode.INTERNAL, 'Internal server error', { requestId });
      else res.destroy();
    } finally {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const operationName = context?.operationName ?? null;
      metrics?.observeRequest(operationName, outcome, seconds);
      span.end(operationName, outcome);
      logger.info(
        {
          requestId,
          operationName,
          keyName: principal?.name ?? null,
          role: principal?.role ?? null,
          cost: context?.cost ?? null,
          durationMs: Math.round(seconds * 100_000) / 100,
          status: res.statusCode,
          outcome,
        },
        'graphql request',
      );
    }
  };
}
