import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QualityBreaker, type QualityStatus } from '../../../src/routing/quality-breaker.js';
import { arrangeTargets, strongerStanding, type Standing } from '../../../src/routing/advice.js';
import { verdictOf } from '../../../src/evaluation/checks/verdict.js';
import { checkDescription } from '../../../src/evaluation/checks/index.js';
import { must } from '../../helpers/must.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('verdictOf: echo or reference leak blocks, inclusive-language findings ask for review, capability warnings are ignored', () => {
  const prompt =
    'Write a product description for the following product: Linen Midi Wrap Dress. Do not mention the price or invent details.';
  const echo = checkDescription({ text: `${prompt} It is lovely.`, prompt });
  assert.ok(echo.flags.some((f) => f.code === 'PROMPT_ECHO'));
  assert.equal(verdictOf(echo), 'BLOCK');
  assert.equal(verdictOf({ flags: [{ code: 'INCLUSIVE_LANGUAGE' }] }), 'REVIEW');
  assert.equal(verdictOf({ flags: [{ code: 'INCLUSIVE_LANGUAGE' }, { code: 'REFERENCE_LEAK' }] }), 'BLOCK');
  assert.equal(verdictOf({ flags: [{ code: 'LOCALE_UNSUPPORTED' }] }), 'PASS');
  assert.equal(verdictOf({ flags: [] }), 'PASS');
  // The fact check's verdict joins the flags': the worse of the two.
  assert.equal(verdictOf({ flags: [], factCheck: { verdict: 'BLOCK' } }), 'BLOCK');
  assert.equal(verdictOf({ flags: [{ code: 'INCLUSIVE_LANGUAGE' }], factCheck: { verdict: 'PASS' } }), 'REVIEW');
  assert.equal(verdictOf({ flags: [{ code: 'INCLUSIVE_LANGUAGE' }], factCheck: { verdict: 'BLOCK' } }), 'BLOCK');
  assert.equal(verdictOf({ flags: [{ code: 'PROMPT_ECHO' }], factCheck: { verdict: 'REVIEW' } }), 'BLOCK');
  assert.equal(verdictOf({ flags: [], factCheck: null }), 'PASS');
});

test('opens at the failure share over the minimum samples, routes around, probes after the cooldown, and closes on a passing probe', () => {
  const c = clock();
  const changes: QualityStatus[] = [];
  const breaker = new QualityBreaker({
    settings: { failureRatio: 0.5, minSamples: 4, cooldownMs: 1000, probeTimeoutMs: 500 },
    now: c.now,
    onChange: (s) => changes.push(s),
  });
  // Three failures of three: not enough samples yet.
  for (const v of ['BLOCK', 'REVIEW', 'BLOCK'] as const) breaker.record('openai', 'gpt', v);
  assert.equal(breaker.standing('openai', 'gpt'), 'ok');
  breaker.record('openai', 'gpt', 'PASS');
  // 3 of 4 ≥ 0.5.
  assert.equal(breaker.status('openai', 'gpt').state, 'open');
  assert.match(
    breaker.status('openai', 'gpt').reason ?? '',
    /3 of the last 4 texts failed the checks \(2 BLOCK, 1 REVIEW\)/,
  );
  assert.equal(breaker.standing('openai', 'gpt'), 'avoid');
  // Another model of the same provider has a breaker of its own.
  assert.equal(breaker.standing('openai', 'other-model'), 'ok');
  c.advance(1000);
  assert.equal(breaker.standing('openai', 'gpt'), 'probe', 'the first request after the cooldown probes');
  assert.equal(breaker.standing('openai', 'gpt'), 'avoid', 'one probe at a time');
  c.advance(500);
  assert.equal(breaker.standing('openai', 'gpt'), 'probe', 'a probe without a verdict frees the slot');
  breaker.record('openai', 'gpt', 'PASS');
  assert.deepEqual(
    {
      state: breaker.status('openai', 'gpt').state,
      samples: breaker.status('openai', 'gpt').samples,
      trips: breaker.status('openai', 'gpt').trips,
    },
    { state: 'closed', samples: 0, trips: 1 },
  );
  assert.deepEqual(
    changes.map((s) => s.state),
    ['open', 'half_open', 'closed'],
  );
});

test('a failing probe opens it again for another cooldown; a share under the ratio never opens it', () => {
  const c = clock();
  const breaker = new QualityBreaker({ settings: { failureRatio: 0.5, minSamples: 2, cooldownMs: 100 }, now: c.now });
  breaker.record('hf', 'neo', 'BLOCK');
  breaker.record('hf', 'neo', 'BLOCK');
  c.advance(100);
  assert.equal(breaker.standing('hf', 'neo'), 'probe');
  breaker.record('hf', 'neo', 'REVIEW');
  const status = breaker.status('hf', 'neo');
  assert.equal(status.state, 'open');
  assert.equal(status.trips, 2);
  assert.equal(status.openUntil, c.now() + 100);
  assert.match(status.reason ?? '', /probe's text got REVIEW/);

  const steady = new QualityBreaker({ settings: { failureRatio: 0.5, minSamples: 4, window: 4 } });
  for (let i = 0; i < 40; i++) steady.record('onnx', 'm', i % 4 === 0 ? 'BLOCK' : 'PASS');
  assert.equal(steady.status('onnx', 'm').state, 'closed');
  assert.equal(steady.status('onnx', 'm').samples, 4, 'the window keeps the last verdicts only');
  const off = new QualityBreaker({ settings: { failureRatio: 0 } });
  for (let i = 0; i < 40; i++) off.record('onnx', 'm', 'BLOCK');
  assert.equal(off.standing('onnx', 'm'), 'ok');
});

test('arrangeTargets: probes first, demoted last, avoided left out unless nothing else remains', () => {
  const t = (provider: string) => ({ provider, timeoutMs: 1000, retries: 0 });
  const standings: Record<string, Standing> = { a: 'last', b: 'ok', c: 'avoid', d: 'probe' };
  assert.deepEqual(
    arrangeTargets([t('a'), t('b'), t('c'), t('d')], (x) => must(standings[x.provider], x.provider)).map(
      (x) => x.provider,
    ),
    ['d', 'b', 'a'],
  );
  assert.deepEqual(
    arrangeTargets([t('c'), t('x')], (x) =>
      x.provider === 'x' ? 'avoid' : must(standings[x.provider], x.provider),
    ).map((x) => x.provider),
    ['c', 'x'],
  );
  assert.equal(strongerStanding('last', 'probe'), 'last');
  assert.equal(strongerStanding('ok', 'avoid'), 'avoid');
});
