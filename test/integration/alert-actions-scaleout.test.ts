/**
 * Alert actions across replicas sharing Redis: Alertmanager's webhook reaches
 * one gateway process, and the action holds on every one — the others list
 * it and route around the demoted provider, a replica started while the
 * alert fires takes it up, and a "resolved" that reaches another replica
 * undoes it everywhere. Real processes, the test Redis (TEST_REDIS_URL);
 * skipped loudly without one.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeHuggingFace } from '../helpers/fake-huggingface.js';
import type { FakeServer } from '../helpers/fake-http.js';
import type { ChildGateway } from '../helpers/gateway-process.js';
import { skipWithoutRedis } from '../helpers/redis.js';
import { startReplicas, type Replicas } from '../helpers/replicas.js';
import { TEST_KEYS, bearer } from '../helpers/keys.js';
import { dataOf, productIds as firstProductIds } from '../helpers/graphql.js';
import { waitFor } from '../helpers/wait.js';

const GENERATE = `mutation G($input: [GenerateDescriptionInput!]!) {
  generateDescriptions(input: $input) { __typename ... on Description { provider } ... on GenerationError { code message } }
}`;
const ACTIONS = `{ alertActions { kind target alert } }`;

type Action = { kind: string; target: string; alert: string };
type Generated = { __typename: string; provider?: string; code?: string };

const DEMOTE_OPENAI: Action = { kind: 'demote_provider', target: 'openai', alert: 'GatewayProviderErrorRatioHigh' };

let replicas: Replicas | undefined;
let skipReason = '';
// Unset when before() failed before starting it.
let hf: FakeServer | undefined;

before(async () => {
  hf = await startFakeHuggingFace();
  const started = await startReplicas('alert-share', {
    env: { PROVIDERS: 'openai,huggingface', HF_ENDPOINT_URL: hf.url },
  });
  if (!started.ok) {
    skipReason = started.reason;
    return;
  }
  replicas = started.replicas;
});

after(async () => {
  await replicas?.close();
  await hf?.close();
});

const alert = (status: 'firing' | 'resolved') => ({
  status,
  labels: { alertname: 'GatewayProviderErrorRatioHigh', provider: 'openai' },
  annotations: { summary: 'test' },
  startsAt: '2025-06-01T12:00:00Z',
  endsAt: status === 'resolved' ? '2025-06-01T12:10:00Z' : '0001-01-01T00:00:00Z',
  fingerprint: 'share-openai-errors',
  generatorURL: 'http://prometheus/graph',
});

async function webhook(gateway: ChildGateway, status: 'firing' | 'resolved'): Promise<void> {
  const response = await fetch(`${gateway.url}/internal/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(TEST_KEYS.internal) },
    body: JSON.stringify({ version: '4', status, alerts: [alert(status)] }),
  });
  assert.equal(response.status, 200, await response.text());
}

async function actionsOn(gateway: ChildGateway): Promise<Action[]> {
  const response = await gateway.gql<{ alertActions: Action[] }>(ACTIONS, {}, bearer(TEST_KEYS.internal));
  return dataOf(response).alertActions;
}

let seed = 0;
/** Which provider wrote one fresh description on `gateway` (the personalization policy leads with openai). */
async function providerOn(gateway: ChildGateway, productId: string): Promise<string | undefined> {
  const response = await gateway.gql<{ generateDescriptions: Generated[] }>(
    GENERATE,
    { input: [{ productId, params: { seed: ++seed } }] },
    bearer(TEST_KEYS.personalization),
  );
  const [generated] = dataOf(response).generateDescriptions;
  assert.equal(generated?.__typename, 'Description', JSON.stringify(generated));
  return generated.provider;
}

test('an alert that reaches one replica acts on all of them, one started later included, and its resolution on another undoes it everywhere', async (t) => {
  if (!replicas) return skipWithoutRedis(t, skipReason);
  const { a, b, openai } = replicas;
  const [productId] = await firstProductIds(a.gql, 1, bearer(TEST_KEYS.mobile));
  assert.ok(productId);
  assert.equal(await providerOn(b, productId), 'openai', 'before the alert, openai leads on b');

  await webhook(a, 'firing');
  assert.deepEqual(await actionsOn(a), [DEMOTE_OPENAI]);
  await waitFor(async () => (await actionsOn(b)).length === 1, { what: 'b to mirror the action a took' });
  assert.deepEqual(await actionsOn(b), [DEMOTE_OPENAI]);
  const openaiCalls = openai.count('chat.completions');
  assert.equal(await providerOn(b, productId), 'huggingface', 'b routes around the provider the alert at a demoted');
  assert.equal(openai.count('chat.completions'), openaiCalls, 'b did not call openai');

  const c = await replicas.spawn('c');
  assert.deepEqual(await actionsOn(c), [DEMOTE_OPENAI], 'a replica started while the alert fires takes it up at start');
  assert.equal(await providerOn(c, productId), 'huggingface');

  await webhook(b, 'resolved');
  assert.deepEqual(await actionsOn(b), []);
  await waitFor(async () => (await actionsOn(a)).length === 0 && (await actionsOn(c)).length === 0, {
    what: 'a and c to drop the resolved action',
  });
  assert.equal(await providerOn(a, productId), 'openai', 'resolved at b, a leads with openai again');
});

test('a replica that stops leaves the shared action in force on the others', async (t) => {
  if (!replicas) return skipWithoutRedis(t, skipReason);
  const { a, b } = replicas;
  await webhook(a, 'firing');
  await waitFor(async () => (await actionsOn(b)).length === 1, { what: 'b to mirror the action' });
  await a.stop();
  assert.deepEqual(
    await actionsOn(b),
    [DEMOTE_OPENAI],
    'a stopping did not undo what the alert asked of every replica',
  );
  await webhook(b, 'resolved');
  assert.deepEqual(await actionsOn(b), []);
});
