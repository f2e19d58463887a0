import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { AuthResult } from '../auth/api-keys.js';
import type { Principal } from '../auth/roles.js';
import { ErrorCode, GatewayError } from '../errors/index.js';
import { enforceOperationLimits, parseAndValidate, type DocumentRules, type OperationLimitsOptions } from '../limits/operation-limits.js';

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  schema: GraphQLSchema;
  /** Builds the context of one subscription (graphql-ws `subscribe` message). */
  makeContext: (base: { requestId: string; signal: AbortSignal; connectionParams: Record<string, unknown> | undefined; request: http.IncomingMessage; principal: Principal }) => GatewayContext;
  /** Authenticates a socket once, from `connectionParams.authorization` (`Bearer <key>`); a refusal closes it with 4403. */
  authenticate: (authorization: string | undefined) => Promise<AuthResult>;
  /** Largest incoming message. */
  maxPayloadBytes: number;
  /** The same parse and validation settings Apollo has for HTTP (MAX_TOKENS, armor's rules). */
  documentRules: DocumentRules;
  /** The same limits (cost, rate-limit store, introspection) as the HTTP path. */
  limits: OperationLimitsOptions;
}

type Extra = { controller?: AbortController; principal?: Principal };

/**
 * graphql-ws on the same port as HTTP, at /graphql. Every operation on a
 * socket is parsed, validated and charged exactly as an HTTP request is
 * (operation-limits.ts), then gets its own context (and per-request
 * loaders), aborted when the socket closes.
 */
export function attachSubscriptionServer(options: SubscriptionServerOptions): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: options.httpServer, path: '/graphql', maxPayload: options.maxPayloadBytes });
  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      schema: options.schema,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization;
        const auth = await options.authenticate(typeof header === 'string' ? header : undefined);
        if (!auth.ok) return false;
        ctx.extra.principal = auth.principal;
        return true;
      },
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const parsed = parseAndValidate(options.schema, payload.query, options.documentRules);
        if ('errors' in parsed) return parsed.errors;
        const principal = ctx.extra.principal;
        // onConnect refused every socket without one; kept as a guard, answered as HTTP would.
        if (!principal) return [new GatewayError(ErrorCode.UNAUTHENTICATED, 'an API key is required: send connectionParams.authorization "Bearer <key>"')];
        ctx.extra.controller ??= new AbortController();
        const contextValue = options.makeContext({
          requestId: randomUUID(),
          signal: ctx.extra.controller.signal,
          connectionParams: ctx.connectionParams,
          request: ctx.extra.request,
          principal,
        });
        const variables = payload.variables ?? {};
        try {
          await enforceOperationLimits(options.limits, { principal, document: parsed.document, operationName: payload.operationName, variables }, contextValue);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        contextValue.operationName = payload.operationName ?? null;
        return { schema: options.schema, document: parsed.document, operationName: payload.operationName, variableValues: variables, contextValue };
      },
      onClose: (ctx) => ctx.extra.controller?.abort(new Error('socket closed')),
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
