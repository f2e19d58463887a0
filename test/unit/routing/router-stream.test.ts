/**
 * Streaming: failover is allowed until the first token; after it a failure
 * ends as `interrupted`, never as a truncated success.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRouter } from '../../../src/routing/router.js';
import type { GenerationRouter } from '../../../src/routing/types.js';
import { OPENAI_ROUTES, startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { fakeCompletion } from '../../helpers/fake-text.js';
import { promptFor, requestFor } from '../../helpers/generation-requests.js';
import {
  asFailure,
  asSuccess,
  fallback,
  noneHanging,
  openaiOn,
  rejectionGuard,
  sourceOf,
  target,
} from './router-fixtures.js';

const CHAT = OPENAI_ROUTES.chat;

describe('router streaming', () => {
  let primary: FakeOpenAI;
  let secondary: FakeOpenAI;
  let router: GenerationRouter;
  const guard = rejectionGuard();

  before(async () => {
    guard.install();
    primary = await startFakeOpenAI({ chunkDelayMs: 2 });
    secondary = await startFakeOpenAI({ chunkDelayMs: 2 });
  });
  beforeEach(() => {
    primary.reset();
    secondary.reset();
    router = createRouter({
      source: sourceOf(openaiOn(primary, 'primary'), openaiOn(secondary, 'secondary')),
      policies: [fallback('mobile', target('primary', 3000, 0), target('secondary', 3000, 0))],
    });
  });
  afterEach(async () => {
    await router.close();
    await noneHanging(primary, secondary);
  });
  after(async () => {
    await primary.close();
    await secondary.close();
    guard.check();
  });

  it('streams tokens whose concatenation is the result text', async () => {
    const pieces: string[] = [];
    const ok = asSuccess(
      await router.stream(requestFor('Linen Shirt'), { policy: 'mobile', onToken: (p) => pieces.push(p) }),
    );
    assert.ok(pieces.length > 1);
    assert.equal(pieces.join(''), ok.result.text);
    assert.equal(ok.result.text, fakeCompletion(promptFor('Linen Shirt')).text);
  });

  it('fails over before the first token', async () => {
    primary.setMode('503');
    primary.setRetryAfter('0');
    const pieces: string[] = [];
    const ok = asSuccess(
      await router.stream(requestFor('Wool Coat'), { policy: 'mobile', onToken: (p) => pieces.push(p) }),
    );
    assert.equal(ok.result.providerId, 'secondary');
    assert.equal(pieces.join(''), ok.result.text);
    assert.equal(primary.count(CHAT), 1);
  });

  it('ends as interrupted when the stream breaks after the first token, without failover', async () => {
    primary.setMode('stream_cut');
    const pieces: string[] = [];
    const routed = await router.stream(requestFor('Silk Dress'), { policy: 'mobile', onToken: (p) => pieces.push(p) });
    const fail = asFailure(routed);
    assert.equal(routed.interrupted, true);
    assert.equal(fail.error.kind, 'unavailable');
    assert.ok(pieces.length >= 1);
    assert.equal(secondary.count(CHAT), 0);
  });
});
