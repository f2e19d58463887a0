import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { meteredSource, meteredStorage } from '../../../src/observability/metered.js';
import { SqliteStorage } from '../../../src/storage/index.js';
import { slotOf } from '../../../src/publication/slot.js';
import { makeCatalog, makeDescription } from '../storage/storage.data.js';
import {
  ProviderError,
  type GenerateOptions,
  type GenerationResult,
  type TextGenerator,
} from '../../../providers/types.js';
import { must } from '../../helpers/must.js';

const result = (finishReason: GenerationResult['finishReason']): GenerationResult => ({
  text: 'x',
  finishReason,
  promptTokens: 3,
  completionTokens: 2,
  latencyMs: 1,
  providerId: 'local',
  model: 'm',
});

/** A generator that answers each call with the next scripted outcome: results, or an error to throw. */
function scripted(answers: Array<Array<GenerationResult | ProviderError> | ProviderError>): TextGenerator {
  return {
    id: 'local',
    kind: 'onnx',
    model: 'm',
    capabilities: { streaming: false, seed: true, maxBatchSize: 8 },
    health: async () => ({ healthy: true, configured: true }),
    close: async () => undefined,
    async generate() {
      const next = answers.shift();
      if (next instanceof ProviderError) throw next;
      return next ?? [];
    },
  };
}

async function counted(metrics: GatewayMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of ['gateway_provider_calls_total', 'gateway_provider_errors_total']) {
    for (const v of (await must(metrics.registry.getSingleMetric(name), name).get()).values)
      out[`${name.replace('gateway_provider_', '').replace('_total', '')}:${v.labels.outcome ?? v.labels.kind}`] =
        v.value;
  }
  return out;
}

test('outcomes: a call nobody waits for any more is cancelled, not a timeout; other kinds stay what they are', async () => {
  const metrics = new GatewayMetrics();
  const gone = new AbortController();
  gone.abort();
  const still = new AbortController();
  const timeout = () => new ProviderError('timeout', 'local', 'aborted');
  const inner = scripted([
    [result('stop'), result('cancelled')],
    [result('cancelled'), timeout(), new ProviderError('rate_limited', 'local', '429')],
    [timeout()],
    timeout(),
  ]);
  const generator = must(
    meteredSource({ generatorIds: () => ['local'], generator: () => inner }, metrics).generator('local'),
    'the metered local generator',
  );
  const req = { prompt: 'p' } as never;
  const call = (options: GenerateOptions) => generator.generate([req, req], options);
  // Ends at EOS, and a local-model row stopped by the call's own timeout: ok and timeout.
  await call({ signal: still.signal, callerGone: still.signal });
  // Every caller gone: the stopped row and the abort's timeout are cancelled; a rate limit stays one.
  await call({ signal: gone.signal, callerGone: gone.signal });
  // No caller signal at all (the call was not cancellable): a timeout is a timeout.
  await call({});
  // A whole call that failed, its callers gone: both requests cancelled.
  await assert.rejects(call({ signal: gone.signal, callerGone: gone.signal }));
  assert.deepEqual(await counted(metrics), {
    'calls:ok': 1,
    'calls:timeout': 2,
    'calls:cancelled': 4,
    'calls:rate_limited': 1,
    'errors:timeout': 2,
    'errors:rate_limited': 1,
  });
});

test('meteredStorage counts flags and cost of each stored description, stored alone or with its admission', async () => {
  const metrics = new GatewayMetrics();
  const storage = meteredStorage(new SqliteStorage(':memory:'), metrics);
  try {
    const product = must((await storage.catalog.upsertProducts(makeCatalog()))[0], 'the first product').product;
    const flagged = makeDescription(product.id, {
      provider: 'openai',
      estimatedCostUsd: 0.25,
      flags: [{ code: 'GENDERED_TERM', category: 'inclusive_language', message: 'm' }],
    });
    await storage.descriptions.insertDescription(flagged);
    const submit = () => ({
      action: 'SUBMIT' as const,
      to: 'IN_REVIEW' as const,
      actor: { name: 'policy', role: 'system' },
      note: null,
    });
    const { entry } = await storage.publication.storeGenerated(
      {
        description: flagged,
        slot: slotOf(product.id, null),
        check: null,
        complete: true,
        actor: { name: 'app', role: 'mobile' },
      },
      submit,
    );
    assert.equal(entry.description.estimatedCostUsd, 0.25);
    const value = async (name: string) =>
      (await must(metrics.registry.getSingleMetric(name), name).get()).values.map((v) => [
        Object.values(v.labels).join(),
        v.value,
      ]);
    assert.deepEqual(await value('gateway_description_flags_total'), [['inclusive_language', 2]]);
    assert.deepEqual(await value('gateway_estimated_cost_usd_total'), [['openai', 0.5]]);
  } finally {
    await storage.close();
  }
});
