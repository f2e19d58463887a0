/**
 * The mobile app's hottest read, the product page
 * (`products(first: 20) { edges { node { title price description { text } } } }`,
 * clients/mobile/products.graphql's MobileProductPage), on one core:
 * - storage: the same page and JSON from the storage layer alone, in one
 *   process (storage-server.ts), the floor;
 * - text: through the gateway, the query sent as text;
 * - documentId: through the gateway, the trusted document's id.
 * - documentId, no cache: the same with PUBLISHED_CACHE_TTL_MS=0, what the
 *   cache of published texts buys.
 * Every product of the page has a published description before anything is
 * measured, so no request reaches a provider. Rate steps are interleaved
 * across the paths (open loop, evenly paced) until a path's p99 passes the
 * budget; concurrency-1 latency in interleaved rounds.
 *
 *   npm run bench:read-path                 # options: --quick
 *
 * Writes the "read-path" section of docs/benchmarks.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSection } from '../report.js';
import {
  choosePinning,
  cpuMs,
  repoRoot,
  rssKiB,
  runLoadStep,
  startFake,
  startOurs,
  startScript,
  type Child,
} from '../gateway/processes.js';
import { stepSeconds, summarizeLatencies, withinBudget, ratio, type RateStep } from '../gateway/stats.js';
import type { LoadResult, LoadSpec } from '../gateway/load.js';

const QUICK = process.argv.includes('--quick');
const BUDGET_MS = 10;
const PAGE_SIZE = 20;
const RATES = QUICK
  ? [100, 200, 400, 700, 1000, 1400, 2000]
  : [100, 200, 300, 400, 500, 700, 850, 1000, 1200, 1400, 1700, 2000, 2400, 2800];
const C1_SEC = QUICK ? 2 : 4;
const C1_ROUNDS = 3;
const MOBILE_KEY = 'bench-mobile-key-0123456789abcdef';
const EDITOR_KEY = 'bench-editor-key-0123456789abcdef';
const MANIFEST = path.join(repoRoot, 'clients', 'generated', 'persisted-documents.json');

type Step = RateStep & { secondTry?: boolean };

interface ReadPath {
  name: 'storage' | 'text' | 'documentId' | 'documentId, no cache';
  spec: Omit<LoadSpec, 'connections' | 'durationSec' | 'overallRate'>;
  process: Child;
  steps: Step[];
  done: boolean;
  c1: number[];
  cpuMsPerRequest: number[];
}

function pageDocument(): { id: string; text: string } {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
  const entry = Object.entries(manifest).find(([, text]) => text.startsWith('query MobileProductPage('));
  if (!entry) throw new Error('MobileProductPage is not in the manifest: run npm run codegen');
  return { id: entry[0], text: entry[1] };
}

async function post(
  url: string,
  key: string,
  body: unknown,
): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (answer.errors || !answer.data) throw new Error(`${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);
  return answer;
}

/**
 * Reads the page once through the gateway, which generates a text for every
 * product on it (PUBLISH_POLICY=auto publishes those that pass), publishes
 * with the editor key what waits for review, and checks the page is whole.
 */
async function warm(url: string, text: string): Promise<void> {
  await post(url, MOBILE_KEY, { query: text, variables: { first: PAGE_SIZE } });
  const queue = (await post(url, EDITOR_KEY, { query: '{ reviewQueue(first: 100) { edges { node { id } } } }' }))
    .data as { reviewQueue: { edges: Array<{ node: { id: string } }> } };
  for (const { node } of queue.reviewQueue.edges) {
    await post(url, EDITOR_KEY, {
      query: 'mutation($id: ID!) { a: approveDescription(id: $id) { status } }',
      variables: { id: node.id },
    });
    await post(url, EDITOR_KEY, {
      query: 'mutation($id: ID!) { p: publishDescription(id: $id, override: true, note: "bench seed") { status } }',
      variables: { id: node.id },
    });
  }
  const body = (await post(url, MOBILE_KEY, { query: text, variables: { first: PAGE_SIZE } })).data as {
    products: { edges: Array<{ node: { description: { text: string } | null } }> };
  };
  const edges = body.products.edges;
  if (edges.length !== PAGE_SIZE || edges.some((e) => !e.node.description?.text))
    throw new Error(`warm-up page incomplete: ${JSON.stringify(body).slice(0, 300)}`);
}

async function startPaths(dir: string, gatewayCore?: number): Promise<{ paths: ReadPath[]; fake: Child }> {
  const fake = await startFake(0);
  const databasePath = path.join(dir, 'gateway.db');
  const { id, text } = pageDocument();
  const env = (cacheTtlMs: number) => ({
    GATEWAY_API_KEYS: `mobile:${MOBILE_KEY},editor:${EDITOR_KEY}`,
    RATE_LIMITS: 'mobile=off,editor=off',
    GENERATION_RATE_LIMITS: 'mobile=off',
    TRUSTED_DOCUMENTS_MANIFEST: MANIFEST,
    TRUSTED_DOCUMENTS: 'mobile=allow',
    PUBLISH_POLICY: 'auto',
    PUBLISHED_CACHE_TTL_MS: String(cacheTtlMs),
  });
  const gateway = await startOurs(fake.url, databasePath, gatewayCore, [], env(60_000));
  await warm(gateway.url, text);
  const uncached = await startOurs(fake.url, databasePath, gatewayCore, [], env(0));
  const storage = await startScript(
    'bench/read-path/storage-server.js',
    { DATABASE_PATH: databasePath, PAGE_SIZE: String(PAGE_SIZE) },
    '/ready',
    gatewayCore,
  );
  const headers = { authorization: `Bearer ${MOBILE_KEY}` };
  const variables = { first: PAGE_SIZE };
  const path_ = (name: ReadPath['name'], child: Child, url: string, body: unknown, expect: string): ReadPath => ({
    name,
    process: child,
    spec: { url, body: JSON.stringify(body), headers, expect, paced: true, raw: true },
    steps: [],
    done: false,
    c1: [],
    cpuMsPerRequest: [],
  });
  return {
    fake,
    paths: [
      path_('storage', storage, `${storage.url}/page`, {}, '"edges"'),
      path_('text', gateway, gateway.url, { query: text, variables }, '"edges"'),
      path_('documentId', gateway, gateway.url, { documentId: id, variables }, '"edges"'),
      path_('documentId, no cache', uncached, uncached.url, { documentId: id, variables }, '"edges"'),
    ],
  };
}

async function rateStep(p: ReadPath, spec: LoadSpec, rate: number, clientCore?: number): Promise<Step> {
  const result = await step(p, spec, clientCore);
  console.log(
    `${p.name} ${rate}/s: p99 ${result.p99.toFixed(2)} ms, achieved ${result.achievedRps.toFixed(0)}/s, errors ${result.errors}`,
  );
  return { rate, p99: result.p99, errors: result.errors, achievedRps: result.achievedRps };
}

/** One load step of one path, with the serving process's CPU per request. */
async function step(p: ReadPath, spec: LoadSpec, clientCore?: number): Promise<LoadResult> {
  const cpuBefore = cpuMs(p.process.pid);
  const result = await runLoadStep(spec, clientCore);
  p.cpuMsPerRequest.push((cpuMs(p.process.pid) - cpuBefore) / Math.max(1, result.ok + result.errors));
  return result;
}

async function main(): Promise<void> {
  const pinning = choosePinning();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-read-path-'));
  const started = Date.now();
  const [load = Number.NaN] = os.loadavg(); // the 1-minute load (os.loadavg always gives three)
  const { paths, fake } = await startPaths(dir, pinning?.gatewayCore);
  try {
    for (let round = 0; round < C1_ROUNDS; round++) {
      for (const p of paths)
        p.c1.push(
          ...((await step(p, { ...p.spec, paced: false, connections: 1, durationSec: C1_SEC }, pinning?.clientCore))
            .latencies ?? []),
        );
    }
    for (const rate of RATES) {
      for (const p of paths.filter((q) => !q.done)) {
        const spec = {
          ...p.spec,
          connections: Math.max(8, Math.ceil(rate / 50)),
          durationSec: stepSeconds(rate, QUICK ? 2 : 3, 6),
          overallRate: rate,
        };
        let s = await rateStep(p, spec, rate, pinning?.clientCore);
        // One stall on a shared machine breaks a short step's p99: a step that breaks the budget gets a second try, and the better one is kept.
        if (!withinBudget(s, BUDGET_MS)) {
          const again = await rateStep(p, spec, rate, pinning?.clientCore);
          if (withinBudget(again, BUDGET_MS) || again.p99 < s.p99) s = { ...again, secondTry: true };
        }
        p.steps.push(s);
        if (!withinBudget(s, BUDGET_MS)) p.done = true;
      }
      if (paths.every((p) => p.done)) break;
    }
    const rss = Object.fromEntries(paths.map((p) => [p.name, rssKiB(p.process.pid) / 1024]));
    const body = render(paths, {
      pinned: pinning !== null,
      load,
      seconds: Math.round((Date.now() - started) / 1000),
      rss,
    });
    console.log(body);
    writeSection('read-path', 'Mobile read path: the product page on one core', body);
  } finally {
    for (const p of new Set(paths.map((q) => q.process))) await p.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The highest rate that stayed within budget before the first step that did not. */
function reached(p: ReadPath): number {
  let best = 0;
  for (const s of p.steps) {
    if (!withinBudget(s, BUDGET_MS)) break;
    best = s.rate;
  }
  return best;
}

const median = (xs: number[]): number => summarizeLatencies(xs).p50;

function render(
  paths: ReadPath[],
  run: { pinned: boolean; load: number; seconds: number; rss: Record<string, number> },
): string {
  const byName = (name: ReadPath['name']): ReadPath => {
    const found = paths.find((p) => p.name === name);
    if (!found) throw new Error(`no ${name} read path was measured`);
    return found;
  };
  const base = byName('storage');
  const rows = paths.map((p) => {
    const c1 = summarizeLatencies(p.c1);
    return `| ${p.name} | ${reached(p)} | ${ratio(reached(p), reached(base))} | ${c1.p50.toFixed(3)} | ${c1.p99.toFixed(3)} | ${median(p.cpuMsPerRequest).toFixed(3)} | ${(run.rss[p.name] ?? Number.NaN).toFixed(0)} |`;
  });
  const steps = paths.map(
    (p) =>
      `- ${p.name}: ${p.steps.map((s) => `${s.rate}/s p99 ${s.p99.toFixed(1)} ms${s.secondTry ? ' (2nd try)' : ''}${s.errors ? ` (${s.errors} errors)` : ''}${s.achievedRps < 0.9 * s.rate ? ` (achieved ${s.achievedRps.toFixed(0)}/s)` : ''}`).join(', ')}`,
  );
  const cpu = (name: ReadPath['name']) => median(byName(name).cpuMsPerRequest);
  const p50 = (name: ReadPath['name']) => summarizeLatencies(byName(name).c1).p50;
  const findings = [
    `- What the GraphQL layer costs (documentId ÷ storage): CPU per request ${ratio(cpu('documentId'), cpu('storage'))}, p50 at concurrency 1 ${ratio(p50('documentId'), p50('storage'))}, frontier ${ratio(reached(byName('documentId')), reached(base))}.`,
    `- What the cache of published texts buys (documentId with ÷ without it): CPU per request ${ratio(cpu('documentId'), cpu('documentId, no cache'))}, p50 at concurrency 1 ${ratio(p50('documentId'), p50('documentId, no cache'))}, frontier ${ratio(reached(byName('documentId')), reached(byName('documentId, no cache')))}.`,
    `- What a documentId saves over the text (documentId ÷ text, one process): CPU per request ${ratio(cpu('documentId'), cpu('text'))}, p50 at concurrency 1 ${ratio(p50('documentId'), p50('text'))}.`,
  ];
  return [
    `Command: \`npm run bench:read-path${QUICK ? ' -- --quick' : ''}\` (${run.seconds} s; ${run.pinned ? 'server on core 1, load generator on core 0' : 'not pinned'}; 1-minute load average ${run.load.toFixed(2)} at the start).`,
    '',
    `The mobile app's product page, \`MobileProductPage(first: ${PAGE_SIZE})\` from \`clients/mobile/products.graphql\` (title, price, image and the published description of each product), every description already published. **storage** is the same page and JSON served by the storage layer alone, in one process with its HTTP server and no GraphQL, key or limits: the baseline. **text** and **documentId** go through the gateway (\`node dist/src/index.js\`, a mobile key, its rate limits off), the query sent as text or as its trusted document's id, with the cache of published texts (\`PUBLISHED_CACHE_TTL_MS=60000\`) and, **documentId, no cache**, without it (\`0\`, a second gateway process on the same database). Frontier: the highest paced rate, in steps interleaved across the paths, before the first step whose p99 reached ${BUDGET_MS} ms (or that fell behind or had errors) twice (a step that breaks it is run once more and the better try kept, marked "2nd try"). Concurrency 1: ${C1_ROUNDS} interleaved rounds of ${C1_SEC} s per path. CPU: the serving process's CPU time per request, median over its steps. RSS at the end.`,
    '',
    `| path | req/s at p99 < ${BUDGET_MS} ms | ÷ storage | p50 ms, c=1 | p99 ms, c=1 | CPU ms/request | RSS MiB |`,
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...findings,
    '',
    'Steps:',
    ...steps,
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
