/**
 * A fake Hugging Face Hub on 127.0.0.1:0 that answers as the real one does,
 * for the Hub client and the gateway's LOCAL_MODEL start:
 *
 * - `GET /api/models/<repo>/revision/<rev>`: the commit (`sha`) and siblings;
 * - `GET /api/models/<repo>/tree/<rev>?recursive=…`: file entries (`oid`,
 *   `size`, `lfs: {oid, size}`), a few per page with a `Link: rel="next"`;
 * - `HEAD|GET /<repo>/resolve/<rev>/<path>`: small files 307 (relative) to
 *   `/api/resolve-cache/…`, which answers with their git blob sha1 as `ETag`;
 *   LFS files (.onnx and external data) 302 (absolute) to `/cdn/<sha256>` with
 *   `X-Linked-Etag`/`X-Linked-Size`; all carry `X-Repo-Commit`;
 * - `GET /cdn/<sha256>`: the bytes, with Range requests (206);
 * - 401 for a gated repo without its token, 404 with `X-Error-Code` for an
 *   unknown repo, revision or file.
 *
 * `stallAfter` makes the CDN send that many bytes of a file and then hold the
 * connection open (a slow download to kill halfway); every call is recorded.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Socket } from 'node:net';
import { must } from './must.js';

export interface FakeRepo {
  /** Files by path in the repo. */
  files: Record<string, Buffer>;
  /** Requests without `Authorization: Bearer <token>` get 401. Default: not gated. */
  token?: string;
}

export interface HubCall {
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

export interface FakeHub {
  url: string;
  calls: HubCall[];
  /** The commit id the fake gives a repo's `main`. */
  commitOf(repo: string): string;
  /** sha256 of a repo file (its LFS oid). */
  sha256(repo: string, file: string): string;
  /** From now on the CDN sends only `bytes` bytes of each response and then stalls (null: whole files). */
  stallAfter(bytes: number | null): void;
  /** Bytes the CDN has sent in all. */
  cdnBytesSent(): number;
  /** Serves `bytes` in place of a file's real bytes (the hashes stay the real ones): a corrupt download. */
  corrupt(repo: string, file: string, bytes: Buffer): void;
  close(): Promise<void>;
}

const isLfs = (file: string) => /\.onnx(_data(_\d+)?|\.data)?$/.test(file);
const sha1Blob = (bytes: Buffer) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every file under `dir`, by relative path (a model fixture as a repo). */
export function repoFromFolder(dir: string, extra: Record<string, Buffer | string> = {}): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub))) {
      const rel = sub ? `${sub}/${name}` : name;
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else files[rel] = readFileSync(path.join(dir, rel));
    }
  };
  walk('');
  for (const [name, value] of Object.entries(extra)) files[name] = Buffer.isBuffer(value) ? value : Buffer.from(value);
  return files;
}

/** Tree entries per page, so clients must follow `Link` headers. */
const PAGE_SIZE = 4;

export async function startFakeHub(repos: Record<string, FakeRepo>): Promise<FakeHub> {
  const commits = new Map(Object.keys(repos).map((r) => [r, randomBytes(20).toString('hex')]));
  const blobs = new Map<string, Buffer>();
  for (const repo of Object.values(repos))
    for (const bytes of Object.values(repo.files)) blobs.set(sha256(bytes), bytes);
  const corrupted = new Map<string, Buffer>();
  const calls: HubCall[] = [];
  const sockets = new Set<Socket>();
  let port = 0;
  let stall: number | null = null;
  let cdnSent = 0;

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res
      .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
      .end(text);
  };
  const notFound = (res: ServerResponse, code: string, message: string) =>
    json(res, 404, { error: message }, { 'x-error-code': code });

  /** The repo and revision a route names, or an answer already sent. */
  function repoAt(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    rev: string,
  ): { repo: FakeRepo; commit: string } | null {
    const repo = repos[name];
    if (!repo) {
      notFound(res, 'RepoNotFound', 'Repository not found');
      return null;
    }
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      json(
        res,
        401,
        { error: 'Access to this model is restricted. You must have access to it and be authenticated to access it.' },
        { 'x-error-code': 'GatedRepo' },
      );
      return null;
    }
    const commit = commits.get(name);
    if (commit === undefined || (rev !== 'main' && rev !== commit)) {
      notFound(res, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      return null;
    }
    return { repo, commit };
  }

  function entry(file: string, bytes: Buffer) {
    return {
      type: 'file',
      oid: sha1Blob(bytes),
      size: bytes.length,
      path: file,
      ...(isLfs(file) ? { lfs: { oid: sha256(bytes), size: bytes.length, pointerSize: 134 } } : {}),
    };
  }

  function sendBytes(req: IncomingMessage, res: ServerResponse, bytes: Buffer, headers: Record<string, string>) {
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = bytes.length - 1;
    let status = 200;
    if (match) {
      start = Number(match[1]);
      end = match[2] ? Math.min(Number(match[2]), end) : end;
      if (start > end) {
        res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${bytes.length}`;
    }
    const body = bytes.subarray(start, end + 1);
    res.writeHead(status, { 'content-length': String(body.length), 'accept-ranges': 'bytes', ...headers });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (stall === null || stall >= body.length) {
      cdnSent += body.length;
      res.end(body);
      return;
    }
    // Sends the first part and holds the rest back until the client goes away: a download to kill halfway.
    cdnSent += stall;
    res.write(body.subarray(0, stall));
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    const pathname = decodeURIComponent(url.pathname);
    calls.push({
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      range: req.headers.range,
      authorization: req.headers.authorization,
    });
    // Every group of these routes is required, so a match has them all; destructuring checks them once.
    const [, revisionRepo, revisionRev] = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(pathname) ?? [];
    if (revisionRepo !== undefined && revisionRev !== undefined) {
      const found = repoAt(req, res, revisionRepo, revisionRev);
      if (found) {
        json(res, 200, {
          _id: `id-${revisionRepo}`,
          id: revisionRepo,
          sha: found.commit,
          private: false,
          gated: found.repo.token ? 'manual' : false,
          downloads: 0,
          likes: 0,
          lastModified: '2025-01-01T00:00:00.000Z',
          siblings: Object.keys(found.repo.files).map((rfilename) => ({ rfilename })),
        });
      }
      return;
    }
    const [, treeRepo, treeRev] = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(pathname) ?? [];
    if (treeRepo !== undefined && treeRev !== undefined) {
      const found = repoAt(req, res, treeRepo, treeRev);
      if (!found) return;
      const all = Object.entries(found.repo.files).map(([file, bytes]) => entry(file, bytes));
      const cursor = Number(url.searchParams.get('cursor') ?? 0);
      const page = all.slice(cursor, cursor + PAGE_SIZE);
      const headers: Record<string, string> = {};
      if (cursor + PAGE_SIZE < all.length) {
        const next = new URL(url.toString().replace('http://hub', `http://127.0.0.1:${port}`));
        next.searchParams.set('cursor', String(cursor + PAGE_SIZE));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      json(res, 200, page, headers);
      return;
    }
    const [, resolveRepo, resolveRev, resolveFile] = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(pathname) ?? [];
    if (resolveRepo !== undefined && resolveRev !== undefined && resolveFile !== undefined) {
      const found = repoAt(req, res, resolveRepo, resolveRev);
      if (!found) return;
      const bytes = found.repo.files[resolveFile];
      if (!bytes) {
        notFound(res, 'EntryNotFound', `${resolveFile} does not exist on "${resolveRev}"`);
        return;
      }
      const common = { 'x-repo-commit': found.commit };
      if (isLfs(resolveFile)) {
        const oid = sha256(bytes);
        // Absolute, as the real Hub's redirect to its storage host is: clients read this response's headers and do not follow it for them.
        res
          .writeHead(302, {
            ...common,
            location: `http://127.0.0.1:${port}/cdn/${oid}`,
            etag: `"${sha1Blob(bytes)}"`,
            'x-linked-etag': `"${oid}"`,
            'x-linked-size': String(bytes.length),
            'content-length': '0',
          })
          .end();
        return;
      }
      // Small files go through a relative redirect to the resolve cache, as on the real Hub; clients follow it.
      res
        .writeHead(307, {
          ...common,
          location: `/api/resolve-cache/models/${resolveRepo}/${found.commit}/${resolveFile}`,
          'content-length': '0',
        })
        .end();
      return;
    }
    const [, cacheRepo, cacheRev, cacheFile] =
      /^\/api\/resolve-cache\/models\/([^/]+\/[^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(pathname) ?? [];
    if (cacheRepo !== undefined && cacheRev !== undefined && cacheFile !== undefined) {
      const found = repoAt(req, res, cacheRepo, cacheRev);
      if (!found) return;
      const bytes = found.repo.files[cacheFile];
      if (!bytes) {
        notFound(res, 'EntryNotFound', `${cacheFile} does not exist on "${cacheRev}"`);
        return;
      }
      sendBytes(req, res, bytes, { 'x-repo-commit': found.commit, etag: `"${sha1Blob(bytes)}"` });
      return;
    }
    const [, oid] = /^\/cdn\/([0-9a-f]{64})$/.exec(pathname) ?? [];
    const blob = oid === undefined ? undefined : blobs.get(oid);
    if (oid !== undefined && blob) {
      sendBytes(req, res, corrupted.get(oid) ?? blob, {});
      return;
    }
    json(res, 404, { error: 'not found' });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    commitOf: (repo) => must(commits.get(repo), `the commit of ${repo}`),
    sha256: (repo, file) => sha256(must(repos[repo]?.files[file], `${repo}/${file}`)),
    stallAfter(bytes) {
      stall = bytes;
    },
    cdnBytesSent: () => cdnSent,
    corrupt(repo, file, bytes) {
      corrupted.set(sha256(must(repos[repo]?.files[file], `${repo}/${file}`)), bytes);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
