import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import type { GatewayContext } from '../context.js';
import { ErrorCode } from '../errors/codes.js';
import { BodyError, readBody } from './body.js';
import { sendGraphQLError } from './respond.js';

export interface GraphQLHandlerOptions {
  apollo: ApolloServer<GatewayContext>;
  logger: Logger;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  makeContext: (base: { requestId: string; signal: AbortSignal; req: IncomingMessage }) => GatewayContext;
}

function headerMap(req: IncomingMessage): HeaderMap {
  const map = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) map.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return map;
}

/** Runs one HTTP GraphQL request through Apollo, with our body limits and one log line. */
export function createGraphQLHandler(options: GraphQLHandlerOptions) {
  const { apollo, logger, maxBodyBytes, requestTimeoutMs } = options;
  return async (req: IncomingMessage, res: ServerResponse, search: string): Promise<void> => {
    const started = performance.now();
    const requestId = (typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,64}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : undefined) ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('request timeout')), requestTimeoutMs);
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
    });
    let context: GatewayContext | undefined;
    let outcome = 'ok';
    try {
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
      context = options.makeContext({ requestId, signal: controller.signal, req });
      const ctx = context;
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMap(req), search, body },
        context: async () => ctx,
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
      } else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
      outcome = res.statusCode >= 400 ? 'error' : (context.outcome ?? 'ok');
    } catch (error) {
      if (error instanceof BodyError) {
        outcome = error.reason === 'TOO_LARGE' ? 'too_large' : 'bad_body';
        const code = error.reason === 'TOO_LARGE' ? ErrorCode.PAYLOAD_TOO_LARGE : ErrorCode.BAD_USER_INPUT;
        if (!res.headersSent) sendGraphQLError(res, error.reason === 'TOO_LARGE' ? 413 : 400, code, error.message, { reason: error.reason });
        return;
      }
      outcome = 'internal';
      logger.error({ err: error, requestId }, 'request failed outside GraphQL');
      if (!res.headersSent) sendGraphQLError(res, 500, ErrorCode.INTERNAL, 'Internal server error', { requestId });
      else res.destroy();
    } finally {
      clearTimeout(timer);
      logger.info(
        { requestId, operationName: context?.operationName ?? null, durationMs: Math.round((performance.now() - started) * 100) / 100, status: res.statusCode, outcome },
        'graphql request',
      );
    }
  };
}
