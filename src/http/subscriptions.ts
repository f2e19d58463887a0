import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { useServer, type Extra as SocketExtra } from 'graphql-ws/use/ws';
import {
  execute,
  getOperationAST,
  GraphQLError,
  subscribe,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { Context, OperationResult, SubscribePayload } from 'graphql-ws';
import type { GatewayContext } from '../context.js';
import type { AuthResult } from '../auth/api-keys.js';
import type { Principal } from '../auth/roles.js';
import { ErrorCode, GatewayError } from '../errors/index.js';
import {
  enforceOperationLimits,
  parseAndValidate,
  type DocumentRules,
  type OperationLimitsOptions,
} from '../limits/operation-limits.js';
import { NO_TRACING, type GatewayTracing, type RequestSpan } from '../observability/tracing.js';
import type { InFlight } from './in-flight.js';

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  schema: GraphQLSchema;
  /** Builds the context of one subscription (graphql-ws `subscribe` message). */
  makeContext: (base: {
    requestId: string;
    signal: AbortSignal;
    connectionParams: Record<string, unknown> | undefined;
    request: http.IncomingMessage;
    principal: Principal;
  }) => GatewayContext;
  /** Authenticates a socket once, from `connectionParams.authorization` (`Bearer <key>`); a refusal closes it with 4403. */
  authenticate: (authorization: string | undefined) => Promise<AuthResult>;
  /** Largest incoming message. */
  maxPayloadBytes: number;
  /** The same parse and validation settings Apollo has for HTTP (MAX_TOKENS, armor's rules). */
  documentRules: DocumentRules;
  /** The same limits (cost, rate-limit store, introspection) as the HTTP path. */
  limits: OperationLimitsOptions;
  /** A span per operation, parent of its provider spans. Default: NO_TRACING. */
  tracing?: GatewayTracing;
  /** Where running operations are counted, so that a drain waits for them as for HTTP requests. */
  inFlight: InFlight;
  /** True while the gateway drains: new sockets are refused (HTTP 503) and new operations get SHUTTING_DOWN. */
  draining: () => boolean;
}

/** One operation on a socket, from its subscribe message until it completes or is refused. */
interface Operation {
  span: RequestSpan;
  operationName: string | null | undefined;
  /** Copied from the context's report once the checks ran, which may have set none. */
  outcome?: string | undefined;
  /** Past the checks: graphql-ws will call onComplete when it ends. */
  running: boolean;
  /** Counts the running operation out of the in-flight work. */
  leave?: () => void;
}

type Extra = { controller?: AbortController; principal?: Principal; operations?: Map<string, Operation> };

/** Runs every step of an async iterable inside the span, so work a stream starts (provider calls) is parented to it. */
function iterateInSpan<T>(span: RequestSpan, iterable: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  const done = (value: unknown) => Promise.resolve({ done: true as const, value: value as never });
  const generator: AsyncGenerator<T> = {
    next: () => span.run(() => iterator.next()),
    return: (value) => {
      const ret = iterator.return?.bind(iterator);
      return ret ? span.run(() => ret(value)) : done(value);
    },
    throw: (error) => {
      const thr = iterator.throw?.bind(iterator);
      return thr ? span.run(() => thr(error)) : Promise.reject(error);
    },
    [Symbol.asyncIterator]: () => generator,
    [Symbol.asyncDispose]: async () => void (await generator.return(undefined)),
  };
  return generator;
}

type SocketContext = Context<Record<string, unknown>, SocketExtra & Partial<Extra>>;

/** Execution only sees ExecutionArgs: the span travels with the context object. */
function inSpan(spans: WeakMap<object, RequestSpan>, run: (args: ExecutionArgs) => OperationResult) {
  return (args: ExecutionArgs): OperationResult => {
    const span = spans.get(args.contextValue as object);
    if (!span) return run(args);
    return span.run(async () => {
      const result = await run(args);
      return Symbol.asyncIterator in result ? iterateInSpan(span, result as AsyncIterable<ExecutionResult>) : result;
    });
  };
}

/** Ends an operation's span and counts it out of the in-flight work (once). */
function finish(extra: Extra, id: string, fallback: string): void {
  const operations = extra.operations;
  const operation = operations?.get(id);
  if (!operations || !operation) return;
  operations.delete(id);
  operation.leave?.();
  operation.span.end(operation.operationName, operation.outcome ?? fallback);
}

/**
 * graphql-ws on the same port as HTTP, at /graphql. Every operation on a
 * socket is parsed, validated and charged exactly as an HTTP request is
 * (operation-limits.ts), then gets its own context (and per-request
 * loaders), aborted when the socket closes.
 */
export function attachSubscriptionServer(options: SubscriptionServerOptions): { close(): Promise<void> } {
  const tracing = options.tracing ?? NO_TRACING;
  const spans = new WeakMap<object, RequestSpan>();
  const wss = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: options.maxPayloadBytes,
    // A socket opened during a drain would be cut when it ends: refuse the handshake, as HTTP requests are refused.
    verifyClient: (_info, accept) =>
      options.draining() ? accept(false, 503, 'the gateway is shutting down: retry') : accept(true),
  });
  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      schema: options.schema,
      ...(tracing.enabled ? { execute: inSpan(spans, execute), subscribe: inSpan(spans, subscribe) } : {}),
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization;
        const auth = await options.authenticate(typeof header === 'string' ? header : undefined);
        if (!auth.ok) return false;
        ctx.extra.principal = auth.principal;
        return true;
      },
      onSubscribe: (ctx, id, payload) => startOperation(options, { tracing, spans }, ctx, id, payload),
      onError: (ctx, id) => {
        const operation = ctx.extra.operations?.get(id);
        if (!operation) return;
        operation.outcome ??= 'error';
        // A refusal from onSubscribe ends here; a running operation still reaches onComplete.
        if (!operation.running) finish(ctx.extra, id, 'error');
      },
      onComplete: (ctx, id) => finish(ctx.extra, id, 'ok'),
      onClose: (ctx) => {
        ctx.extra.controller?.abort(new Error('socket closed'));
        for (const id of [...(ctx.extra.operations?.keys() ?? [])]) finish(ctx.extra, id, 'cancelled');
      },
    },
    wss,
  );
  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A subscribe message: parsed, validated and checked as HTTP would be, then run with a context of its own; or the errors that refuse it. */
async function startOperation(
  options: SubscriptionServerOptions,
  { tracing, spans }: { tracing: GatewayTracing; spans: WeakMap<object, RequestSpan> },
  ctx: SocketContext,
  id: string,
  payload: SubscribePayload,
): Promise<ExecutionArgs | readonly GraphQLError[]> {
  const requestId = randomUUID();
  const operation: Operation = {
    span: tracing.startRequest(requestId),
    operationName: payload.operationName,
    running: false,
  };
  (ctx.extra.operations ??= new Map()).set(id, operation);
  const parsed = parseAndValidate(options.schema, payload.query, options.documentRules);
  // As Apollo reports it: the name in the document, which clients need not repeat in the message.
  const operationName =
    (parsed.document && getOperationAST(parsed.document, payload.operationName)?.name?.value) ?? payload.operationName;
  operation.operationName = operationName;
  if (!parsed.document || parsed.errors.length) return parsed.errors;
  const document = parsed.document;
  const principal = ctx.extra.principal;
  // onConnect refused every socket without one; kept as a guard, answered as HTTP would.
  if (!principal)
    return [
      new GatewayError(
        ErrorCode.UNAUTHENTICATED,
        'an API key is required: send connectionParams.authorization "Bearer <key>"',
      ),
    ];
  ctx.extra.controller ??= new AbortController();
  const contextValue = options.makeContext({
    requestId,
    signal: ctx.extra.controller.signal,
    connectionParams: ctx.connectionParams,
    request: ctx.extra.request,
    principal,
  });
  const variables = payload.variables ?? {};
  try {
    await enforceOperationLimits(
      options.limits,
      { principal, document, operationName: payload.operationName, variables },
      contextValue.report,
    );
  } catch (error) {
    operation.outcome = contextValue.report.outcome;
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
  // Checked after the last await, so no operation starts once close() has begun waiting.
  if (options.draining())
    return [new GatewayError(ErrorCode.SHUTTING_DOWN, 'the gateway is shutting down: retry', { retryable: true })];
  contextValue.report.operationName = operationName ?? null;
  operation.running = true;
  operation.leave = options.inFlight.enter();
  spans.set(contextValue, operation.span);
  return {
    schema: options.schema,
    document,
    operationName: payload.operationName,
    variableValues: variables,
    contextValue,
  };
}
