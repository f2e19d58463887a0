/**
 * LOCAL_MODEL through the real gateway process: a fake Hub on loopback serves
 * the tiny-llama fixture (with the Qwen2.5 chat template) as a repo.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { repoFromFolder, startFakeHub, type FakeHub } from '../helpers/fake-hub.js';
import { spawnGateway, type ChildGateway } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait.js';
import { dataOf, productIds } from '../helpers/graphql.js';
import { described, failed, type GenerationItem } from '../helpers/generation-results.js';
import { GenerateDescriptionsDocument } from '../generated/graphql.js';
import { must, mustHave } from '../helpers/must.js';

const REPO = 'onnx-community/tiny-llama-chat';
const GRAPH = 'onnx/model.onnx';
const files = repoFromFolder(path.join(fixturesDir, 'models', 'tiny-llama'), {
  'chat_template.jinja': readFileSync(path.join(fixturesDir, 'chat-templates', 'qwen2_5.jinja')),
});

const GENERATE = GenerateDescriptionsDocument;
const PROVIDERS = '{ providers { id model state promptFormat healthy lastError } }';
type Providers = {
  providers: Array<{
    id: string;
    model: string;
    state: string;
    promptFormat: string;
    healthy: boolean;
    lastError: string | null;
  }>;
};

const running: ChildGateway[] = [];
const hubs: FakeHub[] = [];
after(async () => {
  for (const g of running) await g.kill();
  for (const h of hubs) await h.close();
});
// After the hook above (after hooks run in order): the gateways are gone before their folder.
const work = tempDir('hub-gateway');

function env(home: string, extra: Record<string, string>): Record<string, string> {
  return {
    PROVIDERS: 'onnx',
    LOCAL_MODEL: REPO,
    HF_HOME: home,
    HF_HUB_OFFLINE: '0',
    HUGGINGFACEHUB_API_TOKEN: '',
    HF_TOKEN: '',
    DATABASE_PATH: path.join(home, 'gateway.db'),
    ...extra,
  };
}

async function start(home: string, extra: Record<string, string>, name: string): Promise<ChildGateway> {
  const gateway = await spawnGateway('index', env(home, extra), name);
  running.push(gateway);
  return gateway;
}

/** Polls /readyz until it answers 200; returns every not-ready body seen on the way. */
async function untilReady(gateway: ChildGateway, timeoutMs = 60_000): Promise<unknown[]> {
  const seen: unknown[] = [];
  await waitFor(
    async () => {
      const response = await fetch(`${gateway.url}/readyz`);
      const body = await response.json();
      if (response.status !== 200) seen.push(body);
      return response.status === 200;
    },
    { timeoutMs, intervalMs: 50, what: () => `readiness (last: ${JSON.stringify(seen.at(-1))})` },
  );
  return seen;
}

async function generate(gateway: ChildGateway): Promise<GenerationItem> {
  const [productId] = mustHave(await productIds(gateway.gql, 1), 1, 'product ids');
  const r = await gateway.gql(GENERATE, {
    input: [{ productId: productId, provider: 'onnx', params: { maxTokens: 8 } }],
  });
  return must(dataOf(r).generateDescriptions[0], 'a generation result');
}

const home = path.join(work, 'home');

test('LOCAL_MODEL with an empty HF_HOME: the gateway downloads, verifies and generates with the chat template', async () => {
  const hub = await startFakeHub({ [REPO]: { files } });
  hubs.push(hub);
  const gateway = await start(home, { HF_ENDPOINT: hub.url }, 'hub-first');
  await untilReady(gateway);
  const [provider] = dataOf(await gateway.gql<Providers>(PROVIDERS)).providers;
  assert.deepEqual(provider, {
    id: 'onnx',
    model: REPO,
    state: 'READY',
    promptFormat: 'CHAT_TEMPLATE',
    healthy: true,
    lastError: null,
  });
  const d = described(await generate(gateway));
  assert.equal(d.provider, 'onnx');
  assert.equal(d.model, REPO);
  assert.ok(d.text.length > 0);
  const commit = hub.commitOf(REPO);
  const root = path.join(home, 'hub', 'models--onnx-community--tiny-llama-chat');
  assert.equal(readFileSync(path.join(root, 'refs', 'main'), 'utf8'), commit);
  assert.ok(existsSync(path.join(root, 'blobs', hub.sha256(REPO, GRAPH))));
  assert.ok(existsSync(path.join(root, 'snapshots', commit, 'chat_template.jinja')));
  await gateway.stop();
  await hub.close();
});

test('a second start with HF_HUB_OFFLINE=1 and no Hub generates from the cache', async () => {
  // Nothing listens at this endpoint: a request to it would fail, and offline none is sent.
  const gateway = await start(home, { HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' }, 'hub-offline');
  await untilReady(gateway);
  const d = described(await generate(gateway));
  assert.equal(d.model, REPO);
  await gateway.stop();
});

test('offline with an empty cache: the provider fails with an error naming the repo; the gateway still runs', async () => {
  const empty = path.join(work, 'empty');
  const gateway = await start(empty, { HF_HUB_OFFLINE: '1' }, 'hub-offline-empty');
  const provider = await waitFor(
    async () => {
      const [polled] = dataOf(await gateway.gql<Providers>(PROVIDERS)).providers;
      return polled && polled.state !== 'LOADING' && polled;
    },
    { timeoutMs: 30_000, intervalMs: 20, what: 'the provider to finish loading' },
  );
  assert.equal(provider.state, 'FAILED');
  assert.match(
    provider.lastError ?? '',
    /onnx-community\/tiny-llama-chat@main is not in the cache .*HF_HUB_OFFLINE is set/,
  );
  assert.equal(failed(await generate(gateway)).code, 'PROVIDER_UNAVAILABLE');
  await gateway.stop();
});

test('a download killed halfway (kill -9) resumes on the next start with a Range request', async () => {
  const resumeHome = path.join(work, 'resume');
  const hub = await startFakeHub({ [REPO]: { files } });
  hubs.push(hub);
  const half = Math.floor(must(files[GRAPH], GRAPH).length / 2);
  hub.stallAfter(half);
  const first = await start(resumeHome, { HF_ENDPOINT: hub.url }, 'hub-killed');
  const partial = path.join(
    resumeHome,
    'hub',
    'models--onnx-community--tiny-llama-chat',
    'blobs',
    `${hub.sha256(REPO, GRAPH)}.incomplete`,
  );
  await waitFor(() => existsSync(partial) && statSync(partial).size >= half, {
    timeoutMs: 30_000,
    intervalMs: 20,
    what: 'half the graph on disk',
  });
  // While it downloads, the gateway answers probes and says it is loading.
  const ready = await fetch(`${first.url}/readyz`);
  assert.equal(ready.status, 503);
  const body = await ready.json();
  assert.equal(body.status, 'not_ready');
  assert.match(body.reason, /^onnx: downloading onnx-community\/tiny-llama-chat: \d+%$/);
  assert.equal(dataOf(await first.gql<Providers>(PROVIDERS)).providers[0]?.state, 'LOADING');
  assert.equal(failed(await generate(first)).code, 'PROVIDER_UNAVAILABLE');
  await first.kill();
  assert.equal(statSync(partial).size, half, 'the partial file survives the kill');

  hub.stallAfter(null);
  const second = await start(resumeHome, { HF_ENDPOINT: hub.url }, 'hub-resumed');
  await untilReady(second);
  const cdn = hub.calls.filter((c) => c.path === `/cdn/${hub.sha256(REPO, GRAPH)}`);
  assert.deepEqual(
    cdn.map((c) => c.range),
    [undefined, `bytes=${half}-`],
  );
  assert.ok(!existsSync(partial));
  described(await generate(second));
  await second.stop();
});
