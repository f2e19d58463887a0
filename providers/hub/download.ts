/**
 * One file from the Hub into the cache's blobs/: the `resolve` URL is asked
 * first without following its redirect, for the file's ETag, size and commit
 * (`X-Linked-Etag`/`X-Linked-Size` on the 302 of an LFS file, `ETag` and
 * `Content-Length` on a small one); then the bytes go to
 * `blobs/<etag>.incomplete`, resumed with a Range request from the length a
 * killed process left, and are renamed into place only once their size and
 * hash (sha256 for LFS files, the git blob sha1 for the others) match.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { HubError } from './errors.js';

/** What the Hub says of one file at one revision. */
export interface RemoteFile {
  /** sha256 (LFS) or git blob sha1, without quotes: the blob's name. */
  etag: string;
  size: number;
  /** The commit the revision resolved to (`X-Repo-Commit`), when sent. */
  commit: string | undefined;
  /** Where the bytes are: the redirect target for LFS files, else the resolve URL. */
  location: string;
}

export interface HubRequest {
  fetch: typeof fetch;
  /** Authorization and the like, sent to the Hub's own origin only. */
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** Turns a Hub status into a HubError; `what` names the repo and file. */
export function statusError(status: number, what: string): HubError {
  if (status === 401 || status === 403)
    return new HubError(
      'gated',
      `${what}: the Hub answered ${status}; the repo is gated or private: accept its licence on the Hub and set HF_TOKEN`,
    );
  if (status === 404)
    return new HubError('not_found', `${what}: not found on the Hub (check the repo name, revision and file)`);
  return new HubError('bad_response', `${what}: the Hub answered ${status}`);
}

async function hubFetch(request: HubRequest, url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await request.fetch(url, { ...init, ...(request.signal ? { signal: request.signal } : {}) });
  } catch (cause) {
    if (request.signal?.aborted) throw cause;
    throw new HubError('unreachable', `${what}: the Hub could not be reached (${(cause as Error).message})`, { cause });
  }
}

/** Sizes are the file's own, not a compressed body's (fetch would ask for gzip and inflate it unasked). */
const IDENTITY = { 'accept-encoding': 'identity' };

/** Most relative redirects followed (a renamed repo, the Hub's resolve cache) before giving up. */
const MAX_RELATIVE_REDIRECTS = 5;

/**
 * The resolve URL's headers. A relative redirect is followed, an absolute
 * one (to the storage host of a large file) is not: its own headers carry
 * the file's ETag and size, as huggingface_hub reads them.
 */
export async function probeFile(request: HubRequest, url: string, what: string): Promise<RemoteFile> {
  let at = url;
  for (let hop = 0; ; hop++) {
    const response = await hubFetch(
      request,
      at,
      { method: 'HEAD', redirect: 'manual', headers: { ...request.headers, ...IDENTITY } },
      what,
    );
    if (response.status >= 400) throw statusError(response.status, what);
    const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
    if (location && !/^[a-z][a-z0-9+.-]*:/i.test(location) && hop < MAX_RELATIVE_REDIRECTS) {
      at = new URL(location, at).toString();
      continue;
    }
    const etag = response.headers.get('x-linked-etag') ?? response.headers.get('etag');
    const size = Number(response.headers.get('x-linked-size') ?? response.headers.get('content-length'));
    if (!etag || !Number.isSafeInteger(size) || size < 0 || (response.status >= 300 && !location)) {
      throw new HubError('bad_response', `${what}: the Hub sent no ETag, size or location for it`);
    }
    return {
      etag: unquote(etag),
      size,
      commit: response.headers.get('x-repo-commit') ?? undefined,
      location: location ? new URL(location, at).toString() : at,
    };
  }
}

async function hashFile(file: string, algorithm: 'sha256' | 'sha1', prefix?: string): Promise<string> {
  const hash = createHash(algorithm);
  if (prefix !== undefined) hash.update(prefix);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Checks size and hash; an ETag of another form (neither a sha256 nor a sha1) is checked by size alone. */
async function verify(file: string, remote: RemoteFile, what: string): Promise<void> {
  const size = statSync(file).size;
  if (size !== remote.size)
    throw new HubError('verification_failed', `${what}: got ${size} bytes, the Hub says ${remote.size}`);
  let actual: string | undefined;
  if (/^[0-9a-f]{64}$/.test(remote.etag)) actual = await hashFile(file, 'sha256');
  else if (/^[0-9a-f]{40}$/.test(remote.etag)) actual = await hashFile(file, 'sha1', `blob ${size}\0`);
  if (actual !== undefined && actual !== remote.etag) {
    throw new HubError(
      'verification_failed',
      `${what}: its hash ${actual} does not match the Hub's ETag ${remote.etag}`,
    );
  }
}

export interface FetchBlobOptions {
  /** Called with the bytes of each chunk written (progress). */
  onBytes?: (bytes: number) => void;
  /** Called once with the offset a resumed download starts from. */
  onResume?: (offset: number) => void;
}

/**
 * Downloads `remote` to `blobPath`, resuming `blobPath.incomplete`. Resolves
 * once the verified blob is in place; a file that fails verification is
 * deleted (its next download starts over) and the HubError names it.
 */
export async function fetchBlob(
  request: HubRequest,
  remote: RemoteFile,
  blobPath: string,
  hubOrigin: string,
  what: string,
  options: FetchBlobOptions = {},
): Promise<void> {
  mkdirSync(path.dirname(blobPath), { recursive: true });
  const partial = `${blobPath}.incomplete`;
  let offset = existsSync(partial) ? statSync(partial).size : 0;
  if (offset > remote.size) offset = 0;
  // A CDN on another host gets no Hub token (the redirect carries its own signature), as huggingface_hub does.
  const headers: Record<string, string> = {
    ...(new URL(remote.location).origin === hubOrigin ? request.headers : {}),
    ...IDENTITY,
  };
  if (offset > 0) headers.Range = `bytes=${offset}-`;
  if (offset > 0 && offset < remote.size) options.onResume?.(offset);
  const response = offset === remote.size ? null : await hubFetch(request, remote.location, { headers }, what);
  if (response) {
    if (response.status >= 400 && response.status !== 416) throw statusError(response.status, what);
    // 200 to a Range request: the server sends the whole file, so it is written from the start.
    const append = offset > 0 && response.status === 206;
    if (response.status !== 416 && response.body) {
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          options.onBytes?.(chunk.length);
          done(null, chunk);
        },
      });
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        counter,
        createWriteStream(partial, { flags: append ? 'a' : 'w' }),
      );
    }
  }
  try {
    await verify(partial, remote, what);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  renameSync(partial, blobPath);
}
