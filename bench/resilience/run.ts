/**
 * Resilience demo: 10,000 requests while the primary fake OpenAI server fails
 * 20% of its calls (an even, seeded mix of 503, 429 and hangs), measured
 * twice in the same run:
 * - without the resilience layer: one call to the primary, nothing else
 *   (the provider's own timeout cuts the hangs);
 * - with it: `createRouter` over primary → secondary (a second fake, no faults),
 *   with retries, the retry budget, breakers, bulkheads and timeouts; once
 *   with a breaker that opens on a streak (the baseline), once with the
 *   default failure-ratio rule.
 *
 *   npm run bench:resilience   [--requests 10000] [--concurrency 8]
 *
 * Writes the "resilience" section of docs/benchmarks.md.
 */
import { createOpenAIProvider } from '../../providers/openai/index.js';
import { isProviderError, type GenerationRequest } from '../../providers/types.js';
import type { BreakerSettings } from '../../src/routing/breaker.js';
import { createRouter } from '../../src/routing/router.js';
import { OPENAI_ROUTES, startFakeOpenAI, type FakeOpenAI } from '../../test/helpers/fake-openai.js';
import { failAtRandom } from '../../test/helpers/fake-http.js';
import { requestFor } from '../../test/helpers/generation-requests.js';
import { seededRandom } from '../../test/unit/routing/router-fixtures.js';
import { writeSection } from '../report.js';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const REQUESTS = arg('--requests', 10_000);
// Kept low on purpose: each hosted call costs a few ms of CPU in LangChain
// (see the hosted-providers section), and on a small machine a deep queue
// alone would push healthy calls past the 200 ms hang timeout.
const CONCURRENCY = arg('--concurrency', 8);
const FAULT_RATE = 0.2;
const HANG_TIMEOUT_MS = 200;
const LATENCY_MS = 5;
const RETRY_AFTER = '0.05';
const KEY = 'sk-bench-not-a-real-key';

function injectFaults(fake: FakeOpenAI, seed: number): void {
  failAtRandom(fake, {
    rate: FAULT_RATE,
    modes: ['503', '429', 'hang'],
    random: seededRandom(seed),
    route: OPENAI_ROUTES.chat,
  });
}

interface Outcome {
  ok: boolean;
  ms: number;
}

async function drive(
  n: number,
  concurrency: number,
  one: (i: number) => Promise<boolean>,
): Promise<{ outcomes: Outcome[]; wallMs: number }> {
  const outcomes = new Array<Outcome>(n);
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next;
      next += 1;
      // Requests reach a server through I/O; without this turn of the event
      // loop, requests that fail fast (open breakers) would run back to back
      // in microtasks and starve the timers and sockets of everything else.
      await new Promise((resolve) => setImmediate(resolve));
      const t = performance.now();
      const ok = await one(i);
      outcomes[i] = { ok, ms: performance.now() - t };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { outcomes, wallMs: performance.now() - started };
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

interface Summary {
  successRate: number;
  p50: number;
  p99: number;
  primaryCalls: number;
  secondaryCalls: number;
  wallMs: number;
}

function summarize(run: { outcomes: Outcome[]; wallMs: number }, primary: FakeOpenAI, secondary: FakeOpenAI): Summary {
  const sorted = run.outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return {
    successRate: run.outcomes.filter((o) => o.ok).length / run.outcomes.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    primaryCalls: primary.count(OPENAI_ROUTES.chat),
    secondaryCalls: secondary.count(OPENAI_ROUTES.chat),
    wallMs: run.wallMs,
  };
}

/** Request `i` of the REQUESTS that each run drives. */
function requestAt(i: number): GenerationRequest {
  const request = requests[i];
  if (!request) throw new Error(`no request ${i} of ${REQUESTS}`);
  return request;
}
const requests: GenerationRequest[] = Array.from({ length: REQUESTS }, (_, i) =>
  requestFor(`Bench Item ${i}`, { maxTokens: 16 }),
);

async function main(): Promise<void> {
  const primary = await startFakeOpenAI({ latencyMs: LATENCY_MS, retryAfter: RETRY_AFTER });
  const secondary = await startFakeOpenAI({ latencyMs: LATENCY_MS });
  // Without the layer the provider's own timeout is the only cut; with it,
  // each target's timeout cuts, and the provider's is only a backstop.
  const provider = (fake: FakeOpenAI, id: string, timeoutMs: number) =>
    createOpenAIProvider({ id, apiKey: KEY, baseURL: fake.baseURL, timeoutMs, maxConcurrency: CONCURRENCY });
  try {
    // Without: a single call to the primary.
    injectFaults(primary, 1);
    const bare = provider(primary, 'primary', HANG_TIMEOUT_MS);
    const without = summarize(
      await drive(REQUESTS, CONCURRENCY, async (i) => {
        const [r] = await bare.generate([requestAt(i)]);
        return r !== undefined && !isProviderError(r);
      }),
      primary,
      secondary,
    );

    // With: the router, same faults (same seed), fresh counts; once with a
    // breaker that opens on a streak whatever the traffic (the earlier rule,
    // as a baseline in this run), once with the default rule.
    const withLayer = async (breaker: Partial<BreakerSettings>): Promise<Summary & { breakerOpens: number }> => {
      primary.reset();
      secondary.reset();
      injectFaults(primary, 1);
      let breakerOpens = 0;
      const p = provider(primary, 'primary', 10_000);
      const s = provider(secondary, 'secondary', 10_000);
      const byId = new Map([p, s].map((g) => [g.id, g]));
      const router = createRouter({
        source: { generator: (id) => byId.get(id), generatorIds: () => [...byId.keys()] },
        policies: [
          {
            name: 'internal',
            strategy: 'fallback',
            targets: [
              { provider: 'primary', timeoutMs: HANG_TIMEOUT_MS, retries: 1 },
              { provider: 'secondary', timeoutMs: 1000, retries: 1 },
            ],
          },
        ],
        retry: { initialDelayMs: 10, maxDelayMs: 100 },
        breaker: { cooldownMs: 2000, ...breaker },
      });
      const summary = summarize(
        await drive(REQUESTS, CONCURRENCY, async (i) => {
          const before = router.breakerState('primary');
          const [r] = await router.generate([{ request: requestAt(i), options: { policy: 'internal' } }]);
          if (before !== 'open' && router.breakerState('primary') === 'open') breakerOpens += 1;
          return r !== undefined && r.ok;
        }),
        primary,
        secondary,
      );
      await router.close();
      return { ...summary, breakerOpens };
    };
    // A minimum no window reaches leaves the streak to decide alone.
    const streak = await withLayer({ minimumCalls: Number.MAX_SAFE_INTEGER });
    const ratio = await withLayer({});

    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    const row = (name: string, x: Summary & { breakerOpens?: number }) =>
      `| ${name} | ${pct(x.successRate)} | ${ms(x.p50)} | ${ms(x.p99)} | ${x.primaryCalls} | ${x.secondaryCalls} | ${pct(x.secondaryCalls / REQUESTS)} | ${x.breakerOpens ?? '–'} | ${((x.primaryCalls + x.secondaryCalls) / REQUESTS).toFixed(3)} | ${(x.wallMs / 1000).toFixed(1)} s |`;
    const table = [
      '| | success | p50 | p99 | primary calls | secondary calls | sent to secondary | breaker opened | upstream calls / request | wall |',
      '|---|---|---|---|---|---|---|---|---|---|',
      row('without (single call to primary)', without),
      row('with the layer, streak breaker (baseline)', streak),
      row('with the layer, ratio breaker (default)', ratio),
    ].join('\n');
    console.log(table);
    const body = `${REQUESTS.toLocaleString('en-US')} requests, ${CONCURRENCY} in flight, against in-process fake OpenAI servers (${LATENCY_MS} ms latency).
The primary fails ${pct(FAULT_RATE)} of calls at random (seeded; an even mix of 503 and 429 with \`Retry-After: ${RETRY_AFTER}\`, and hangs); hangs are cut at ${HANG_TIMEOUT_MS} ms.
With the layer: policy primary (${HANG_TIMEOUT_MS} ms, 1 retry) → secondary (no faults), retry budget 20% + 10 per 10 s, cooldown 2 s; 429s never count against the breaker. Breaker rules: **streak** opens on 5 failures in a row whatever the traffic (the rule before the ratio, kept as the baseline of this run); **ratio** (the default) opens on ≥ 50% of ≥ 20 calls in 30 s, and on 5 in a row only while fewer calls are in the window. "Breaker opened" counts the openings requests saw.

${table}

Success ratio with (ratio breaker) / without: ${(ratio.successRate / without.successRate).toFixed(3)}×; p99 ratio with / without: ${(ratio.p99 / without.p99).toFixed(2)}×. Ratio breaker ÷ streak breaker: secondary calls ${(ratio.secondaryCalls / Math.max(1, streak.secondaryCalls)).toFixed(2)}×, p99 ${(ratio.p99 / streak.p99).toFixed(2)}×.

Reproduce: \`npm run bench:resilience\` (or \`node dist/bench/resilience/run.js --requests ${REQUESTS} --concurrency ${CONCURRENCY}\` after \`npm run build\`).`;
    writeSection('resilience', 'Resilience: failover, retries and breakers under injected faults', body);
  } finally {
    await primary.close();
    await secondary.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
