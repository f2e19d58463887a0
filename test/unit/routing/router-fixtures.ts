/**
 * Shared set-up for the router tests: the real fake servers, the real
 * providers pointed at them, a registry-shaped source, and guards that fail
 * a test on an unhandled rejection or a request left open.
 */
export { seededRandom } from '../../../providers/random.js';
import assert from 'node:assert/strict';
import { createOpenAIProvider } from '../../../providers/openai/index.js';
import type { TextGenerator } from '../../../providers/types.js';
import type {
  GeneratorSource,
  Routed,
  RoutedFailure,
  RoutedSuccess,
  RoutingPolicy,
  RouteTarget,
} from '../../../src/routing/types.js';
import type { FakeServer } from '../../helpers/fake-http.js';
import type { FakeOpenAI } from '../../helpers/fake-openai.js';
import { waitFor } from '../../helpers/wait.js';

export const KEY = 'sk-test-router-key-123';

/** The real OpenAI provider against a fake, with a provider timeout above any test's target timeout. */
export function openaiOn(
  fake: FakeOpenAI,
  id: string,
  extra: Parameters<typeof createOpenAIProvider>[0] = {},
): TextGenerator {
  return createOpenAIProvider({ id, apiKey: KEY, baseURL: fake.baseURL, timeoutMs: 10_000, ...extra });
}

/** A registry-shaped source over `generators`, in the given order. */
export function sourceOf(...generators: TextGenerator[]): GeneratorSource {
  const byId = new Map(generators.map((g) => [g.id, g]));
  return { generator: (id) => byId.get(id), generatorIds: () => [...byId.keys()] };
}

/** Counts `generate` calls (batches) while delegating to the real provider. */
export function countingGenerator<G extends TextGenerator>(inner: G): G & { batches: number[] } {
  const batches: number[] = [];
  const wrapper = Object.create(inner) as G & { batches: number[] };
  wrapper.batches = batches;
  wrapper.generate = (requests, options) => {
    batches.push(requests.length);
    return inner.generate(requests, options);
  };
  return wrapper;
}

export function target(provider: string, timeoutMs: number, retries: number, weight?: number): RouteTarget {
  return weight === undefined ? { provider, timeoutMs, retries } : { provider, timeoutMs, retries, weight };
}

export function fallback(name: string, ...targets: RouteTarget[]): RoutingPolicy {
  return { name, strategy: 'fallback', targets };
}

export function asSuccess(routed: Routed | undefined): RoutedSuccess {
  assert.ok(routed, 'expected a result');
  if (!routed.ok) assert.fail(`expected success, got ${routed.code}: ${routed.error.kind} ${routed.error.message}`);
  return routed;
}

export function asFailure(routed: Routed | undefined): RoutedFailure {
  assert.ok(routed, 'expected a result');
  if (routed.ok) assert.fail(`expected failure, got text from ${routed.result.providerId}`);
  return routed;
}

/**
 * Records unhandled rejections while installed; `check()` fails the test if
 * any happened. Install in `before`, check and remove in `after`.
 */
export function rejectionGuard(): { install(): void; check(): void } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  return {
    install: () => process.on('unhandledRejection', onRejection),
    check: () => {
      process.off('unhandledRejection', onRejection);
      assert.deepEqual(seen, [], `unhandled rejections: ${seen.map(String).join('; ')}`);
    },
  };
}

/** Fails unless every fake has answered or dropped every request it got. */
export async function noneHanging(...fakes: FakeServer[]): Promise<void> {
  await waitFor(() => fakes.every((f) => f.inFlight() === 0), { what: 'fake servers to have no open requests' });
}
