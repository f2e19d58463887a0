import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chapter4Dir } from '../../helpers/paths.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';
import { type ImageErrorCode, isImageLoadError, loadImageBytes } from '../../../providers/images/load.js';
import { isForbiddenAddress } from '../../../providers/images/address-policy.js';
import type { Socket } from 'node:net';

const jpeg = path.join(chapter4Dir, 'img', 'image_1.jpg');
const MB = 1024 * 1024;
/** The test server is on loopback, which image fetches refuse unless the host is allowed by name. */
const LOOPBACK = { allowHosts: ['127.0.0.1'] } as const;
/** Connections the server accepted, to prove a refused fetch never connected. */
let connections = 0;
/** What the server wrote per route, to prove the client stopped reading early. */
const sent = new Map<string, number>();
/** Routes whose response the server saw closed (the client hung up, or it ended). */
const closed = new Set<string>();
const sockets = new Set<Socket>();
let server: http.Server;
let base: string;

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  const count = (n: number): void => void sent.set(url, (sent.get(url) ?? 0) + n);
  res.once('close', () => closed.add(url));
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
  } else if (url.startsWith('/redirect?to=')) {
    res.writeHead(302, { location: decodeURIComponent(url.slice('/redirect?to='.length)) }).end();
  } else if (url === '/gone') {
    res.writeHead(404).end();
  } else {
    res.writeHead(500).end();
  }
}

before(async () => {
  server = http.createServer(route);
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
const tmp = tempDir('image-load');

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
  assert.deepEqual(await loadImageBytes(`${base}/ok.jpg`, LOOPBACK), expected);
});

test('a huge chunked body fails with IMAGE_TOO_LARGE, without reading it all', async (t) => {
  await rejectsWith(
    loadImageBytes(`${base}/huge-chunked`, { ...LOOPBACK, maxBytes: 1 * MB, timeoutMs: 20_000 }),
    'IMAGE_TOO_LARGE',
  );
  // The server stops writing once it sees the client hang up.
  await waitFor(() => closed.has('/huge-chunked'), { what: 'the server to see the socket closed' });
  const written = sent.get('/huge-chunked') ?? 0;
  t.diagnostic(`huge body: the server had written ${(written / MB).toFixed(1)} MB of 500 (limit 1 MB)`);
  assert.ok(written < 100 * MB, `server wrote ${written} bytes before the client gave up`);
});

test('a declared Content-Length over the limit fails at once', async () => {
  // The server never ends the body: had the client read on, it would end at the timeout, with IMAGE_TIMEOUT.
  await rejectsWith(
    loadImageBytes(`${base}/huge-declared`, { ...LOOPBACK, maxBytes: 10 * MB, timeoutMs: 20_000 }),
    'IMAGE_TOO_LARGE',
  );
  assert.equal(sent.get('/huge-declared'), 1024);
});

test('a server that stalls mid-body fails with IMAGE_TIMEOUT at the timeout; one that never answers is IMAGE_UNREACHABLE then', async () => {
  // Neither server ever finishes: only the 300 ms timeout can end these fetches.
  for (const [p, code] of [
    ['/slow-body', 'IMAGE_TIMEOUT'],
    ['/slow-headers', 'IMAGE_UNREACHABLE'],
  ] as const) {
    const started = performance.now();
    await rejectsWith(loadImageBytes(`${base}${p}`, { ...LOOPBACK, timeoutMs: 300 }), code);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 295, `${p}: gave up after ${elapsed.toFixed(0)} ms, before the timeout`);
  }
});

test('missing images are IMAGE_NOT_FOUND; other answers IMAGE_UNREADABLE', async () => {
  await rejectsWith(loadImageBytes(`${base}/gone`, LOOPBACK), 'IMAGE_NOT_FOUND');
  await rejectsWith(loadImageBytes(path.join(tmp, 'nope.jpg')), 'IMAGE_NOT_FOUND');
  await rejectsWith(loadImageBytes(`${base}/boom`, LOOPBACK), 'IMAGE_UNREADABLE');
  await rejectsWith(loadImageBytes('ftp://example.invalid/x.jpg'), 'IMAGE_UNREADABLE');
});

test('a closed port and a server that never answers read the same: IMAGE_UNREACHABLE, one message', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const messages: string[] = [];
  for (const url of [`http://127.0.0.1:${port}/x.jpg`, `${base}/slow-headers`]) {
    await assert.rejects(loadImageBytes(url, { ...LOOPBACK, timeoutMs: 300 }), (err: unknown) => {
      assert.ok(isImageLoadError(err));
      assert.equal(err.code, 'IMAGE_UNREACHABLE');
      messages.push(err.message.replace(url, 'URL'));
      return true;
    });
  }
  assert.equal(messages[0], messages[1]);
});

test('without the allow setting, loopback is refused before connecting (by IP, by name, IPv6, IPv4-mapped), and so is a redirect to it', async () => {
  const port = new URL(base).port;
  const before = connections;
  for (const url of [
    `${base}/ok.jpg`,
    `http://localhost:${port}/ok.jpg`,
    `http://[::1]:${port}/ok.jpg`,
    `http://[::ffff:127.0.0.1]:${port}/ok.jpg`,
    `http://0.0.0.0:${port}/ok.jpg`,
  ]) {
    await rejectsWith(loadImageBytes(url), 'IMAGE_FETCH_REFUSED');
  }
  // Allowing one name allows that name only.
  await rejectsWith(loadImageBytes(`http://localhost:${port}/ok.jpg`, LOOPBACK), 'IMAGE_FETCH_REFUSED');
  assert.equal(connections, before, 'a refused fetch never reached the server');
  // The allowed host answers with a redirect to a host that is not allowed: the second hop is refused.
  const to = encodeURIComponent(`http://localhost:${port}/ok.jpg`);
  await rejectsWith(loadImageBytes(`${base}/redirect?to=${to}`, LOOPBACK), 'IMAGE_FETCH_REFUSED');
  // Followed when the target is allowed too.
  assert.deepEqual(
    await loadImageBytes(`${base}/redirect?to=${to}`, { allowHosts: ['127.0.0.1', 'localhost'] }),
    readFileSync(jpeg),
  );
  // A local file where only URLs are allowed is refused the same way.
  await rejectsWith(loadImageBytes(jpeg, { allowLocalFiles: false }), 'IMAGE_FETCH_REFUSED');
});

test('address policy: loopback, private, link-local, CGNAT, multicast, unspecified and their IPv6 and mapped forms are forbidden; public ones are not', () => {
  const forbidden = [
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '169.254.0.1',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '198.18.0.1',
    '192.0.2.1',
    '::',
    '::1',
    '::127.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:10.0.0.1',
    'fe80::1',
    'fd00::1',
    'fc00::1',
    'ff02::1',
    '64:ff9b::a9fe:a9fe',
    '2002:7f00:1::',
    '2001:db8::1',
    '2001::1',
    'not-an-address',
  ];
  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '192.169.0.1',
    '::ffff:8.8.8.8',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
  ];
  assert.deepEqual(
    forbidden.filter((a) => !isForbiddenAddress(a)),
    [],
  );
  assert.deepEqual(
    allowed.filter((a) => isForbiddenAddress(a)),
    [],
  );
});

test('a local file over the limit is IMAGE_TOO_LARGE', async () => {
  const big = path.join(tmp, 'big.jpg');
  writeFileSync(big, Buffer.alloc(2048));
  await rejectsWith(loadImageBytes(big, { maxBytes: 1024 }), 'IMAGE_TOO_LARGE');
  assert.equal((await loadImageBytes(big, { maxBytes: 2048 })).length, 2048);
});
