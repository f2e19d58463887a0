/**
 * The common core of the fake provider servers (fake-openai.ts,
 * fake-huggingface.ts): a real `node:http` server on 127.0.0.1, call
 * recording per route, fault injection (sticky mode or next-N calls),
 * fixed latency, and a `close()` that ends hanging requests so no test
 * leaves a handle open.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Fault modes. `ok` answers normally. Status modes answer with that status
 * and the provider's error body; `429` sends `Retry-After`. `hang` never
 * answers until the server closes. `malformed_json` answers 200 with a body
 * that is not JSON; `stream_cut` sends a few SSE chunks (or half a JSON body)
 * and then drops the connection. `context_length` and `content_filter` are
 * the provider's own 400 (or 422) bodies for those cases.
 */
export type FaultMode =
  | 'ok'
  | '500'
  | '503'
  | '429'
  | '401'
  | '400'
  | 'hang'
  | 'malformed_json'
  | 'stream_cut'
  | 'context_length'
  | 'content_filter';

export const FAULT_MODES: readonly FaultMode[] = [
  'ok',
  '500',
  '503',
  '429',
  '401',
  '400',
  'hang',
  'malformed_json',
  'stream_cut',
  'context_length',
  'content_filter',
];

/** One request the fake received. */
export interface RecordedCall {
  /** Route name, e.g. "chat.completions", "embeddings", "models", "hf.models", "tgi.generate". */
  route: string;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined for GET or an empty body). */
  body: unknown;
  /** The fault mode applied to this call. */
  mode: FaultMode;
  /** When the request had arrived in full, on `performance.now()`'s clock: for the order and spacing of calls. */
  at: number;
  /** When the connection closed (answered, or cut by the client), on the same clock; undefined while it is open. */
  closedAt?: number;
}

export interface FailNextOptions {
  /** Only calls on this route consume the fault. */
  route?: string;
  /** Only calls for which this returns true consume the fault (e.g. match a prompt), for deterministic batch tests. */
  match?: (call: RecordedCall) => boolean;
}

export interface FakeServerOptions {
  /** Port to listen on. Default: 0 (any free port). */
  port?: number;
  /** Host to bind. Default: "127.0.0.1". */
  host?: string;
  /** Fixed latency before every answer (and before the first chunk of a stream), in ms. Default: 0. */
  latencyMs?: number;
  /** Delay between streamed chunks, in ms. Default: 0. */
  chunkDelayMs?: number;
  /** `Retry-After` value sent with 429 (and 503): seconds or an HTTP date. Default: "2". */
  retryAfter?: string;
  /** Chunks sent before a `stream_cut` drops the connection. Default: 2. */
  streamCutAfter?: number;
  /** When set, requests without `Authorization: Bearer <apiKey>` get 401. Default: unset (any key accepted). */
  apiKey?: string;
}

/** The controls every fake server exposes. */
export interface FakeServer {
  /** Origin, e.g. "http://127.0.0.1:41234" (no trailing slash). */
  url: string;
  port: number;
  /** Every call received, in arrival order. */
  calls: RecordedCall[];
  /** Calls received on `route` (all routes when omitted). */
  count(route?: string): number;
  /** The last call on `route` (any route when omitted). */
  lastCall(route?: string): RecordedCall | undefined;
  /** Sticky mode applied to every call not consumed by `failNext`. */
  setMode(mode: FaultMode): void;
  /** The next `n` matching calls get `mode`; queued faults apply before the sticky mode. */
  failNext(n: number, mode: FaultMode, options?: FailNextOptions): void;
  setLatency(ms: number): void;
  setRetryAfter(value: string): void;
  /** Requests received and not yet answered or dropped. */
  inFlight(): number;
  /** The most requests that were in flight at once since the start or the last reset. */
  peakInFlight(): number;
  /** Clears calls, queued faults, the sticky mode and latency. */
  reset(): void;
  /** Stops listening and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}

/** What a fake's route handler gets. */
export interface RouteContext {
  call: RecordedCall;
  req: IncomingMessage;
  res: ServerResponse;
  options: Required<Omit<FakeServerOptions, 'apiKey' | 'port' | 'host'>>;
  /** Resolves after `ms`, or early when the client goes away or the server closes. */
  sleep(ms: number): Promise<void>;
  /** True once the client has gone away or the server is closing. */
  gone(): boolean;
}

export interface ErrorReply {
  status: number;
  body: unknown;
}

/** How a fake speaks its protocol: routing, error bodies, and the normal/malformed/cut answers. */
export interface FakeProtocol {
  /** Route name for a request (the parsed body may decide it), or undefined for 404. */
  route(method: string, path: string, body: unknown): string | undefined;
  /** The provider's error body for a status-type fault. */
  errorReply(mode: Exclude<FaultMode, 'ok' | 'hang' | 'malformed_json' | 'stream_cut'>, call: RecordedCall): ErrorReply;
  /** Answer for `ok`, `malformed_json` and `stream_cut`. */
  handle(ctx: RouteContext, mode: 'ok' | 'malformed_json' | 'stream_cut'): Promise<void>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes 200 with a JSON content type and a body that does not parse. */
export function sendMalformedJson(res: ServerResponse): void {
  const text = '{"choices": [{"message": {"content": "unterminated';
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends half of a JSON body, then drops the connection (a cut non-streamed answer). */
export function sendCutJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.write(text.slice(0, Math.floor(text.length / 2)));
  res.destroy();
}

/** Resolves once everything written so far is handed to the socket (an SSE comment line carries the callback). */
export function flushed(ctx: RouteContext): Promise<void> {
  return new Promise((resolve) => ctx.res.write(': flush\n\n', () => resolve()));
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

interface QueuedFault {
  remaining: number;
  mode: FaultMode;
  options: FailNextOptions;
}

/**
 * Makes each later call on `route` fail independently with probability
 * `rate`, split evenly over `modes`, drawn from `random` (seed it for a
 * reproducible run). The fake tries queued faults in order, so each later
 * mode's chance is conditioned on the earlier ones not firing.
 */
export function failAtRandom(
  fake: Pick<FakeServer, 'failNext'>,
  options: { rate: number; modes: readonly FaultMode[]; random: () => number; route?: string },
): void {
  const share = options.rate / options.modes.length;
  let notYetFired = 1;
  for (const mode of options.modes) {
    const p = share / notYetFired;
    fake.failNext(Number.MAX_SAFE_INTEGER, mode, {
      ...(options.route === undefined ? {} : { route: options.route }),
      match: () => options.random() < p,
    });
    notYetFired -= share;
  }
}

/** Starts a fake server speaking `protocol`. Resolves once it listens. */
export async function startFakeServer(protocol: FakeProtocol, options: FakeServerOptions = {}): Promise<FakeServer> {
  const settings = {
    latencyMs: options.latencyMs ?? 0,
    chunkDelayMs: options.chunkDelayMs ?? 0,
    retryAfter: options.retryAfter ?? '2',
    streamCutAfter: options.streamCutAfter ?? 2,
  };
  const calls: RecordedCall[] = [];
  let queue: QueuedFault[] = [];
  let sticky: FaultMode = 'ok';
  let closing = false;
  const open = new Set<ServerResponse>();
  let peak = 0;
  // Timers of sleeping handlers, cleared on close so none keeps the process alive.
  const wakers = new Set<() => void>();

  function takeFault(call: RecordedCall): FaultMode {
    const entry = queue.find(
      (q) =>
        q.remaining > 0 &&
        (q.options.route === undefined || q.options.route === call.route) &&
        (q.options.match?.(call) ?? true),
    );
    if (!entry) return sticky;
    entry.remaining -= 1;
    queue = queue.filter((q) => q.remaining > 0);
    return entry.mode;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    open.add(res);
    peak = Math.max(peak, open.size);
    res.on('close', () => open.delete(res));
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const route = protocol.route(method, path, body);
    if (route === undefined) {
      sendJson(res, 404, { error: `no route for ${method} ${path}` });
      return;
    }
    const call: RecordedCall = { route, method, path, headers: req.headers, body, mode: 'ok', at: performance.now() };
    call.mode = takeFault(call);
    calls.push(call);
    let clientGone = false;
    res.on('close', () => {
      clientGone = !res.writableFinished;
      call.closedAt = performance.now();
    });
    const gone = (): boolean => closing || clientGone || res.destroyed;
    const sleep = (ms: number): Promise<void> =>
      ms <= 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            const wake = (): void => {
              clearTimeout(timer);
              wakers.delete(wake);
              res.off('close', wake);
              resolve();
            };
            const timer = setTimeout(wake, ms);
            wakers.add(wake);
            res.once('close', wake);
          });
    const ctx: RouteContext = { call, req, res, options: settings, sleep, gone };

    await sleep(settings.latencyMs);
    if (gone()) return;
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      const reply = protocol.errorReply('401', call);
      sendJson(res, reply.status, reply.body);
      return;
    }
    const mode = call.mode;
    if (mode === 'hang') return; // answered never; close() destroys the socket.
    if (mode === 'ok' || mode === 'malformed_json' || mode === 'stream_cut') {
      await protocol.handle(ctx, mode);
      return;
    }
    const reply = protocol.errorReply(mode, call);
    const headers: Record<string, string> =
      mode === '429' || mode === '503' ? { 'retry-after': settings.retryAfter } : {};
    sendJson(res, reply.status, reply.body, headers);
  }

  const server = http.createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    calls,
    count: (route) => (route === undefined ? calls.length : calls.filter((c) => c.route === route).length),
    lastCall: (route) => [...calls].reverse().find((c) => route === undefined || c.route === route),
    setMode: (mode) => {
      sticky = mode;
    },
    failNext: (n, mode, failOptions = {}) => {
      if (n > 0) queue.push({ remaining: n, mode, options: failOptions });
    },
    setLatency: (ms) => {
      settings.latencyMs = ms;
    },
    setRetryAfter: (value) => {
      settings.retryAfter = value;
    },
    inFlight: () => open.size,
    peakInFlight: () => peak,
    reset: () => {
      calls.length = 0;
      peak = open.size;
      queue = [];
      sticky = 'ok';
      settings.latencyMs = options.latencyMs ?? 0;
    },
    close: async () => {
      closing = true;
      for (const wake of wakers) wake();
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
