/**
 * A `fetch` for provider SDKs on undici's `request` API and a keep-alive
 * connection pool. The SDKs want a WHATWG fetch; Node's own one builds
 * Request, Headers and web-stream objects around every call, which the
 * gateway's CPU profile showed to cost about as much as the rest of an
 * OpenAI call. This one sends the string body the SDKs build, reads a JSON
 * answer in one piece and hands over only server-sent events as a stream.
 * Anything else (a streamed or form body, a `Request` object, a redirect)
 * goes through the global fetch unchanged.
 */
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';

export interface PooledFetchOptions {
  /** An undici (npm package) Dispatcher: a pool, a proxy agent. Default: one keep-alive Agent shared by every provider. */
  dispatcher?: Dispatcher;
}

let shared: Agent | undefined;

/**
 * Shared by every provider of the process. undici keeps idle sockets
 * unreferenced, so the pool never holds the process open; a socket idle for
 * longer than the server's keep-alive (or 4 s) is closed.
 */
function sharedAgent(): Agent {
  shared ??= new Agent({ connections: 256 });
  return shared;
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
    for (const [name, value] of headers) if (name !== undefined && value !== undefined) out[name.toLowerCase()] = value;
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

/** A fetch on a pooled undici `request`; see the file comment for what it hands to the global fetch. */
export function pooledFetch(options: PooledFetchOptions = {}): typeof fetch {
  return async (input, init = {}) => {
    const body = init.body;
    const simple = (body === undefined || body === null || typeof body === 'string') && !(input instanceof Request);
    if (!simple) return globalThis.fetch(input, init);
    const url = typeof input === 'string' ? input : input.href;
    const method = (init.method ?? 'GET').toUpperCase();
    const res = await request(url, {
      method: method as Dispatcher.HttpMethod,
      headers: headerRecord(init.headers),
      body: body ?? null,
      signal: init.signal ?? undefined,
      dispatcher: options.dispatcher ?? sharedAgent(),
    });
    if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location !== undefined) {
      // Redirects are rare for an API; the global fetch follows them as the SDK expects.
      await res.body.dump();
      return globalThis.fetch(input, init);
    }
    const headers = responseHeaders(res.headers);
    if (NULL_BODY.has(res.statusCode) || method === 'HEAD') {
      await res.body.dump();
      return new Response(null, { status: res.statusCode, statusText: res.statusText, headers });
    }
    // As with fetch, the body comes decoded and the headers as the server sent them.
    const decoder = decoderFor(headers.get('content-encoding') ?? undefined);
    const decoded: Readable = decoder ? (res.body.pipe(decoder) as unknown as Readable) : res.body;
    if (decoder) res.body.once('error', (error) => decoded.destroy(error));
    let payload: BodyInit;
    if ((headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      payload = Readable.toWeb(decoded) as ReadableStream<Uint8Array>;
    } else if (decoder) {
      const chunks: Buffer[] = [];
      for await (const chunk of decoded) chunks.push(chunk as Buffer);
      payload = Buffer.concat(chunks);
    } else {
      payload = await res.body.arrayBuffer();
    }
    return new Response(payload, { status: res.statusCode, statusText: res.statusText, headers });
  };
}
