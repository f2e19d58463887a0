/**
 * Honest capabilities through the real server: the local model declares
 * English and no personalization (a plain folder's default), the fake
 * OpenAI server honours everything.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { fixturesDir } from '../helpers/paths.js';
import { dataOf, productIds } from '../helpers/graphql.js';
import { described, type GeneratedDescription } from '../helpers/generation-results.js';
import { GenerateDescriptionsDocument, type GenerateDescriptionInput } from '../generated/graphql.js';
import { must, mustHave } from '../helpers/must.js';

const tinyLlama = path.join(fixturesDir, 'models', 'tiny-llama');
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

const GENERATE = GenerateDescriptionsDocument;

async function firstProduct(server: TestServer): Promise<string> {
  return must((await productIds(server.gql, 1))[0], 'a product id');
}

async function generate(server: TestServer, input: GenerateDescriptionInput): Promise<GeneratedDescription> {
  return described(dataOf(await server.gql(GENERATE, { input: [input] })).generateDescriptions[0]);
}

const params = { maxTokens: 6, promptVersion: 'v3' };

test('the router skips a provider that cannot write the locale when another can; in English the policy order stands', async () => {
  const fake = await startFakeOpenAI();
  cleanup.push(() => fake.close());
  const server = await startTestServer({
    providers: ['onnx', 'openai'],
    localModelDir: tinyLlama,
    openaiBaseUrl: fake.baseURL,
    openaiApiKey: 'sk-test-capabilities-secret',
    cacheTtlMs: 0,
  });
  cleanup.push(() => server.stop());
  const productId = await firstProduct(server);

  // "mobile" tries the local model first.
  const french = await generate(server, { productId, policy: 'mobile', params, personalization: { locale: 'fr-FR' } });
  assert.equal(french.provider, 'openai', JSON.stringify(french));
  assert.deepEqual(
    french.attempts.map((a) => a.provider),
    ['openai'],
    'onnx was never tried',
  );
  assert.deepEqual(french.warnings, []);

  const english = await generate(server, {
    productId,
    policy: 'mobile',
    params,
    personalization: { locale: 'en-GB', tone: 'playful' },
  });
  assert.equal(english.provider, 'onnx');
  assert.deepEqual(english.warnings, [
    { code: 'PERSONALIZATION_IGNORED', message: 'tone not honoured: onnx (tiny-llama) does not follow them' },
  ]);

  // Pinned, the provider is used anyway, and the description says what it did not honour.
  const pinned = await generate(server, {
    productId,
    provider: 'onnx',
    params,
    personalization: { locale: 'de', segment: 'commuters', keywords: ['linen'] },
  });
  assert.equal(pinned.provider, 'onnx');
  assert.deepEqual(
    pinned.warnings.map((w) => w.code),
    ['LOCALE_UNSUPPORTED', 'PERSONALIZATION_IGNORED'],
  );
  const [locale, ignored] = mustHave(pinned.warnings, 2, 'warnings');
  assert.match(locale.message, /^onnx \(tiny-llama\) writes en only, not the locale de$/);
  assert.match(ignored.message, /^segment, keywords not honoured/);
  assert.equal(fake.count('chat.completions'), 1);
});

test('with no provider for the locale the description carries LOCALE_UNSUPPORTED, also when served from the store; an older prompt version is named', async () => {
  const server = await startTestServer({ providers: ['onnx'], localModelDir: tinyLlama, cacheTtlMs: 0 });
  cleanup.push(() => server.stop());
  const productId = await firstProduct(server);
  const personalization = { locale: 'fr-CA', tone: 'calm' };
  const d = await generate(server, { productId, params, personalization });
  assert.equal(d.provider, 'onnx');
  assert.deepEqual(
    d.warnings.map((w) => w.code),
    ['LOCALE_UNSUPPORTED', 'PERSONALIZATION_IGNORED'],
  );

  // The stored description keeps its warnings, apart from the check flags.
  type Stored = {
    description: { source: string; warnings: Array<{ code: string }>; flags: Array<{ category: string }> };
  };
  const stored = await server.gql<Stored>(
    `query($id: ID!) { description(id: $id) { source warnings { code } flags { category } } }`,
    { id: d.id },
  );
  const cached = dataOf(stored).description;
  assert.equal(cached.source, 'CACHED');
  assert.deepEqual(
    cached.warnings.map((w) => w.code),
    ['LOCALE_UNSUPPORTED', 'PERSONALIZATION_IGNORED'],
  );
  assert.ok(cached.flags.every((f) => f.category !== 'warning'));

  const v2 = await generate(server, {
    productId,
    params: { ...params, promptVersion: 'v2' },
    personalization: { locale: 'en-US', tone: 'calm' },
  });
  assert.deepEqual(v2.warnings, [
    {
      code: 'LOCALE_UNSUPPORTED',
      message: "prompt v2 does not carry the locale en-US: the text is in the model's default language",
    },
    { code: 'PERSONALIZATION_IGNORED', message: 'tone not honoured: prompt v2 does not carry personalization' },
  ]);
  const none = await generate(server, { productId, params });
  assert.deepEqual(none.warnings, []);
});
