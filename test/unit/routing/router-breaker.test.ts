/**
 * The breaker under scattered and total faults, and a 429's back-off, against
 * real fake OpenAI servers through the real provider. The router's clock is
 * injected: each wave of concurrent requests is one step of it, so the
 * breaker's 30 s window spans a known number of calls.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRouter, type RouterOptions } from '../../../src/routing/router.js';
import type { GenerationRouter, Routed, RoutedSuccess } from '../../../src/routing/types.js';
import { failAtRandom, type FaultMode } from '../../helpers/fake-http.js';
import { OPENAI_ROUTES, startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { requestFor } from '../../helpers/generation-requests.js';
import {
  asSuccess,
  fallback,
  noneHanging,
  openaiOn,
  rejectionGuard,
  seededRandom,
  sourceOf,
  target,
} from './router-fixtures.js';

const CHAT = OPENAI_ROUTES.chat;
const WAVES = 4;
const PER_WAVE = 20;
/** Each wave moves the router's clock this far: the 30 s window spans the 4 waves. */
const STEP_MS = 7500;
/** Long enough that no healthy call times out on a loaded machine: only the injected hangs do. */
const HANG_TIMEOUT_MS = 1000;
/**
 * 20% faults, most of them hangs: the hung calls of one wave time out
 * together, which is what made a streak open the breaker. With seed 1 the
 * waves get 2, 5, 9 and 5 faults, of which 2, 4, 7 and 4 hangs.
 */
const SCATTERED = { rate: 0.2, modes: ['hang', 'hang', 'hang', '503', '429'] as FaultMode[], seed: 1 };

describe('router breaker under injected faults', () => {
  let primary: FakeOpenAI;
  let secondary: FakeOpenAI;
  let router: GenerationRouter | undefined;
  let clock = 0;
  const guard = rejectionGuard();

  before(async () => {
    guard.install();
    primary = await startFakeOpenAI();
    secondary = await startFakeOpenAI();
  });
  beforeEach(() => {
    primary.reset();
    secondary.reset();
    primary.setRetryAfter('0.01');
    clock = 1_000_000;
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
    await noneHanging(primary, secondary);
  });
  after(async () => {
    await primary.close();
    await secondary.close();
    guard.check();
  });

  function make(extra: Partial<RouterOptions> = {}, retries = 1): GenerationRouter {
    router = createRouter({
      source: sourceOf(openaiOn(primary, 'primary', { maxConcurrency: PER_WAVE }), openaiOn(secondary, 'secondary')),
      policies: [fallback('internal', target('primary', HANG_TIMEOUT_MS, retries), target('secondary', 2000, 0))],
      retry: { initialDelayMs: 5, maxDelayMs: 20 },
      now: () => clock,
      ...extra,
    });
    return router;
  }

  /** Runs the waves; returns every result and the primary's breaker state after each wave. */
  async function waves(r: GenerationRouter): Promise<{ results: Routed[]; states: string[] }> {
    const results: Routed[] = [];
    const states: string[] = [];
    for (let wave = 0; wave < WAVES; wave += 1) {
      const items = Array.from({ length: PER_WAVE }, (_, i) => ({
        request: requestFor(`Shirt ${wave}-${i}`),
        options: { policy: 'internal' },
      }));
      results.push(...(await r.generate(items)));
      states.push(r.breakerState('primary'));
      clock += STEP_MS;
    }
    return { results, states };
  }

  /** The same seeded faults on a fresh primary, through a router with these breaker settings and no retries. */
  async function scattered(
    breaker: NonNullable<RouterOptions['breaker']>,
  ): Promise<{ states: string[]; served: RoutedSuccess[]; router: GenerationRouter }> {
    primary.reset();
    secondary.reset();
    await router?.close();
    failAtRandom(primary, {
      rate: SCATTERED.rate,
      modes: SCATTERED.modes,
      random: seededRandom(SCATTERED.seed),
      route: CHAT,
    });
    const r = make({ breaker }, 0);
    const { results, states } = await waves(r);
    return { states, served: results.map(asSuccess), router: r };
  }

  const skipped = (s: RoutedSuccess): boolean => s.attempts[0]?.provider === 'primary' && s.attempts[0].latencyMs === 0;

  it('stays closed at 20% random faults whose hangs time out together, where a streak rule opens', async () => {
    // The baseline in the same run: a streak alone decides (no window ever reaches the minimum).
    const streak = await scattered({ minimumCalls: Number.MAX_SAFE_INTEGER });
    assert.ok(streak.states.includes('open'), `streak rule, states by wave: ${streak.states.join(',')}`);
    assert.ok(streak.served.some(skipped), 'the open breaker sent traffic past the primary');

    const ratio = await scattered({});
    assert.deepEqual(new Set(ratio.states), new Set(['closed']), `states by wave: ${ratio.states.join(',')}`);
    assert.equal(ratio.served.filter(skipped).length, 0, 'no request skipped the primary');
    // Only the faulted calls went to the secondary (21 of 80 with this seed).
    const onPrimary = ratio.served.filter((s) => s.result.providerId === 'primary').length;
    assert.equal(secondary.count(CHAT), ratio.served.length - onPrimary);
    assert.ok(onPrimary / ratio.served.length >= 0.7, `primary served ${onPrimary} of ${ratio.served.length}`);
    const health = ratio.router.providerHealth('primary');
    assert.equal(health.healthy, true, `health ${JSON.stringify(health)}`);
    assert.equal(health.breakerState, 'closed');
  });

  it('opens at 100% faults, sends nothing to the primary while open, and reports it unhealthy', async () => {
    failAtRandom(primary, { rate: 1, modes: ['503', 'hang'], random: seededRandom(7), route: CHAT });
    const r = make();
    const { results, states } = await waves(r);
    assert.equal(states[0], 'open', `breaker states by wave: ${states.join(',')}`);
    for (const routed of results) assert.equal(asSuccess(routed).result.providerId, 'secondary');
    // The first wave's 20 first tries (and the retries the budget allowed) reached the primary; the cooldown (30 s of real time) outlasts the test.
    assert.ok(primary.count(CHAT) <= 2 * PER_WAVE, `primary got ${primary.count(CHAT)} calls`);
    const health = r.providerHealth('primary');
    assert.equal(health.healthy, false);
    assert.equal(health.breakerState, 'open');
    assert.match(health.lastError ?? '', /^(timeout|unavailable): /);
  });

  it('reports a provider whose every call hangs as unhealthy, even before its breaker opens', async () => {
    primary.setMode('hang');
    const r = make({ breaker: { consecutiveFailures: 1000, minimumCalls: 1000 } });
    const items = Array.from({ length: 3 }, (_, i) => ({
      request: requestFor(`Coat ${i}`),
      options: { policy: 'internal' },
    }));
    for (const routed of await r.generate(items)) assert.equal(asSuccess(routed).result.providerId, 'secondary');
    const health = r.providerHealth('primary');
    assert.equal(health.breakerState, 'closed');
    assert.equal(health.healthy, false);
    assert.match(health.lastError ?? '', /^timeout: /);
  });

  it('keeps first tries off a provider whose 429 asks for longer than a retry would wait, on the router clock, without opening its breaker', async () => {
    primary.setRetryAfter('60');
    primary.failNext(1, '429');
    const r = make();
    const one = async (title: string) =>
      asSuccess((await r.generate([{ request: requestFor(title), options: { policy: 'internal' } }]))[0]);
    const first = await one('Boot');
    assert.equal(first.result.providerId, 'secondary');
    assert.deepEqual(
      first.attempts.map((a) => a.errorKind),
      ['rate_limited', null],
      'no retry: Retry-After is beyond the cap',
    );
    const skipped = await one('Scarf');
    assert.equal(skipped.result.providerId, 'secondary');
    assert.deepEqual(skipped.attempts[0], {
      provider: 'primary',
      model: 'gpt-4o-mini',
      errorKind: 'rate_limited',
      latencyMs: 0,
    });
    assert.equal(primary.count(CHAT), 1, 'the back-off sends nothing to the primary');
    assert.equal(r.breakerState('primary'), 'closed');
    assert.ok(r.providerHealth('primary').backoffMs > 29_000);
    // The back-off is capped at 30 s of the router's clock.
    clock += 30_001;
    assert.equal((await one('Belt')).result.providerId, 'primary');
    assert.equal(r.providerHealth('primary').backoffMs, 0);
  });
});
