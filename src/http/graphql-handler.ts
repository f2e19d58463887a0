import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import type { Logger } from 'pino';
import type { GatewayContext } from '../context.js';
import type { AuthResult } from '../auth/api-keys.js';
import type { Principal } from '../auth/roles.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { NO_TRACING, type GatewayTracing, type RequestSpan } from '../observability/tracing.js';
import { ErrorCode } from '../errors/codes.js';
import { BodyError, readBody } from './body.js';
import { sendGraphQLError } from './respond.js';
import { applyTrustedDocuments, NO_TRUSTED_DOCUMENTS, type TrustedDocumentsPolicy } from './trusted-documents.js';
import { DEFAULT_TRUSTED_DOCUMENTS } from '../limits/role-settings.js';

export interface GraphQLHandlerOptions {
  apollo: ApolloServer<GatewayContext>;
  logger: Logger;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  makeContext: (base: {
    requestId: string;
    signal: AbortSignal;
    req: IncomingMessage;
    principal: Principal;
  }) => GatewayContext;
  /** Turns the Authorization header into a principal (once per request). */
  authenticate: (authorization: string | undefined) => Promise<AuthResult>;
  /** Request counts and latency by operation and outcome. Default: none. */
  metrics?: GatewayMetrics;
  /** A span per request, parent of the provider spans. Default: NO_TRACING. */
  tracing?: GatewayTracing;
  /** The manifest and what each role may send (TRUSTED_DOCUMENTS). Default: no manifest, every role `allow`. */
  trustedDocuments?: TrustedDocumentsPolicy;
}

const NO_POLICY: TrustedDocumentsPolicy = { manifest: NO_TRUSTED_DOCUMENTS, modes: DEFAULT_TRUSTED_DOCUMENTS };

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

/** The request's log line and metrics, filled as it goes. */
interface RequestLine {
  requestId: string;
  started: number;
  outcome: string;
  principal?: Principal;
  context?: GatewayContext;
}

/** The request's timeout: its signal aborts resolvers, and `expired` resolves when it fires. */
interface Deadline {
  signal: AbortSignal;
  expired: Promise<'timeout'>;
  timedOut(): boolean;
  clear(): void;
}

/**
 * Runs one HTTP GraphQL request through Apollo: authentication, our body
 * limits, the request timeout (answered TIMEOUT, 504), one log line with
 * the key's name (never the key) and the request metrics.
 */
export function createGraphQLHandler(options: GraphQLHandlerOptions) {
  const tracing = options.tracing ?? NO_TRACING;
  const trusted = options.trustedDocuments ?? NO_POLICY;
  return async (req: IncomingMessage, res: ServerResponse, search: string): Promise<void> => {
    const line: RequestLine = { requestId: requestIdOf(req), started: performance.now(), outcome: 'ok' };
    res.setHeader('x-request-id', line.requestId);
    // Every answer is for one key: no shared cache may keep it (errors included); a GET's 200 becomes private, no-cache with an ETag (notModified).
    res.setHeader('cache-control', 'no-store');
    const span = tracing.startRequest(line.requestId);
    const deadline = startDeadline(res, options.requestTimeoutMs);
    try {
      const principal = await authenticate(options, req, res, line);
      if (!principal) return;
      const body = await readGraphQLBody(req, res, options.maxBodyBytes, line);
      if (!body.ok) return;
      const document = applyTrustedDocuments(trusted, principal.role, { body: body.value, search });
      if (!document.ok) {
        line.outcome = 'untrusted_document';
        sendGraphQLError(
          res,
          400,
          document.refusal.code,
          document.refusal.message,
          document.refusal.reason ? { reason: document.refusal.reason } : {},
        );
        return;
      }
      line.context = options.makeContext({ requestId: line.requestId, signal: deadline.signal, req, principal });
      await execute(
        options,
        { req, res, search: document.search, body: document.body, context: line.context, span, deadline },
        line,
      );
    } catch (error) {
      failed(options, res, error, deadline, line);
    } finally {
      deadline.clear();
      report(options, res, span, line);
    }
  };
}

/** The client's x-request-id when it is a plain token, else a new one. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
}

/** REQUEST_TIMEOUT_MS from now; a client that goes away aborts the signal too. */
function startDeadline(res: ServerResponse, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  let onTimeout: () => void = () => {};
  const expired = new Promise<'timeout'>((resolve) => (onTimeout = () => resolve('timeout')));
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('request timeout'));
    onTimeout();
  }, timeoutMs);
  res.on('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
  });
  return { signal: controller.signal, expired, timedOut: () => timedOut, clear: () => clearTimeout(timer) };
}

/** The caller's principal; null when refused (401 sent). */
async function authenticate(
  options: GraphQLHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  line: RequestLine,
): Promise<Principal | null> {
  const auth = await options.authenticate(
    typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined,
  );
  if (!auth.ok) {
    line.outcome = 'unauthenticated';
    sendGraphQLError(res, 401, ErrorCode.UNAUTHENTICATED, AUTH_MESSAGES[auth.reason], {
      reason: auth.reason.toUpperCase(),
    });
    return null;
  }
  line.principal = auth.principal;
  return auth.principal;
}

/**
 * The body Apollo gets: parsed JSON, or the text for other content types
 * (Apollo refuses those itself); undefined for a GET. Not valid JSON and a
 * batch are refused here (400 sent); too large or unreadable throws BodyError.
 */
async function readGraphQLBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
  line: RequestLine,
): Promise<{ ok: true; value: unknown } | { ok: false }> {
  if (req.method !== 'POST') return { ok: true, value: undefined };
  const text = await readBody(req, maxBodyBytes);
  let body: unknown = text;
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      line.outcome = 'bad_json';
      sendGraphQLError(res, 400, ErrorCode.BAD_USER_INPUT, 'request body is not valid JSON', {
        reason: 'INVALID_JSON',
      });
      return { ok: false };
    }
  }
  if (Array.isArray(body)) {
    line.outcome = 'batched';
    sendGraphQLError(
      res,
      400,
      ErrorCode.BAD_USER_INPUT,
      'batched HTTP requests are not supported: send one operation per request',
      { reason: 'BATCHING_DISABLED' },
    );
    return { ok: false };
  }
  return { ok: true, value: body };
}

interface Execution {
  req: IncomingMessage;
  res: ServerResponse;
  search: string;
  body: unknown;
  context: GatewayContext;
  span: RequestSpan;
  deadline: Deadline;
}

/** Runs the operation in the request's span and writes Apollo's answer, unless the deadline comes first (504). */
async function execute(
  options: GraphQLHandlerOptions,
  { req, res, search, body, context, span, deadline }: Execution,
  line: RequestLine,
): Promise<void> {
  const execution = span.run(() =>
    options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMap(req), search, body },
      context: async () => context,
    }),
  );
  const response: HTTPGraphQLResponse | 'timeout' = await Promise.race([execution, deadline.expired]);
  if (response === 'timeout') {
    // The resolvers saw the aborted signal; whatever they still return is dropped.
    execution.catch(() => {});
    line.outcome = 'timeout';
    const timeoutMs = options.requestTimeoutMs;
    if (!res.headersSent)
      sendGraphQLError(res, 504, ErrorCode.TIMEOUT, `the request took longer than ${timeoutMs} ms`, {
        requestId: line.requestId,
        timeoutMs,
      });
    return;
  }
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    if (req.method === 'GET' && res.statusCode === 200 && notModified(req, res, response.body.string)) res.end();
    else res.end(response.body.string);
  } else {
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
  const reported = context.report.outcome;
  line.outcome = reported === 'rate_limited' ? 'rate_limited' : res.statusCode >= 400 ? 'error' : (reported ?? 'ok');
}

/**
 * A GET's answer carries an ETag (a hash of its bytes), so that a client
 * that sends it back in If-None-Match gets 304 and no body when nothing
 * changed. The answer is still worked out in full, with its limits and
 * rate-limit charge; what is saved is the bytes and the client's parse.
 * `private, no-cache`: the app may keep it but must revalidate, and no
 * shared cache may keep an answer given to one key. True when 304 is due.
 */
function notModified(req: IncomingMessage, res: ServerResponse, body: string): boolean {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  res.setHeader('etag', etag);
  res.setHeader('cache-control', 'private, no-cache');
  const given = req.headers['if-none-match'];
  if (typeof given !== 'string') return false;
  // Weak comparison (RFC 9110 §13.1.2): W/ is ignored; * matches any current answer.
  const matches = given.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
  if (!matches) return false;
  res.statusCode = 304;
  res.removeHeader('content-type');
  res.removeHeader('content-length');
  return true;
}

/** A body over the limit or unreadable is the client's (413/400); anything else is logged and answered INTERNAL. */
function failed(
  options: GraphQLHandlerOptions,
  res: ServerResponse,
  error: unknown,
  deadline: Deadline,
  line: RequestLine,
): void {
  if (error instanceof BodyError) {
    line.outcome = error.reason === 'TOO_LARGE' ? 'too_large' : 'bad_body';
    const code = error.reason === 'TOO_LARGE' ? ErrorCode.PAYLOAD_TOO_LARGE : ErrorCode.BAD_USER_INPUT;
    if (!res.headersSent)
      sendGraphQLError(res, error.reason === 'TOO_LARGE' ? 413 : 400, code, error.message, { reason: error.reason });
    return;
  }
  line.outcome = deadline.timedOut() ? 'timeout' : 'internal';
  options.logger.error({ err: error, requestId: line.requestId }, 'request failed outside GraphQL');
  if (!res.headersSent)
    sendGraphQLError(res, 500, ErrorCode.INTERNAL, 'Internal server error', { requestId: line.requestId });
  else res.destroy();
}

/** The request metrics, the span's end and the one `graphql request` log line. */
function report(options: GraphQLHandlerOptions, res: ServerResponse, span: RequestSpan, line: RequestLine): void {
  const seconds = (performance.now() - line.started) / 1000;
  const operationName = line.context?.report.operationName ?? null;
  options.metrics?.observeRequest(operationName, line.outcome, seconds);
  span.end(operationName, line.outcome);
  options.logger.info(
    {
      requestId: line.requestId,
      operationName,
      keyName: line.principal?.name ?? null,
      role: line.principal?.role ?? null,
      cost: line.context?.report.cost ?? null,
      durationMs: Math.round(seconds * 100_000) / 100,
      status: res.statusCode,
      outcome: line.outcome,
    },
    'graphql request',
  );
}
