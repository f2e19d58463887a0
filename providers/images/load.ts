/**
 * Loads image bytes from a file path, a file: URL or an http(s) URL, with a
 * byte limit and a timeout. The limit is enforced while the body streams in,
 * so a huge or endless response is cut off after `maxBytes`, never buffered.
 *
 * http(s) fetches reach public addresses only, unless the host is allowed by
 * name (address-policy.ts). So that the codes cannot be used to map a
 * network, a refused address is IMAGE_FETCH_REFUSED whatever is there, and
 * every failure before a response (no such host, connection refused or
 * reset, TLS, no answer within the timeout) is IMAGE_UNREACHABLE with the
 * same message; the cause stays on the error for logs.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetch, type Agent, type Response } from 'undici';
import { AddressRefusedError, createImageAgent, normalizeHost } from './address-policy.js';

export type ImageErrorCode =
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_TIMEOUT'
  | 'IMAGE_UNREADABLE'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_UNREACHABLE'
  | 'IMAGE_FETCH_REFUSED';

export const IMAGE_ERROR_CODES: readonly ImageErrorCode[] = [
  'IMAGE_TOO_LARGE',
  'IMAGE_TIMEOUT',
  'IMAGE_UNREADABLE',
  'IMAGE_NOT_FOUND',
  'IMAGE_UNREACHABLE',
  'IMAGE_FETCH_REFUSED',
];

/** Why an image could not be loaded or decoded; `source` is the path or URL as given. */
export class ImageLoadError extends Error {
  override readonly name = 'ImageLoadError';
  constructor(
    readonly code: ImageErrorCode,
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isImageLoadError(value: unknown): value is ImageLoadError {
  return value instanceof ImageLoadError;
}

export const DEFAULT_IMAGE_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_IMAGE_TIMEOUT_MS = 5_000;

export interface LoadImageOptions {
  /** Largest image accepted, in bytes. Default 10 MB (10 × 1024 × 1024). */
  maxBytes?: number;
  /** Time allowed for the whole load (connect, headers and body), in ms. Default 5000. */
  timeoutMs?: number;
  /**
   * Whether plain paths and file: URLs are accepted. Default true. Set it to
   * false where the image reference comes from an untrusted client, so that
   * it cannot make the server read its own files (IMAGE_FETCH_REFUSED).
   */
  allowLocalFiles?: boolean;
  /**
   * Hosts (as named in the URL, IP literals included) that may be fetched
   * whatever address they resolve to, such as an internal image server.
   * Default: none, so only public addresses are reached (IMAGE_FETCH_ALLOW_HOSTS).
   */
  allowHosts?: readonly string[];
  signal?: AbortSignal;
}

function isHttp(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The raw bytes of an image; rejects with ImageLoadError only. */
export async function loadImageBytes(source: string, options: LoadImageOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_IMAGE_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS;
  if (isHttp(source))
    return fetchImage(source, maxBytes, timeoutMs, agentFor(options.allowHosts ?? []), options.signal);
  if (options.allowLocalFiles === false) {
    throw new ImageLoadError(
      'IMAGE_FETCH_REFUSED',
      source,
      'local image files are not allowed here; give an http(s) URL',
    );
  }
  let file = source;
  if (/^file:/i.test(source)) {
    try {
      file = fileURLToPath(source);
    } catch (cause) {
      throw new ImageLoadError('IMAGE_UNREADABLE', source, `not a valid file URL: ${source}`, { cause });
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new ImageLoadError('IMAGE_UNREADABLE', source, `unsupported image URL scheme in ${source}`);
  }
  return readImageFile(path.resolve(file), source, maxBytes, timeoutMs, options.signal);
}

async function readImageFile(
  file: string,
  source: string,
  maxBytes: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new ImageLoadError('IMAGE_NOT_FOUND', source, `image ${source} is not a file`);
    size = s.size;
  } catch (cause) {
    if (cause instanceof ImageLoadError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    const kind = code === 'ENOENT' || code === 'ENOTDIR' ? 'IMAGE_NOT_FOUND' : 'IMAGE_UNREADABLE';
    throw new ImageLoadError(kind, source, `cannot read image ${source}: ${code ?? String(cause)}`, { cause });
  }
  if (size > maxBytes) throw tooLarge(source, maxBytes);
  // Streamed with the same limit, since a file can grow between stat and read
  // (or be a FIFO that never ends).
  return collect(createReadStream(file, { signal: combine(signal, timeoutMs) }), source, maxBytes, timeoutMs);
}

function tooLarge(source: string, maxBytes: number): ImageLoadError {
  return new ImageLoadError('IMAGE_TOO_LARGE', source, `image ${source} is larger than the limit of ${maxBytes} bytes`);
}

function combine(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function isTimeout(cause: unknown): boolean {
  return cause instanceof Error && cause.name === 'TimeoutError';
}

/** Reads chunks until the end, throwing as soon as the running total passes `maxBytes`. */
async function collect(
  body: AsyncIterable<Uint8Array>,
  source: string,
  maxBytes: number,
  timeoutMs: number,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.byteLength;
      // Leaving the loop early closes the stream (and the connection under fetch).
      if (total > maxBytes) throw tooLarge(source, maxBytes);
      chunks.push(chunk);
    }
  } catch (cause) {
    throw asImageError(cause, source, timeoutMs);
  }
  return Buffer.concat(chunks, total);
}

function asImageError(cause: unknown, source: string, timeoutMs: number): ImageLoadError {
  if (cause instanceof ImageLoadError) return cause;
  const inner = cause instanceof Error && cause.cause !== undefined ? cause.cause : undefined;
  if (isTimeout(cause) || isTimeout(inner)) {
    return new ImageLoadError('IMAGE_TIMEOUT', source, `image ${source} did not load within ${timeoutMs} ms`, {
      cause,
    });
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return new ImageLoadError('IMAGE_UNREADABLE', source, `cannot load image ${source}: ${message}`, { cause });
}

/** A failure before any response: refused by the policy, or one uniform "unreachable" (see the file comment). */
function fetchError(cause: unknown, url: string): ImageLoadError {
  const inner = cause instanceof Error ? cause.cause : undefined;
  if (inner instanceof AddressRefusedError) {
    return new ImageLoadError(
      'IMAGE_FETCH_REFUSED',
      url,
      `image ${url} is on a host image fetches may not reach; allow it by name with IMAGE_FETCH_ALLOW_HOSTS`,
      { cause },
    );
  }
  return new ImageLoadError('IMAGE_UNREACHABLE', url, `image ${url} could not be fetched`, { cause });
}

/** One agent per allow-list: each keeps its own pool of (checked) connections. */
const agents = new Map<string, Agent>();

function agentFor(allowHosts: readonly string[]): Agent {
  const key = [...new Set(allowHosts.map(normalizeHost))].sort().join(',');
  let agent = agents.get(key);
  if (!agent) agents.set(key, (agent = createImageAgent({ allowHosts })));
  return agent;
}

async function fetchImage(
  url: string,
  maxBytes: number,
  timeoutMs: number,
  dispatcher: Agent,
  signal?: AbortSignal,
): Promise<Buffer> {
  const combined = combine(signal, timeoutMs);
  let response: Response;
  try {
    // Every redirect is a new request through the same agent, so its address is checked too.
    response = await fetch(url, { signal: combined, redirect: 'follow', headers: { accept: 'image/*' }, dispatcher });
  } catch (cause) {
    // The caller's own abort is not the image's fault.
    if (signal?.aborted) throw asImageError(cause, url, timeoutMs);
    throw fetchError(cause, url);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const code = response.status === 404 || response.status === 410 ? 'IMAGE_NOT_FOUND' : 'IMAGE_UNREADABLE';
    throw new ImageLoadError(code, url, `image ${url} answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(url, maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  return collect(chunksOf(response.body), url, maxBytes, timeoutMs);
}

/** A web stream as an async iterable; leaving early cancels it, which closes the connection. */
async function* chunksOf(body: NonNullable<Response['body']>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}
