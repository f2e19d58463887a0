/**
 * A `fetch` for provider SDKs on Node's `http.request` and a keep-alive
 * connection pool. The SDKs want a WHATWG fetch; Node's own one builds
 * Request, Headers and web-stream objects around every call, which the
 * gateway's CPU profile showed to be a large part of an OpenAI call's cost.
 * This one sends the string body the SDKs build, reads a JSON
 * answer in one piece and hands over only server-sent events as a stream.
 * Anything else (a streamed or form body, a `Request` object, a redirect)
 * goes through the global fetch unchanged.
 *
 * Why `node:http` and not undici's `request`, which costs the same CPU per
 * call: with undici every request's objects (handler, body reader, parser
 * buffers) outlived the next young-generation collection and were promoted
 * to the old generation, where they stayed until a full collection;
 * `http.request` on a keep-alive Agent leaves next to nothing behind, and
 * promoted bytes are what make young collections, the gateway's latency
 * tails, long (the measurements: docs/benchmarks.md, the gateway findings).
 * A configured undici Dispatcher (a proxy agent, a custom pool) still goes
 * through undici.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { request, type Dispatcher } from 'undici';

export interface PooledFetchOptions {
  /** An undici (npm package) Dispatcher: a pool, a proxy agent. Default: none, Node's `http`/`https` on keep-alive Agents shared by every provider. */
  dispatcher?: Dispatcher;
}

/**
 * Shared by every provider of the process. Idle sockets are unreferenced, so
 * the pool never holds the process open, and one is closed before the
 * server's keep-alive timeout (when it sends one) runs out.
 */
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

/** What the transports hand back: the status line, the raw headers and the body as a Node stream. */
interface RawResponse {
  statusCode: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

interface RawRequest {
  method: string;
  headers: HeaderRecord;
  body: string | null;
  signal: AbortSignal | undefined;
}

/**
 * One request on the shared keep-alive Agents. Resolves once the response
 * headers are in; an abort before then rejects with the signal's reason, and
 * one after it destroys the body with that reason, as undici does.
 */
function sendHttp(url: URL, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = req;
    if (signal?.aborted) return reject(signal.reason);
    const secure = url.protocol === 'https:';
    const outgoing = (secure ? https : http).request(url, {
      method: req.method,
      headers: req.headers,
      agent: secure ? agents.https : agents.http,
    });
    let incoming: http.IncomingMessage | undefined;
    const onAbort = (): void => {
      const reason: unknown = signal?.reason;
      const error = reason instanceof Error ? reason : new Error(String(reason));
      // Once the headers are in, the body carries the reason (destroying the request would end it with a bare "aborted").
      if (incoming) incoming.destroy(error);
      else outgoing.destroy(error);
      reject(reason);
    };
    const detach = (): void => signal?.removeEventListener('abort', onAbort);
    signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.once('error', (error) => {
      detach();
      reject(error);
    });
    outgoing.once('response', (res) => {
      incoming = res;
      // The listener stays until the body is read or dropped: an abort then destroys the body.
      res.once('close', detach);
      resolve({
        statusCode: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers: res.headers,
        body: res,
      });
    });
    outgoing.end(req.body ?? undefined);
  });
}

async function sendUndici(url: URL, req: RawRequest, dispatcher: Dispatcher): Promise<RawResponse> {
  const res = await request(url, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    signal: req.signal ?? null,
    dispatcher,
  });
  return { statusCode: res.statusCode, statusText: res.statusText, headers: res.headers, body: res.body };
}

async function readAll(body: Readable): Promise<Buffer<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

type HeaderRecord = Record<string, string>;

function headerRecord(headers: HeadersInit | undefined): HeaderRecord {
  const out: HeaderRecord = {};
  if (headers === undefined) return out;
  if (headers instanceof Headers) {
    headers.forEach((value, name) => (out[name] = value));
    return out;
  }
  if (Array.isArray(headers)) {
    for (const [name, value] of headers) out[name.toLowerCase()] = value;
    return out;
  }
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.append(name, value);
  }
  return headers;
}

/**
 * A decoder for a compressed answer. No Accept-Encoding is sent, so servers
 * answer uncompressed; this covers one that compresses anyway, as fetch would.
 */
function decoderFor(encoding: string | undefined): NodeJS.ReadWriteStream | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

/** Statuses whose response has no body, which `new Response` refuses to give one. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** A fetch on pooled keep-alive connections; see the file comment for what it hands to the global fetch. */
export function pooledFetch(options: PooledFetchOptions = {}): typeof fetch {
  const { dispatcher } = options;
  return async (input, init = {}) => {
    const body = init.body;
    const simple = (body === undefined || body === null || typeof body === 'string') && !(input instanceof Request);
    if (!simple) return globalThis.fetch(input, init);
    const url = typeof input === 'string' ? new URL(input) : input;
    const method = (init.method ?? 'GET').toUpperCase();
    const raw: RawRequest = {
      method,
      headers: headerRecord(init.headers),
      body: body ?? null,
      signal: init.signal ?? undefined,
    };
    const res = dispatcher === undefined ? await sendHttp(url, raw) : await sendUndici(url, raw, dispatcher);
    if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location !== undefined) {
      // Redirects are rare for an API; the global fetch follows them as the SDK expects.
      res.body.resume();
      return globalThis.fetch(input, init);
    }
    const headers = responseHeaders(res.headers);
    if (NULL_BODY.has(res.statusCode) || method === 'HEAD') {
      res.body.resume();
      return new Response(null, { status: res.statusCode, statusText: res.statusText, headers });
    }
    // As with fetch, the body comes decoded and the headers as the server sent them.
    const decoder = decoderFor(headers.get('content-encoding') ?? undefined);
    const decoded: Readable = decoder ? (res.body.pipe(decoder) as unknown as Readable) : res.body;
    if (decoder) res.body.once('error', (error) => decoded.destroy(error));
    const payload: BodyInit = (headers.get('content-type') ?? '').startsWith('text/event-stream')
      ? (Readable.toWeb(decoded) as ReadableStream<Uint8Array>)
      : await readAll(decoded);
    return new Response(payload, { status: res.statusCode, statusText: res.statusText, headers });
  };
}
