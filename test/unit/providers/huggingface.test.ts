/**
 * The Hugging Face backend against the fake HF server (real HTTP on port 0),
 * in the serverless form (`baseUrl` → `/models/{model}`) and the TGI form
 * (`endpointUrl`). No live tokens.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createHuggingFaceEmbedder,
  createHuggingFaceProvider,
  toVectors,
} from '../../../providers/huggingface/index.js';
import {
  isProviderError,
  type GenerationResult,
  type ProviderError,
  type ProviderErrorKind,
} from '../../../providers/types.js';
import { HF_ROUTES, startFakeHuggingFace } from '../../helpers/fake-huggingface.js';
import type { FakeServer, FaultMode } from '../../helpers/fake-http.js';
import { fakeCompletion, fakeEmbedding } from '../../helpers/fake-text.js';
import { promptFor, requestFor } from '../../helpers/generation-requests.js';
import { waitFor } from '../../helpers/wait.js';
import { must } from '../../helpers/must.js';

const TOKEN = 'hf_testtokennotreal123';

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

describe('Hugging Face provider', () => {
  let fake: FakeServer;
  before(async () => {
    fake = await startFakeHuggingFace({ apiKey: TOKEN });
  });
  beforeEach(() => fake.reset());
  after(async () => {
    await fake.close();
  });

  const serverless = (extra = {}) =>
    createHuggingFaceProvider({ apiKey: TOKEN, baseUrl: fake.url, timeoutMs: 300, ...extra });
  const tgi = (extra = {}) =>
    createHuggingFaceProvider({ apiKey: TOKEN, endpointUrl: `${fake.url}/generate`, timeoutMs: 300, ...extra });

  it('serverless form: POST /models/{model} with return_full_text false, params and Bearer token', async () => {
    const request = requestFor('Linen Shirt', { maxTokens: 5, temperature: 0.4, topP: 0.7, seed: 9, stop: ['END'] });
    const [result] = await serverless({ model: 'org/some-model' }).generate([request]);
    const call = fake.lastCall();
    assert.ok(call);
    assert.equal(call.route, HF_ROUTES.textGeneration);
    assert.equal(call.path, '/models/org/some-model');
    assert.equal(call.headers.authorization, `Bearer ${TOKEN}`);
    const body = call.body as { inputs: string; parameters: Record<string, unknown> };
    assert.equal(body.inputs, request.prompt);
    assert.equal(body.parameters.return_full_text, false);
    assert.equal(body.parameters.max_new_tokens, 5);
    assert.equal(body.parameters.temperature, 0.4);
    assert.equal(body.parameters.top_p, 0.7);
    assert.equal(body.parameters.seed, 9);
    assert.deepEqual(body.parameters.stop, ['END']);
    const r = asResult(result);
    assert.equal(r.text, fakeCompletion(request.prompt, { maxTokens: 5, seed: 9 }).text);
    assert.match(r.text, /Linen Shirt/);
    assert.equal(r.providerId, 'huggingface');
    assert.equal(r.model, 'org/some-model');
    assert.equal(fake.count(), 1);
  });

  it('TGI form: POST to endpointUrl, finish reason and token counts from details', async () => {
    const request = requestFor('Wool Coat', { maxTokens: 3 });
    const [result] = await tgi().generate([request]);
    assert.equal(fake.lastCall()?.route, HF_ROUTES.tgiGenerate);
    const r = asResult(result);
    assert.equal(r.text, fakeCompletion(request.prompt, { maxTokens: 3 }).text);
    assert.equal(r.finishReason, 'length');
    assert.equal(r.completionTokens, 3);
  });

  it('TGI root URL (compat route) works too', async () => {
    const p = createHuggingFaceProvider({ apiKey: TOKEN, endpointUrl: fake.url });
    const [result] = await p.generate([requestFor('Wool Coat')]);
    assert.equal(fake.lastCall()?.route, HF_ROUTES.tgiCompat);
    assert.equal(asResult(result).text, fakeCompletion(promptFor('Wool Coat')).text);
  });

  it('strips an echoed prompt from endpoints that ignore return_full_text', async () => {
    const echoing = await startFakeHuggingFace({ alwaysEchoPrompt: true });
    try {
      const p = createHuggingFaceProvider({ apiKey: TOKEN, endpointUrl: `${echoing.url}/generate` });
      const [result] = await p.generate([requestFor('Silk Scarf')]);
      assert.equal(asResult(result).text, fakeCompletion(promptFor('Silk Scarf')).text);
    } finally {
      await echoing.close();
    }
  });

  it('delivers the whole text as one onToken chunk per request', async () => {
    const tokens: Array<[number, string]> = [];
    const results = await serverless().generate([requestFor('A Tee'), requestFor('B Tee')], {
      onToken: (i, t) => tokens.push([i, t]),
    });
    tokens.sort((a, b) => a[0] - b[0]);
    assert.deepEqual(tokens, [
      [0, asResult(results[0]).text],
      [1, asResult(results[1]).text],
    ]);
  });

  it('returns N results in order, one failure leaving the others intact', async () => {
    const titles = ['Alpha Skirt', 'Beta Scarf', 'Gamma Boots', 'Delta Cap'];
    fake.failNext(1, '503', { match: (call) => JSON.stringify(call.body).includes('Beta Scarf') });
    const results = await serverless({ maxConcurrency: 3 }).generate(titles.map((t) => requestFor(t)));
    assert.equal(results.length, titles.length);
    results.forEach((result, i) => {
      if (i === 1) assert.equal(asError(result).kind, 'unavailable');
      else assert.match(asResult(result).text, new RegExp(must(titles[i], `title ${i}`)));
    });
    assert.equal(fake.count(), titles.length, 'the 503 was not retried by the client');
  });

  describe('maps every fault to its kind, with one call (no client retry)', () => {
    for (const [mode, kind] of EXPECTED) {
      it(`generate (serverless): ${mode} → ${kind}`, async () => {
        fake.failNext(1, mode);
        const error = asError((await serverless().generate([requestFor('Test Tee')]))[0]);
        assert.equal(error.kind, kind);
        assert.equal(error.providerId, 'huggingface');
        if (mode === '429') assert.equal(error.retryAfterMs, 2000);
        assert.equal(fake.count(), 1);
      });

      it(`generate (TGI): ${mode} → ${kind}`, async () => {
        fake.failNext(1, mode);
        const error = asError((await tgi().generate([requestFor('Test Tee')]))[0]);
        assert.equal(error.kind, kind);
        if (mode === '429') assert.equal(error.retryAfterMs, 2000);
        assert.equal(fake.count(HF_ROUTES.tgiGenerate), 1);
      });

      it(`embed: ${mode} → ${kind}`, async () => {
        fake.failNext(1, mode);
        const embedder = createHuggingFaceEmbedder({ apiKey: TOKEN, baseUrl: fake.url, timeoutMs: 300 });
        const error = asError(await embedder.embed(['a linen shirt']).catch((e: unknown) => e));
        assert.equal(error.kind, kind);
        if (mode === '429') assert.equal(error.retryAfterMs, 2000);
        assert.equal(fake.count(HF_ROUTES.featureExtraction), 1);
      });
    }
  });

  it('reads Retry-After given as an HTTP date', async () => {
    fake.setRetryAfter(new Date(Date.now() + 10_000).toUTCString());
    fake.failNext(1, '429');
    const error = asError((await serverless().generate([requestFor('Test Tee')]))[0]);
    assert.ok(
      error.retryAfterMs !== undefined && error.retryAfterMs > 7000 && error.retryAfterMs <= 10_000,
      String(error.retryAfterMs),
    );
  });

  it('embeds through the serverless feature-extraction route and a TEI-style endpoint', async () => {
    const embedder = createHuggingFaceEmbedder({ apiKey: TOKEN, baseUrl: fake.url, embeddingModel: 'org/embedder' });
    const vectors = await embedder.embed(['red linen shirt', 'blue wool coat']);
    assert.deepEqual(vectors, [fakeEmbedding('red linen shirt'), fakeEmbedding('blue wool coat')]);
    assert.equal(fake.lastCall()?.path, '/models/org/embedder/pipeline/feature-extraction');
    assert.equal(fake.lastCall()?.headers.authorization, `Bearer ${TOKEN}`);

    const tei = createHuggingFaceEmbedder({ apiKey: TOKEN, embeddingEndpointUrl: `${fake.url}/embed` });
    assert.deepEqual(await tei.embed(['red linen shirt']), [fakeEmbedding('red linen shirt')]);
    assert.equal(fake.lastCall()?.route, HF_ROUTES.teiEmbed);
  });

  it('mean-pools token-level feature extraction output', () => {
    assert.deepEqual(
      toVectors(
        [
          [
            [1, 3],
            [3, 5],
          ],
          [2, 2],
        ],
        2,
        'hf',
      ),
      [
        [2, 4],
        [2, 2],
      ],
    );
    assert.throws(
      () => toVectors([[1, 2]], 2, 'hf'),
      (e: unknown) => isProviderError(e) && e.kind === 'unavailable',
    );
  });

  it('without a token or endpoint: not configured, fails with auth, sends nothing', async () => {
    const p = createHuggingFaceProvider({ baseUrl: fake.url });
    const health = await p.health();
    assert.equal(health.configured, false);
    assert.equal(health.healthy, false);
    assert.equal(asError(await p.generate([requestFor('A')]).catch((e: unknown) => e)).kind, 'auth');
    assert.equal(
      asError(
        await createHuggingFaceEmbedder({ baseUrl: fake.url })
          .embed(['a'])
          .catch((e: unknown) => e),
      ).kind,
      'auth',
    );
    assert.equal(fake.count(), 0);
  });

  it('a self-hosted endpoint without a token is configured and sends no Authorization header', async () => {
    const open = await startFakeHuggingFace();
    try {
      const p = createHuggingFaceProvider({ endpointUrl: `${open.url}/generate` });
      assert.equal((await p.health()).configured, true);
      asResult((await p.generate([requestFor('Open Tee')]))[0]);
      assert.equal(open.lastCall()?.headers.authorization, undefined);
    } finally {
      await open.close();
    }
  });

  it('cuts a hang at timeoutMs and closes the connection', async () => {
    fake.setMode('hang');
    const [result] = await serverless({ timeoutMs: 150 }).generate([requestFor('Slow Tee')]);
    assert.equal(asError(result).kind, 'timeout');
    await waitFor(() => fake.inFlight() === 0, { what: 'the client to drop the hanging request' });
    const health = await serverless().health();
    assert.equal(health.healthy, true, 'a fresh provider has no history');
  });

  it('aborts through the caller signal and leaves no request open', async () => {
    fake.setMode('hang');
    const controller = new AbortController();
    const p = serverless({ timeoutMs: 10_000 });
    const pending = p.generate([requestFor('Slow Tee')], { signal: controller.signal });
    await waitFor(() => fake.inFlight() === 1, { what: 'the request to arrive' });
    controller.abort();
    const [result] = await pending;
    assert.match(asError(result).message, /aborted by caller/);
    await waitFor(() => fake.inFlight() === 0, { what: 'the client to drop the aborted request' });
    assert.equal((await p.health()).healthy, true, 'a caller abort is not a provider failure');
  });
});
