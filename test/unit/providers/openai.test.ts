/**
 * The OpenAI backend against the fake OpenAI server (real HTTP on port 0).
 * No live keys: the "key" is a made-up string the fake checks for.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, fetch as undiciFetch } from 'undici';
import { createOpenAIEmbedder, createOpenAIProvider } from '../../../providers/openai/index.js';
import { ChatModelCache } from '../../../providers/openai/chat.js';
import { resolveOpenAISettings } from '../../../providers/openai/api.js';
import type { ProviderError } from '../../../providers/types.js';
import { isProviderError, type GenerationResult, type ProviderErrorKind } from '../../../providers/types.js';
import { OPENAI_ROUTES, startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import type { FaultMode } from '../../helpers/fake-http.js';
import { fakeCompletion, fakeEmbedding } from '../../helpers/fake-text.js';
import { promptFor, requestFor } from '../../helpers/generation-requests.js';
import { waitFor } from '../../helpers/wait.js';
import { must } from '../../helpers/must.js';

const KEY = 'sk-test-not-a-real-key-123';

const EXPECTED: Array<[Exclude<FaultMode, 'ok'>, ProviderErrorKind]> = [
  ['500', 'unavailable'],
  ['503', 'unavailable'],
  ['429', 'rate_limited'],
  ['401', 'auth'],
  ['400', 'bad_request'],
  ['hang', 'timeout'],
  ['malformed_json', 'unavailable'],
  ['stream_cut', 'unavailable'],
  ['context_length', 'context_length'],
  ['content_filter', 'content_filtered'],
];

function asResult(value: GenerationResult | ProviderError | undefined): GenerationResult {
  if (value === undefined || isProviderError(value)) assert.fail(`expected a result, got ${String(value)}`);
  return value;
}

function asError(value: unknown): ProviderError {
  assert.ok(isProviderError(value), `expected a ProviderError, got ${String(value)}`);
  return value;
}

describe('OpenAI provider', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
  });
  beforeEach(() => fake.reset());
  after(async () => {
    await fake.close();
  });

  const provider = (extra = {}) =>
    createOpenAIProvider({ apiKey: KEY, baseURL: fake.baseURL, timeoutMs: 300, ...extra });

  it('generates text from the prompt and reports usage and finish reason', async () => {
    const [result] = await provider().generate([requestFor('Linen Shirt')]);
    const r = asResult(result);
    assert.equal(r.text, fakeCompletion(promptFor('Linen Shirt')).text);
    assert.match(r.text, /Linen Shirt/);
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.completionTokens, fakeCompletion(promptFor('Linen Shirt')).pieces.length);
    assert.ok(r.promptTokens > 0);
    assert.equal(r.providerId, 'openai');
    assert.equal(r.model, 'gpt-4o-mini');
    assert.equal(fake.count(OPENAI_ROUTES.chat), 1);
  });

  it('passes system, max_tokens, temperature, top_p, seed and stop, and sends the key as a Bearer header', async () => {
    const request = requestFor('Wool Coat', {
      system: 'Brand voice.',
      maxTokens: 4,
      temperature: 0.3,
      topP: 0.8,
      seed: 42,
      stop: ['END'],
    });
    const [result] = await provider({ model: 'gpt-test' }).generate([request]);
    const call = fake.lastCall(OPENAI_ROUTES.chat);
    assert.ok(call);
    assert.equal(call.headers.authorization, `Bearer ${KEY}`);
    const body = call.body as Record<string, unknown>;
    assert.equal(body.model, 'gpt-test');
    assert.equal(body.max_tokens, 4);
    assert.equal(body.temperature, 0.3);
    assert.equal(body.top_p, 0.8);
    assert.equal(body.seed, 42);
    assert.deepEqual(body.stop, ['END']);
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Brand voice.' },
      { role: 'user', content: request.prompt },
    ]);
    const r = asResult(result);
    assert.equal(r.finishReason, 'length');
    assert.equal(r.completionTokens, 4);
  });

  it('returns N results in order with bounded fan-out, and one failure leaves the others intact', async () => {
    const titles = ['Alpha Skirt', 'Beta Scarf', 'Gamma Boots', 'Delta Cap', 'Epsilon Tee'];
    fake.failNext(1, '500', { match: (call) => JSON.stringify(call.body).includes('Gamma Boots') });
    // Long enough that the first two calls overlap at the fake.
    fake.setLatency(100);
    const results = await provider({ maxConcurrency: 2 }).generate(titles.map((t) => requestFor(t)));
    assert.equal(results.length, titles.length);
    results.forEach((result, i) => {
      if (i === 2) assert.equal(asError(result).kind, 'unavailable');
      else assert.match(asResult(result).text, new RegExp(must(titles[i], `title ${i}`)));
    });
    assert.equal(fake.count(OPENAI_ROUTES.chat), titles.length);
    assert.equal(fake.peakInFlight(), 2, 'two requests at a time, never more');
  });

  it('streams tokens through onToken in order, per request index', async () => {
    const tokens: Array<[number, string]> = [];
    const titles = ['Silk Blouse', 'Denim Jacket'];
    const results = await provider().generate(
      titles.map((t) => requestFor(t)),
      { onToken: (i, token) => tokens.push([i, token]) },
    );
    titles.forEach((title, i) => {
      const expected = fakeCompletion(promptFor(title));
      const mine = tokens.filter(([index]) => index === i).map(([, token]) => token);
      assert.deepEqual(mine, expected.pieces);
      const r = asResult(results[i]);
      assert.equal(r.text, expected.text);
      assert.equal(r.completionTokens, expected.pieces.length, 'usage comes from the final usage chunk');
    });
    const body = fake.lastCall(OPENAI_ROUTES.chat)?.body as Record<string, unknown>;
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
  });

  it('turns a stream cut short into an error, never a truncated success', async () => {
    fake.failNext(1, 'stream_cut');
    const tokens: string[] = [];
    const [result] = await provider().generate([requestFor('Cotton Dress')], { onToken: (_, t) => tokens.push(t) });
    assert.equal(asError(result).kind, 'unavailable');
    assert.ok(tokens.length >= 1, 'some tokens arrived before the cut');
    assert.equal(fake.count(), 1);
  });

  describe('maps every fault to its kind, with one call (no SDK retry)', () => {
    for (const [mode, kind] of EXPECTED) {
      it(`generate: ${mode} → ${kind}`, async () => {
        fake.failNext(1, mode);
        const streaming = mode === 'stream_cut';
        const [result] = await provider().generate([requestFor('Test Tee')], streaming ? { onToken: () => {} } : {});
        const error = asError(result);
        assert.equal(error.kind, kind);
        assert.equal(error.providerId, 'openai');
        if (mode === '429') assert.equal(error.retryAfterMs, 2000);
        assert.equal(fake.count(), 1);
      });

      it(`embed: ${mode} → ${kind}`, async () => {
        fake.failNext(1, mode);
        const embedder = createOpenAIEmbedder({ apiKey: KEY, baseURL: fake.baseURL, timeoutMs: 300 });
        const error = asError(await embedder.embed(['a linen shirt']).catch((e: unknown) => e));
        assert.equal(error.kind, kind);
        if (mode === '429') assert.equal(error.retryAfterMs, 2000);
        assert.equal(fake.count(OPENAI_ROUTES.embeddings), 1);
      });
    }
  });

  it('reads Retry-After given as an HTTP date', async () => {
    fake.setRetryAfter(new Date(Date.now() + 10_000).toUTCString());
    fake.failNext(1, '429');
    const error = asError((await provider().generate([requestFor('Test Tee')]))[0]);
    assert.ok(
      error.retryAfterMs !== undefined && error.retryAfterMs > 7000 && error.retryAfterMs <= 10_000,
      String(error.retryAfterMs),
    );
  });

  it('embeds texts in order, as plain arrays', async () => {
    const embedder = createOpenAIEmbedder({ apiKey: KEY, baseURL: fake.baseURL, embeddingModel: 'embed-test' });
    const vectors = await embedder.embed(['red linen shirt', 'blue wool coat']);
    assert.deepEqual(vectors[0], fakeEmbedding('red linen shirt'));
    assert.deepEqual(vectors[1], fakeEmbedding('blue wool coat'));
    assert.ok(Array.isArray(vectors[0]));
    assert.equal((fake.lastCall(OPENAI_ROUTES.embeddings)?.body as { model: string }).model, 'embed-test');
    assert.equal(embedder.model, 'embed-test');
  });

  it('without a key or baseURL: not configured, every request fails with auth, nothing is sent', async () => {
    let sent = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      sent += 1;
      return fetch(input, init);
    };
    const unconfigured = createOpenAIProvider({ fetch: countingFetch });
    const health = await unconfigured.health();
    assert.equal(health.configured, false);
    assert.equal(health.healthy, false);
    const error = asError(await unconfigured.generate([requestFor('A'), requestFor('B')]).catch((e: unknown) => e));
    assert.equal(error.kind, 'auth');
    const embedError = asError(
      await createOpenAIEmbedder({ fetch: countingFetch })
        .embed(['x'])
        .catch((e: unknown) => e),
    );
    assert.equal(embedError.kind, 'auth');
    assert.equal(sent, 0);
  });

  it('with a baseURL and no key: configured, sends a placeholder key', async () => {
    const open = await startFakeOpenAI();
    try {
      const local = createOpenAIProvider({ baseURL: open.baseURL });
      assert.equal((await local.health()).configured, true);
      asResult((await local.generate([requestFor('Local Tee')]))[0]);
      assert.match(String(open.lastCall()?.headers.authorization), /^Bearer \S+/);
    } finally {
      await open.close();
    }
  });

  it('a wrong key is auth and health records it without the key', async () => {
    const p = createOpenAIProvider({ apiKey: 'sk-wrong-key-000000', baseURL: fake.baseURL });
    const error = asError((await p.generate([requestFor('A')]))[0]);
    assert.equal(error.kind, 'auth');
    const health = await p.health();
    assert.equal(health.healthy, false);
    assert.match(String(health.lastError), /^auth/);
    assert.doesNotMatch(String(health.lastError), /wrong-key/);
    asResult((await provider().generate([requestFor('B')]))[0]);
  });

  it('cuts a hang at timeoutMs and closes the connection', async () => {
    // The fake never answers: only the 150 ms timeout can end the call.
    fake.setMode('hang');
    const [result] = await provider({ timeoutMs: 150 }).generate([requestFor('Slow Tee')]);
    assert.equal(asError(result).kind, 'timeout');
    await waitFor(() => fake.inFlight() === 0, { what: 'the client to drop the hanging request' });
  });

  it('aborts through the caller signal and leaves no request open', async () => {
    fake.setMode('hang');
    const controller = new AbortController();
    const pending = provider({ timeoutMs: 10_000 }).generate([requestFor('Slow Tee')], { signal: controller.signal });
    await waitFor(() => fake.inFlight() === 1, { what: 'the request to arrive' });
    controller.abort();
    const [result] = await pending;
    const error = asError(result);
    assert.equal(error.kind, 'timeout');
    assert.match(error.message, /aborted by caller/);
    await waitFor(() => fake.inFlight() === 0, { what: 'the client to drop the aborted request' });
  });

  it('close() aborts calls in flight and refuses new ones', async () => {
    fake.setMode('hang');
    const p = provider({ timeoutMs: 10_000 });
    const pending = p.generate([requestFor('Slow Tee')]);
    await waitFor(() => fake.inFlight() === 1, { what: 'the request to arrive' });
    await p.close();
    assert.ok(isProviderError((await pending)[0]));
    await waitFor(() => fake.inFlight() === 0, { what: 'the request to be dropped' });
    assert.equal(asError(await p.generate([requestFor('A')]).catch((e: unknown) => e)).kind, 'unavailable');
  });
  it('aborts a stream in flight through the caller signal and leaves no request open', async () => {
    const slow = await startFakeOpenAI({ apiKey: KEY, chunkDelayMs: 100 });
    try {
      const controller = new AbortController();
      const tokens: string[] = [];
      const pending = createOpenAIProvider({ apiKey: KEY, baseURL: slow.baseURL, timeoutMs: 10_000 }).generate(
        [requestFor('Slow Stream Tee')],
        {
          signal: controller.signal,
          onToken: (_, token) => {
            tokens.push(token);
            controller.abort();
          },
        },
      );
      const error = asError((await pending)[0]);
      assert.equal(error.kind, 'timeout');
      assert.match(error.message, /aborted by caller/);
      assert.equal(tokens.length, 1);
      await waitFor(() => slow.inFlight() === 0, { what: 'the client to drop the aborted stream' });
    } finally {
      await slow.close();
    }
  });

  it('sends through a custom fetch and an undici dispatcher when given', async () => {
    let sent = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      sent += 1;
      assert.ok(
        (init as { dispatcher?: unknown } | undefined)?.dispatcher instanceof Agent,
        'the dispatcher reaches fetch',
      );
      // A dispatcher of the undici package needs that package's fetch (Node's bundled copy may differ).
      return undiciFetch(input as string, init as Parameters<typeof undiciFetch>[1]) as unknown as Response;
    };
    const agent = new Agent({ keepAliveTimeout: 1000 });
    try {
      const p = provider({ fetch: countingFetch, dispatcher: agent });
      asResult((await p.generate([requestFor('Pooled Tee')]))[0]);
      asResult((await p.generate([requestFor('Pooled Tee')], { onToken: () => {} }))[0]);
      assert.equal(sent, 2);
    } finally {
      await agent.close();
    }
  });

  it('keeps one chat model per parameter set, least recently used dropped past the limit', () => {
    const cache = new ChatModelCache(resolveOpenAISettings({ apiKey: KEY }), 2);
    const a = cache.get({ maxTokens: 64 }, false);
    assert.equal(cache.get({ maxTokens: 64 }, false), a, 'same parameters: same model');
    const streaming = cache.get({ maxTokens: 64 }, true);
    assert.notEqual(streaming, a, 'streaming is its own model');
    assert.equal(cache.get({ maxTokens: 64 }, false), a, 'a hit makes it the most recent');
    cache.get({ maxTokens: 64, temperature: 0.5 }, false);
    assert.equal(cache.size, 2);
    assert.equal(cache.get({ maxTokens: 64 }, false), a, 'the recently used one stayed');
    assert.notEqual(cache.get({ maxTokens: 64 }, true), streaming, 'the least recently used one was dropped');
    assert.equal(a.maxTokens, 64);
  });

  it('calls with different parameters on one provider each send their own', async () => {
    const p = provider();
    for (const [maxTokens, temperature] of [
      [3, 0.1],
      [5, 0.9],
      [3, 0.1],
    ] as const) {
      asResult((await p.generate([requestFor('Knit Tee', { maxTokens, temperature })]))[0]);
      const body = fake.lastCall(OPENAI_ROUTES.chat)?.body as Record<string, unknown>;
      assert.equal(body.max_tokens, maxTokens);
      assert.equal(body.temperature, temperature);
    }
  });
});
