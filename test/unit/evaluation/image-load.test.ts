import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chapter4Dir } from '../../helpers/paths.js';
import { type ImageErrorCode, isImageLoadError, loadImageBytes } from '../../../src/evaluation/images/load.js';

const jpeg = path.join(chapter4Dir, 'img', 'image_1.jpg');
const MB = 1024 * 1024;
/** What the server wrote per route, to prove the client stopped reading early. */
const sent = new Map<string, number>();
const sockets = new Set<import('node:net').Socket>();
let server: http.Server;
let base: string;
let tmp: string;

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  const count = (n: number): void => void sent.set(url, (sent.get(url) ?? 0) + n);
  if (url === '/ok.jpg') {
    const body = readFileSync(jpeg);
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length });
    res.end(body);
  } else if (url === '/huge-chunked') {
    // No Content-Length: the client can only find out by counting while it reads.
    // Writes up to 500 MB, one chunk per drain, so the count shows how far it read.
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    const chunk = Buffer.alloc(64 * 1024, 0xab);
    const pump = (): void => {
      while (!res.destroyed && (sent.get(url) ?? 0) < 500 * MB) {
        count(chunk.length);
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  } else if (url === '/huge-declared') {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(200 * MB) });
    res.write(Buffer.alloc(1024));
    count(1024);
  } else if (url === '/slow-headers') {
    // Never answers; the server destroys the socket at the end.
  } else if (url === '/slow-body') {
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    res.write(Buffer.alloc(100));
  } else if (url === '/gone') {
    res.writeHead(404).end();
  } else {
    res.writeHead(500).end();
  }
}

before(async () => {
  server = http.createServer(route);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'image-load-'));
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

async function rejectsWith(p: Promise<unknown>, code: ImageErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isImageLoadError(err), `expected ImageLoadError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

test('loads a local file, a file: URL and an http URL to the same bytes', async () => {
  const expected = readFileSync(jpeg);
  assert.deepEqual(await loadImageBytes(jpeg), expected);
  assert.deepEqual(await loadImageBytes(pathToFileURL(jpeg).href), expected);
  assert.deepEqual(await loadImageBytes(`${base}/ok.jpg`), expected);
});

test('a huge chunked body fails with IMAGE_TOO_LARGE promptly, without reading it all', async () => {
  const started = performance.now();
  await rejectsWith(loadImageBytes(`${base}/huge-chunked`, { maxBytes: 1 * MB, timeoutMs: 20_000 }), 'IMAGE_TOO_LARGE');
  const elapsed = performance.now() - started;
  // Give the server a moment to notice the closed socket and stop writing.
  await new Promise((r) => setTimeout(r, 100));
  const written = sent.get('/huge-chunked') ?? 0;
  console.log(`huge body: gave up after ${elapsed.toFixed(0)} ms; server had written ${(written / MB).toFixed(1)} MB (limit 1 MB)`);
  assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
  assert.ok(written < 100 * MB, `server wrote ${written} bytes before the client gave up`);
});

test('a declared Content-Length over the limit fails at once', async () => {
  const started = performance.now();
  await rejectsWith(loadImageBytes(`${base}/huge-declared`, { maxBytes: 10 * MB, timeoutMs: 20_000 }), 'IMAGE_TOO_LARGE');
  assert.ok(performance.now() - started < 1_000);
});

test('a server that never answers, or stalls mid-body, fails with IMAGE_TIMEOUT at the timeout', async () => {
  for (const p of ['/slow-headers', '/slow-body']) {
    const started = performance.now();
    await rejectsWith(loadImageBytes(`${base}${p}`, { timeoutMs: 300 }), 'IMAGE_TIMEOUT');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 280 && elapsed < 1_500, `${p}: timed out after ${elapsed} ms`);
  }
});

test('missing images are IMAGE_NOT_FOUND; other failures IMAGE_UNREADABLE', async () => {
  await rejectsWith(loadImageBytes(`${base}/gone`), 'IMAGE_NOT_FOUND');
  await rejectsWith(loadImageBytes(path.join(tmp, 'nope.jpg')), 'IMAGE_NOT_FOUND');
  await rejectsWith(loadImageBytes(`${base}/boom`), 'IMAGE_UNREADABLE');
  await rejectsWith(loadImageBytes('ftp://example.invalid/x.jpg'), 'IMAGE_UNREADABLE');
  await rejectsWith(loadImageBytes(jpeg, { allowLocalFiles: false }), 'IMAGE_UNREADABLE');
  // A port nobody listens on: the connection is refused.
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await rejectsWith(loadImageBytes(`http://127.0.0.1:${port}/x.jpg`), 'IMAGE_UNREADABLE');
});

test('a local file over the limit is IMAGE_TOO_LARGE', async () => {
  const big = path.join(tmp, 'big.jpg');
  writeFileSync(big, Buffer.alloc(2048));
  await rejectsWith(loadImageBytes(big, { maxBytes: 1024 }), 'IMAGE_TOO_LARGE');
  assert.equal((await loadImageBytes(big, { maxBytes: 2048 })).length, 2048);
});
