import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { AuthResult } from '../auth/api-keys.js';
import type { Principal } from '../auth/roles.js';

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  schema: GraphQLSchema;
  /** Builds the context of one subscription (graphql-ws `subscribe` message). */
  makeContext: (base: { requestId: string; signal: AbortSignal; connectionParams: Record<string, unknown> | undefined; request: http.IncomingMessage; principal: Principal }) => GatewayContext;
  /** Authenticates a socket once, from `connectionParams.authorization` (`Bearer <key>`); a refusal closes it with 4403. */
  authenticate: (authorization: string | undefined) => Promise<AuthResult>;
  /** Largest incoming message. */
  maxPayloadBytes: number;
}

/**
 * graphql-ws on the same port as HTTP, at /graphql. Each subscription gets
 * its own context (and per-request loaders), aborted when the socket closes.
 */
export function attachSubscriptionServer(options: SubscriptionServerOptions): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: options.httpServer, path: '/graphql', maxPayload: options.maxPayloadBytes });
  const disposable = useServer<Record<string, unknown>, { controller?: AbortController; principal?: Principal }>(
    {
      schema: options.schema,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization;
        const auth = await options.authenticate(typeof header === 'string' ? header : undefined);
        if (!auth.ok) return false;
        ctx.extra.principal = auth.principal;
        return true;
      },
      context: (ctx) => {
        ctx.extra.controller ??= new AbortController();
        return options.makeContext({
          requestId: randomUUID(),
          signal: ctx.extra.controller.signal,
          connectionParams: ctx.connectionParams,
          request: ctx.extra.request,
          // onConnect refused every socket without one, so it is always set here.
          principal: ctx.extra.principal!,
        });
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
