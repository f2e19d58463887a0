import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AlertActions, DEMOTED_CANARY_EVERY, type ActiveAction } from '../../../src/alerts/actions.js';
import type { ActionShare, ShareChange } from '../../../src/alerts/action-share.js';
import { parseAlertmanagerWebhook, type AlertmanagerAlert } from '../../../src/alerts/alertmanager.js';
import { defaultPolicies } from '../../../src/routing/policies.js';

const logger = pino({ level: 'silent' });
const alert = (
  status: 'firing' | 'resolved',
  labels: Record<string, string> & { alertname: string },
  fingerprint = labels.alertname + (labels.provider ?? ''),
): AlertmanagerAlert => ({
  status,
  labels,
  fingerprint,
  startsAt: '2025-06-01T12:00:00Z',
});

function jobsSpy() {
  const calls: string[] = [];
  return { calls, pause: async () => void calls.push('pause'), resume: async () => void calls.push('resume') };
}

test('known alerts take their action and undo it when they resolve; unknown alerts and unknown providers are ignored', async () => {
  const jobs = jobsSpy();
  const actions = new AlertActions({
    providerIds: () => ['onnx', 'openai'],
    policies: defaultPolicies(['onnx', 'openai'], 20_000),
    jobs,
    logger,
  });
  const fired = await actions.handle([
    alert('firing', { alertname: 'GatewayProviderErrorRatioHigh', provider: 'openai' }),
    alert('firing', { alertname: 'GatewayLocalQueueSaturated', provider: 'onnx' }),
    alert('firing', { alertname: 'GatewayCostOverBudget' }),
    alert('firing', { alertname: 'SomethingElse' }),
    alert('firing', { alertname: 'GatewayProviderBreakerOpen', provider: 'nope' }),
  ]);
  assert.deepEqual(
    fired.map((o) => o.actions.map((a) => `${a.kind}:${a.target}`)),
    [['demote_provider:openai'], ['fallback_policy:mobile→personalization'], ['pause_catalog_jobs:catalog'], [], []],
  );
  assert.equal(fired[3]?.ignored, 'no action for this alert');
  assert.equal(fired[4]?.ignored, 'provider "nope" is not configured here');
  assert.ok(actions.isDemoted('openai') && !actions.isDemoted('onnx'));
  // One plan in DEMOTED_CANARY_EVERY keeps the demoted provider in place, so its alert can see it recover.
  const placements = Array.from({ length: 2 * DEMOTED_CANARY_EVERY }, () => actions.placement('openai'));
  assert.equal(placements.filter((p) => p === 'ok').length, 2);
  assert.equal(placements[DEMOTED_CANARY_EVERY - 1], 'ok');
  assert.equal(actions.placement('onnx'), 'ok');
  assert.equal(actions.policyFor('mobile'), 'personalization');
  assert.equal(actions.policyFor('internal'), 'internal');
  assert.deepEqual(jobs.calls, ['pause']);

  const resolved = await actions.handle([
    alert('resolved', { alertname: 'GatewayProviderErrorRatioHigh', provider: 'openai' }),
    alert('resolved', { alertname: 'GatewayLocalQueueSaturated', provider: 'onnx' }),
    alert('resolved', { alertname: 'GatewayCostOverBudget' }),
  ]);
  assert.deepEqual(
    resolved.map((o) => o.actions.length),
    [1, 1, 1],
  );
  assert.equal(actions.isDemoted('openai'), false);
  assert.equal(actions.policyFor('mobile'), 'mobile');
  assert.deepEqual(jobs.calls, ['pause', 'resume']);
  assert.deepEqual(actions.active(), []);
  await actions.close();
});

test('an action that Alertmanager stops repeating lapses after the TTL; a repeat refreshes it', async () => {
  let now = 0;
  const actions = new AlertActions({
    providerIds: () => ['openai'],
    policies: [],
    jobs: null,
    logger,
    ttlMs: 1000,
    now: () => now,
  });
  const firing = alert('firing', { alertname: 'GatewayProviderBreakerOpen', provider: 'openai' });
  await actions.handle([firing]);
  now = 900;
  await actions.handle([firing]);
  now = 1800;
  assert.ok(actions.isDemoted('openai'), 'refreshed at 900');
  now = 2000;
  assert.equal(actions.isDemoted('openai'), false);
  // Without a queue, pausing jobs is ignored with the reason.
  const [paused] = await actions.handle([alert('firing', { alertname: 'GatewayCostOverBudget' })]);
  assert.match(paused?.ignored ?? '', /REDIS_URL unset/);
  await actions.close();
});

test('parseAlertmanagerWebhook: the webhook body, or a TypeError naming the problem', () => {
  const body = {
    version: '4',
    status: 'firing',
    receiver: 'gateway',
    groupKey: '{}',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'A' },
        annotations: {},
        startsAt: '2025-01-01T00:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'abc',
        generatorURL: 'x',
      },
    ],
  };
  assert.equal(parseAlertmanagerWebhook(JSON.stringify(body))[0]?.fingerprint, 'abc');
  assert.throws(() => parseAlertmanagerWebhook('{'), /not JSON/);
  assert.throws(() => parseAlertmanagerWebhook('{"alerts": [{"status": "firing"}]}'), /alerts\.0\.labels/);
});

/** An in-memory share: one map, every subscriber told of every change, as Redis pub/sub does. */
function memoryShare(
  store = new Map<string, ActiveAction[]>(),
  listeners: Array<(change: ShareChange) => void> = [],
): ActionShare & { store: Map<string, ActiveAction[]> } {
  const tell = (change: ShareChange) => listeners.forEach((listen) => listen(change));
  return {
    store,
    load: async () => new Map(store),
    put: async (fingerprint, actions) => void (store.set(fingerprint, actions), tell({ fingerprint, actions })),
    remove: async (fingerprint) => void (store.delete(fingerprint), tell({ fingerprint, actions: null })),
    subscribe: async (onChange, onReload) => {
      listeners.push(onChange);
      onReload(new Map(store));
    },
    close: async () => {},
  };
}

test('with a share, a resolution another replica never saw fired is still passed on, and a lapsed action leaves the share', async () => {
  let now = Date.parse('2025-06-01T12:00:00Z');
  const share = memoryShare();
  const options = {
    providerIds: () => ['onnx', 'openai'],
    policies: defaultPolicies(['onnx', 'openai'], 20_000),
    jobs: null,
    logger,
    ttlMs: 1000,
    now: () => now,
  };
  const a = new AlertActions({ ...options, share: memoryShare(share.store) });
  const b = new AlertActions({ ...options, share });
  await b.start();
  await a.handle([alert('firing', { alertname: 'GatewayProviderErrorRatioHigh', provider: 'openai' })]);
  assert.deepEqual([...share.store.keys()], ['GatewayProviderErrorRatioHighopenai']);
  // b's subscription did not hear a (separate listener lists), but its resolution still clears the share.
  assert.equal(b.isDemoted('openai'), false);
  await b.handle([alert('resolved', { alertname: 'GatewayProviderErrorRatioHigh', provider: 'openai' })]);
  assert.equal(share.store.size, 0);

  await b.handle([alert('firing', { alertname: 'GatewayProviderErrorRatioHigh', provider: 'openai' })]);
  assert.ok(b.isDemoted('openai'));
  now += 1001;
  assert.equal(b.isDemoted('openai'), false, 'lapsed');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(share.store.size, 0, 'the lapsed action left the share');
  await a.close();
  await b.close();
});
