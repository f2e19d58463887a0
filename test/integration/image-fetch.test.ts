import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { chapter4Dir, fixturesDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';
import { dataOf } from '../helpers/graphql.js';
import { BenchmarkRunDocument, RunBenchmarkDocument } from '../generated/graphql.js';

const clipModelDir = path.join(fixturesDir, 'models', 'tiny-clip');
const RUN = RunBenchmarkDocument;
const GET = BenchmarkRunDocument;

/** An image server on loopback, the address an attacker would aim a catalog row at. */
let images: http.Server;
let base: string;
let requests = 0;
before(async () => {
  const jpeg = readFileSync(path.join(chapter4Dir, 'img', 'image_1.jpg'));
  images = http.createServer((req, res) => {
    requests++;
    if (req.url?.startsWith('/redirect'))
      return void res
        .writeHead(302, { location: `http://localhost:${(images.address() as AddressInfo).port}/a.jpg` })
        .end();
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length }).end(jpeg);
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
});
after(async () => {
  images.closeAllConnections();
  await new Promise<void>((resolve) => images.close(() => resolve()));
});

/** A candidates-only benchmark (no generation) over rows whose images are the given URLs; returns each row's clipReason. */
async function clipReasons(server: TestServer, urls: string[]): Promise<Array<string | null>> {
  const csv = [
    'product_image,product_description,product_title,product_metadata',
    ...urls.map((u, i) => `${u},A linen shirt ${i}.,Shirt ${i},"[]"`),
  ].join('\n');
  const { id } = dataOf(
    await server.gql(RUN, {
      input: {
        datasetCsv: csv,
        candidates: [{ name: 'titles', texts: urls.map((_, i) => `Shirt ${i}`) }],
        allRows: true,
        metrics: ['METEOR'],
      },
    }),
  ).runBenchmark;
  const run = await waitFor(
    async () => {
      const polled = dataOf(await server.gql(GET, { id })).benchmarkRun;
      return polled && (polled.status === 'COMPLETED' || polled.status === 'FAILED') && polled;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'the benchmark to finish' },
  );
  assert.equal(run.status, 'COMPLETED', run.error ?? undefined);
  return [...run.rows].sort((a, b) => a.rowIndex - b.rowIndex).map((r) => r.clipReason);
}

test('by default a catalog image URL on loopback, or redirecting there, is IMAGE_FETCH_REFUSED and never fetched', async () => {
  const server = await startTestServer({ clipModelDir, ortExecutionProvider: 'cpu' });
  try {
    const before = requests;
    assert.deepEqual(await clipReasons(server, [`${base}/a.jpg`, `http://[::1]:${new URL(base).port}/a.jpg`]), [
      'IMAGE_FETCH_REFUSED',
      'IMAGE_FETCH_REFUSED',
    ]);
    assert.equal(requests, before, 'the image server saw no request');
  } finally {
    await server.stop();
  }
});

test('IMAGE_FETCH_ALLOW_HOSTS lets a named host through, and only it: its redirect to another loopback name is refused', async () => {
  const server = await startTestServer({
    clipModelDir,
    ortExecutionProvider: 'cpu',
    imageFetchAllowHosts: '127.0.0.1',
  });
  try {
    assert.deepEqual(await clipReasons(server, [`${base}/a.jpg`, `${base}/redirect`]), [null, 'IMAGE_FETCH_REFUSED']);
  } finally {
    await server.stop();
  }
});
