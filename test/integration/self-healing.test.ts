/**
 * Self-healing on a real gateway with two fake providers: the quality
 * breaker routes around a provider whose texts fail the checks and lets it
 * back after a passing probe; Alertmanager's webhook demotes a provider and
 * the "resolved" notification undoes it.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { startFakeHuggingFace } from '../helpers/fake-huggingface.js';
import type { FakeServer } from '../helpers/fake-http.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { waitFor } from '../helpers/wait.js';
import { dataOf, productIds as firstProductIds } from '../helpers/graphql.js';
import { mustHave } from '../helpers/must.js';

const GENERATE = `mutation G($input: [GenerateDescriptionInput!]!) {
  generateDescriptions(input: $input) { __typename ... on Description { provider flags { code } } ... on GenerationError { code message } }
}`;
const PROVIDERS = `{ providers { id quality { state samples failures reason openUntil trips } actions { kind target alert since } } alertActions { kind target alert } }`;
const COOLDOWN_MS = 400;

type Generated = { __typename: string; provider?: string; flags?: Array<{ code: string }> };
type Quality = {
  state: string;
  samples: number;
  failures: number;
  reason: string | null;
  openUntil: string | null;
  trips: number;
};
type ProviderAction = { kind: string; target: string; alert: string; since: string };
type ProviderStatus = { id: string; quality: Quality; actions: ProviderAction[] };
type ProvidersData = {
  providers: ProviderStatus[];
  alertActions: Array<{ kind: string; target: string; alert: string }>;
};

let openai: FakeOpenAI;
let hf: FakeServer;
let server: TestServer;
let productIds: string[];
/** What before() started, closed in reverse by after(): only what did start, should before() fail. */
const closers: Array<() => Promise<unknown>> = [];

before(async () => {
  openai = await startFakeOpenAI();
  closers.push(() => openai.close());
  hf = await startFakeHuggingFace();
  closers.push(() => hf.close());
  server = await startTestServer({
    providers: ['openai', 'huggingface'],
    openaiBaseUrl: openai.baseURL,
    hfEndpointUrl: hf.url,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
    qualityBreakerMinSamples: 4,
    qualityBreakerRatio: 0.5,
    qualityBreakerCooldownMs: COOLDOWN_MS,
  });
  closers.push(() => server.stop());
  productIds = await firstProductIds(server.gql, 20, bearer(TEST_KEYS.mobile));
});
after(async () => {
  for (const close of closers.reverse()) await close();
});

let seed = 0;
/** Generates for `n` products under the personalization policy (openai first, then huggingface); fresh seeds, so nothing is shared. */
async function generate(n: number): Promise<Generated[]> {
  const input = productIds.slice(0, n).map((productId) => ({ productId, params: { seed: ++seed } }));
  const response = await server.gql<{ generateDescriptions: Generated[] }>(
    GENERATE,
    { input },
    bearer(TEST_KEYS.personalization),
  );
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return dataOf(response).generateDescriptions;
}

async function providerStatus(): Promise<ProvidersData> {
  const response = await server.gql<ProvidersData>(PROVIDERS, {}, bearer(TEST_KEYS.internal));
  assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  return dataOf(response);
}

/** One provider's row of the providers query; fails the test when it is missing. */
function providerOf(shown: ProvidersData, id: string): ProviderStatus {
  const provider = shown.providers.find((p) => p.id === id);
  assert.ok(provider, `the providers query lists ${id}`);
  return provider;
}

async function scrape(): Promise<string> {
  return (await fetch(`${server.url}/metrics`, { headers: bearer(TEST_KEYS.internal) })).text();
}

test('the quality breaker routes around a provider whose texts fail the checks, and lets it back after a passing probe', async () => {
  openai.setEcho(true);
  const bad = await generate(4);
  assert.deepEqual(
    bad.map((d) => d.provider),
    ['openai', 'openai', 'openai', 'openai'],
  );
  assert.ok(
    bad.every((d) => d.flags?.some((f) => f.code === 'PROMPT_ECHO')),
    'the echoed texts were flagged',
  );

  const open = providerOf(await providerStatus(), 'openai').quality;
  assert.equal(open.state, 'OPEN');
  assert.deepEqual(
    { samples: open.samples, failures: open.failures, trips: open.trips },
    { samples: 4, failures: 4, trips: 1 },
  );
  assert.match(open.reason ?? '', /4 of the last 4 texts failed the checks \(4 BLOCK, 0 REVIEW\)/);
  assert.ok(Date.parse(open.openUntil ?? '') > Date.now() - 1000);

  // Routed around: the next texts come from huggingface, and openai gets no call.
  const callsWhenOpened = openai.count('chat.completions');
  const around = await generate(3);
  assert.deepEqual(
    around.map((d) => d.provider),
    ['huggingface', 'huggingface', 'huggingface'],
  );
  assert.equal(openai.count('chat.completions'), callsWhenOpened);

  const metrics = await scrape();
  assert.match(metrics, /gateway_quality_breaker_trips_total\{provider="openai",model="gpt-4o-mini"\} 1/);
  assert.match(metrics, /gateway_quality_breaker_state\{provider="openai",model="gpt-4o-mini"\} 2/);
  assert.match(metrics, /gateway_quality_verdicts_total\{provider="openai",model="gpt-4o-mini",verdict="BLOCK"\} 4/);
  assert.match(metrics, /gateway_quality_verdicts_total\{provider="huggingface",model="[^"]+",verdict="PASS"\} 3/);

  // Recovered: after the cooldown one request probes openai first; its passing text closes the breaker.
  openai.setEcho(false);
  await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 50));
  const [probe] = mustHave(await generate(1), 1, 'descriptions');
  assert.equal(probe.provider, 'openai');
  assert.deepEqual(probe.flags, []);
  assert.equal(providerOf(await providerStatus(), 'openai').quality.state, 'CLOSED');
  assert.deepEqual(
    (await generate(2)).map((d) => d.provider),
    ['openai', 'openai'],
  );
});

test('a probe whose text still fails opens the breaker again', async () => {
  openai.setEcho(true);
  try {
    await generate(4);
    assert.equal(providerOf(await providerStatus(), 'openai').quality.state, 'OPEN');
    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 50));
    const [probe] = mustHave(await generate(1), 1, 'descriptions');
    assert.equal(probe.provider, 'openai', 'the probe went to openai');
    const quality = providerOf(await providerStatus(), 'openai').quality;
    assert.equal(quality.state, 'OPEN');
    assert.match(quality.reason ?? '', /the probe's text got BLOCK/);
    assert.deepEqual(
      (await generate(1)).map((d) => d.provider),
      ['huggingface'],
    );
  } finally {
    openai.setEcho(false);
    // Leave it closed for the next test: wait out the cooldown and pass a probe.
    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 50));
    await generate(1);
  }
});

const alert = (status: 'firing' | 'resolved', alertname: string, labels: Record<string, string> = {}) => ({
  status,
  labels: { alertname, ...labels },
  annotations: { summary: 'test' },
  startsAt: '2025-06-01T12:00:00Z',
  endsAt: status === 'resolved' ? '2025-06-01T12:10:00Z' : '0001-01-01T00:00:00Z',
  fingerprint: `${alertname}-${labels.provider ?? ''}`,
  generatorURL: 'http://prometheus/graph',
});

async function webhook(body: unknown, key: string | null = TEST_KEYS.internal): Promise<Response> {
  return fetch(`${server.url}/internal/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? bearer(key) : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('the alert webhook needs an internal key and a webhook body', async () => {
  const body = {
    version: '4',
    status: 'firing',
    alerts: [alert('firing', 'GatewayProviderErrorRatioHigh', { provider: 'openai' })],
  };
  assert.equal((await webhook(body, null)).status, 401);
  assert.equal((await webhook(body, TEST_KEYS.personalization)).status, 403);
  const bad = await webhook('{"alerts": "no"}');
  assert.equal(bad.status, 400);
  const answer = (await bad.json()) as { errors: Array<{ extensions: { code: string; reason: string } }> };
  assert.deepEqual(answer.errors[0]?.extensions, { reason: 'INVALID_WEBHOOK', code: 'BAD_USER_INPUT' });
  assert.equal((await fetch(`${server.url}/internal/alerts`, { headers: bearer(TEST_KEYS.internal) })).status, 405);
  assert.deepEqual((await providerStatus()).alertActions, [], 'refused webhooks changed nothing');
});

test('a provider alert demotes the provider until it resolves; unknown alerts are logged and ignored', async () => {
  assert.deepEqual(
    (await generate(1)).map((d) => d.provider),
    ['openai'],
  );
  const firing = await webhook({
    version: '4',
    status: 'firing',
    alerts: [
      alert('firing', 'GatewayProviderErrorRatioHigh', { provider: 'openai' }),
      alert('firing', 'SomeoneElsesAlert', { provider: 'openai' }),
    ],
  });
  assert.equal(firing.status, 200);
  const outcomes = (
    (await firing.json()) as { outcomes: Array<{ alert: string; actions: unknown[]; ignored?: string }> }
  ).outcomes;
  assert.deepEqual(
    outcomes.map((o) => [o.alert, o.actions, o.ignored ?? null]),
    [
      ['GatewayProviderErrorRatioHigh', [{ kind: 'demote_provider', target: 'openai' }], null],
      ['SomeoneElsesAlert', [], 'no action for this alert'],
    ],
  );
  const shown = await providerStatus();
  assert.deepEqual(providerOf(shown, 'openai').actions, [
    {
      kind: 'demote_provider',
      target: 'openai',
      alert: 'GatewayProviderErrorRatioHigh',
      since: '2025-06-01T12:00:00.000Z',
    },
  ]);
  assert.deepEqual(providerOf(shown, 'huggingface').actions, []);
  assert.deepEqual(shown.alertActions, [
    { kind: 'demote_provider', target: 'openai', alert: 'GatewayProviderErrorRatioHigh' },
  ]);
  assert.match(
    await scrape(),
    /gateway_alert_action_active\{action="demote_provider",target="openai",alertname="GatewayProviderErrorRatioHigh"\} 1/,
  );

  const before = openai.count('chat.completions');
  assert.deepEqual(
    (await generate(2)).map((d) => d.provider),
    ['huggingface', 'huggingface'],
    'demoted: huggingface first',
  );
  assert.equal(openai.count('chat.completions'), before);
  // Demoted, not removed: with huggingface failing, openai still answers.
  hf.setMode('503');
  try {
    assert.deepEqual(
      (await generate(1)).map((d) => d.provider),
      ['openai'],
    );
  } finally {
    hf.setMode('ok');
  }

  const resolved = await webhook({
    version: '4',
    status: 'resolved',
    alerts: [alert('resolved', 'GatewayProviderErrorRatioHigh', { provider: 'openai' })],
  });
  assert.equal(resolved.status, 200);
  assert.deepEqual((await providerStatus()).alertActions, []);
  assert.deepEqual(
    (await generate(1)).map((d) => d.provider),
    ['openai'],
  );
  assert.doesNotMatch(await scrape(), /gateway_alert_action_active\{/);

  await waitFor(() => readFileSync(server.logFile, 'utf8').includes('"alert action undone"'), {
    timeoutMs: 2000,
    what: 'the undo to be logged',
  });
  const log = readFileSync(server.logFile, 'utf8');
  assert.match(log, /"alert":"GatewayProviderErrorRatioHigh".*"msg":"alert action taken"/);
  assert.match(log, /"alert":"SomeoneElsesAlert".*"reason":"no action for this alert".*"msg":"alert ignored"/);
});
