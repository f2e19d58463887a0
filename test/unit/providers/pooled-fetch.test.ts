/**
 * pooledFetch against a real HTTP server on port 0: what it reads in one
 * piece, what it streams, and what it leaves to the global fetch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import { pooledFetch } from '../../../providers/pooled-fetch.js';
import { waitFor } from '../../helpers/wait.js';
import { must } from '../../helpers/must.js';

describe('pooledFetch', () => {
  let server: http.Server;
  let base: string;
  const seen: Array<{
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
    port: number | undefined;
  }> = [];
  /** Ends an open /events stream with its second event: the test sends it once it has read the first. */
  const secondEvents: Array<() => void> = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body,
          port: req.socket.remotePort,
        });
        if (req.url === '/json') {
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res
            .writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req-1' })
            .end(JSON.stringify({ echo: body }));
        } else if (req.url === '/empty') {
          res.writeHead(204).end();
        } else if (req.url === '/moved') {
          res.writeHead(307, { location: '/json' }).end();
        } else if (req.url === '/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: one\n\n');
          secondEvents.push(() => res.end('data: two\n\n'));
        } else if (req.url === '/gzip') {
          res
            .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
            .end(gzipSync(JSON.stringify({ zipped: true })));
        } else if (req.url === '/hang') {
          // never answers
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const f = pooledFetch();

  it('sends method, headers and a string body, and returns status, headers and body', async () => {
    const res = await f(`${base}/json`, {
      method: 'post',
      headers: new Headers({ 'Content-Type': 'application/json', Authorization: 'Bearer k' }),
      body: '{"a":1}',
    });
    assert.equal(res.status, 201);
    assert.equal(res.ok, true);
    assert.equal(res.headers.get('x-request-id'), 'req-1');
    assert.equal(res.headers.get('set-cookie'), 'a=1, b=2');
    assert.deepEqual(await res.json(), { echo: '{"a":1}' });
    const call = must(seen.at(-1), 'the call');
    assert.equal(call.method, 'POST');
    assert.equal(call.headers.authorization, 'Bearer k');
    assert.equal(call.headers['content-type'], 'application/json');
  });

  it('answers a 204 with no body and an error status with its body', async () => {
    const empty = await f(`${base}/empty`);
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
    const missing = await f(`${base}/missing`, { headers: [['x-a', '1']] });
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), 'nope');
    assert.equal(seen.at(-1)?.headers['x-a'], '1');
  });

  it('decodes a compressed answer, as fetch does', async () => {
    const res = await f(`${base}/gzip`);
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    assert.deepEqual(await res.json(), { zipped: true });
  });

  it('follows a redirect through the global fetch', async () => {
    const res = await f(`${base}/moved`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { echo: 'x' });
  });

  it('streams server-sent events as they come', async () => {
    const res = await f(`${base}/events`);
    const reader = must(res.body, 'the streamed body').getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), 'data: one\n\n');
    must(secondEvents.shift(), 'the held second event')();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += new TextDecoder().decode(chunk.value);
    assert.equal(rest, 'data: two\n\n');
  });

  it('rejects with the reason of an aborted signal', async () => {
    const controller = new AbortController();
    const before = seen.length;
    const pending = f(`${base}/hang`, { signal: controller.signal });
    await waitFor(() => seen.length > before, { what: 'the request to reach the server' });
    controller.abort(new Error('stop'));
    await assert.rejects(pending, /stop/);
  });

  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const before = seen.length;
    await assert.rejects(
      f(`${base}/json`, { method: 'POST', body: 'x', signal: AbortSignal.abort(new Error('gone')) }),
      /gone/,
    );
    assert.equal(seen.length, before);
  });

  it('ends a streamed body with the reason of an abort after the headers', async () => {
    const controller = new AbortController();
    const res = await f(`${base}/events`, { signal: controller.signal });
    const reader = must(res.body, 'the streamed body').getReader();
    await reader.read();
    controller.abort(new Error('stop reading'));
    await assert.rejects(reader.read(), /stop reading/);
  });

  it('keeps its connection alive from one call to the next', async () => {
    for (let i = 0; i < 3; i += 1)
      assert.equal((await f(`${base}/json`, { method: 'POST', body: String(i) })).status, 201);
    const ports = seen.slice(-3).map((call) => call.port);
    assert.equal(new Set(ports).size, 1, `one socket for three calls in a row, saw ports ${ports.join(', ')}`);
  });

  it('sends through an undici Dispatcher when one is given', async () => {
    let dispatched = 0;
    class CountingAgent extends Agent {
      override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        dispatched += 1;
        return super.dispatch(options, handler);
      }
    }
    const agent = new CountingAgent();
    try {
      const res = await pooledFetch({ dispatcher: agent })(`${base}/json`, { method: 'POST', body: 'via undici' });
      assert.deepEqual(await res.json(), { echo: 'via undici' });
      assert.equal(dispatched, 1);
    } finally {
      await agent.close();
    }
  });
});
