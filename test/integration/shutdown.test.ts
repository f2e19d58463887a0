import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../helpers/paths.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { testLogDir } from '../helpers/server.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS } from '../helpers/keys.js';

const GENERATE = 'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }';

test('SIGTERM: /readyz turns 503 at once, all 50 requests in flight finish with 200, new ones are refused, exit 0', async () => {
  const fake = await startFakeOpenAI({ latencyMs: 1500 });
  const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-shutdown-'));
  mkdirSync(testLogDir, { recursive: true });
  const log = createWriteStream(path.join(testLogDir, `${path.basename(dir)}.log`));
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'src', 'index.js')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_PATH: path.join(dir, 'gateway.db'),
      PROVIDERS: 'openai',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_API_KEY: 'sk-test-shutdown-provider-secret',
      GATEWAY_API_KEYS: TEST_GATEWAY_API_KEYS,
      CACHE_TTL_MS: '0',
      SHUTDOWN_GRACE_MS: '10000',
      RATE_LIMITS: 'personalization=off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'StyleSprint Gateway listening' && entry.url) resolve(entry.url);
      });
      child.once('exit', (code) => reject(new Error(`gateway exited early with ${code}`)));
    });
    const gql = (query: string, variables: unknown) =>
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS.personalization}` },
        body: JSON.stringify({ query, variables }),
      });
    const page = (await (await gql('{ products(first: 50) { edges { node { id } } } }', {})).json()) as any;
    const ids: string[] = page.data.products.edges.map((e: any) => e.node.id);
    assert.equal(ids.length, 50);

    const requests = ids.map((productId) => gql(GENERATE, { input: [{ productId }] }).then(async (r) => ({ status: r.status, body: (await r.json()) as any })));
    // Wait until every request is held at the fake (1.5 s latency), then stop.
    const deadline = Date.now() + 5000;
    while (fake.inFlight() < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(fake.inFlight(), 50, 'all 50 generations in flight before SIGTERM');
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as any).status, 'draining');
    const late = await gql(GENERATE, { input: [{ productId: ids[0] }] });
    assert.equal(late.status, 503);
    assert.equal(((await late.json()) as any).errors[0].extensions.code, 'SHUTTING_DOWN');

    const results = await Promise.all(requests);
    assert.deepEqual(results.map((r) => r.status), new Array(50).fill(200));
    assert.ok(results.every((r) => r.body.data.generateDescriptions[0].__typename === 'Description'));
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await fake.close();
    log.end();
    rmSync(dir, { recursive: true, force: true });
  }
});
