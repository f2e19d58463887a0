/**
 * Markdown for the gateway benchmark's section of docs/benchmarks.md. Pure:
 * takes the measured runs, returns text.
 */
import type { Pinning } from './processes.js';
import type { ClosedLoop } from './profile.js';
import { frontier, ratio, type LatencySummary, type RateStep } from './stats.js';

export interface PathRun {
  name: 'direct' | 'ours' | 'peer';
  /** One connection, no rate limit. */
  c1: LatencySummary & { errors: number };
  /** Rate steps in the order tried (stopped after the first that broke the largest budget). */
  steps: Array<RateStep & { connections: number; p50: number }>;
  /** Gateway RSS in KiB before load and the peak while stepping (NaN for direct). */
  idleKiB: number;
  peakKiB: number;
  /** CPU time per request of the gateway (of the fake, for direct), at concurrency 1 and over the rate steps. */
  cpuMsPerRequest: { c1: number; load: number };
}

export interface LatencyRun {
  latencyMs: number;
  paths: PathRun[];
}

export interface ReportInput {
  runs: LatencyRun[];
  pinning: Pinning | null;
  command: string;
  peerVersion: string;
  stepSec: number;
  maxStepSec: number;
  c1Sec: number;
  rates: number[];
  budgetsMs: number[];
  wallSec: number;
  /** Closed-loop numbers and CPU profile of our gateway, when run. */
  profile?: { plain: ClosedLoop; profiled: ClosedLoop };
  /** 1-minute load average of the machine at the start and at the end of the run. */
  loadAverage: [number, number];
}

const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : 'n/a');
const mib = (kib: number): string => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(0)} MiB` : '—');
const LABEL: Record<PathRun['name'], string> = { direct: 'direct (no gateway)', ours: 'ours (GraphQL `generateDescriptions`)', peer: 'peer (Portkey)' };

function byName(run: LatencyRun, name: PathRun['name']): PathRun | undefined {
  return run.paths.find((p) => p.name === name);
}

/** Frontier at a budget, "≥ rate" when even the last step tried passed. */
function frontierCell(path: PathRun, budgetMs: number, latencyMs: number, lastRate: number): { value: number; text: string } {
  const value = frontier(path.steps, budgetMs, latencyMs);
  const text = value === 0 ? `< ${path.steps[0]?.rate ?? '?'}/s` : value >= lastRate ? `≥ ${value}/s` : `${value}/s`;
  return { value, text };
}

/** Ours ÷ peer for each headline figure of one fake latency, as [label, "1.23×"] pairs (empty without both). */
function oursOverPeer(run: LatencyRun, input: ReportInput): Array<[string, string]> {
  const direct = byName(run, 'direct');
  const ours = byName(run, 'ours');
  const peer = byName(run, 'peer');
  if (!ours || !peer || !direct) return [];
  const lastRate = input.rates[input.rates.length - 1] as number;
  const added = (p: PathRun, key: 'p50' | 'p99'): number => p.c1[key] - direct.c1[key];
  return [
    ['added p50', ratio(added(ours, 'p50'), added(peer, 'p50'))],
    ['added p99', ratio(added(ours, 'p99'), added(peer, 'p99'))],
    ['CPU per request', ratio(ours.cpuMsPerRequest.load, peer.cpuMsPerRequest.load)],
    ...input.budgetsMs.map((b): [string, string] => [
      `frontier at ${b} ms`,
      ratio(frontierCell(ours, b, run.latencyMs, lastRate).value, frontierCell(peer, b, run.latencyMs, lastRate).value),
    ]),
    ['RSS idle', ratio(ours.idleKiB, peer.idleKiB)],
    ['RSS under load', ratio(ours.peakKiB, peer.peakKiB)],
  ];
}

/** One row per fake latency of the ours ÷ peer ratios. */
function summaryTable(input: ReportInput): string {
  const rows = input.runs.map((run) => ({ latencyMs: run.latencyMs, ratios: oursOverPeer(run, input) })).filter((r) => r.ratios.length > 0);
  const first = rows[0];
  if (!first) return '';
  return `Ours ÷ peer (below 1× favours ours; "added" latency is over direct, at concurrency 1; CPU per request over the rate steps):

| fake latency | ${first.ratios.map(([k]) => k).join(' | ')} |
|---|${first.ratios.map(() => '---|').join('')}
${rows.map((r) => `| ${r.latencyMs} ms | ${r.ratios.map(([, v]) => v).join(' | ')} |`).join('\n')}
`;
}

function latencySection(run: LatencyRun, input: ReportInput): string {
  const direct = byName(run, 'direct');
  const lastRate = input.rates[input.rates.length - 1] as number;
  const added = (p: PathRun, key: 'p50' | 'p99'): number => (direct ? p.c1[key] - direct.c1[key] : NaN);
  const c1Rows = run.paths.map(
    (p) =>
      `| ${LABEL[p.name]} | ${ms(p.c1.p50)} | ${ms(p.c1.p90)} | ${ms(p.c1.p99)} | ${p.name === 'direct' ? '—' : ms(added(p, 'p50'))} | ${p.name === 'direct' ? '—' : ms(added(p, 'p99'))} | ${p.c1.samples} | ${p.c1.errors} |`,
  );
  const budgetHead = input.budgetsMs.map((b) => (run.latencyMs > 0 ? `p99 − ${run.latencyMs} ms < ${b} ms` : `p99 < ${b} ms`));
  const frontierRows = run.paths.map((p) => {
    const cells = input.budgetsMs.map((b) => frontierCell(p, b, run.latencyMs, lastRate).text);
    const trail = p.steps.map((s) => `${s.rate}→${s.achievedRps.toFixed(0)}/s ${s.p99.toFixed(1)} ms${s.errors ? ` ${s.errors} err` : ''}`).join('; ');
    return `| ${LABEL[p.name]} | ${cells.join(' | ')} | ${trail} |`;
  });
  const gateways = run.paths.filter((p) => p.name !== 'direct');
  const rssRows = gateways.map((p) => `| ${LABEL[p.name]} | ${mib(p.idleKiB)} | ${mib(p.peakKiB)} |`);
  const cpuRows = run.paths.map((p) => {
    const who = p.name === 'direct' ? 'fake provider (direct path)' : LABEL[p.name];
    const ceiling = Number.isFinite(p.cpuMsPerRequest.load) && p.cpuMsPerRequest.load > 0 ? `${(1000 / p.cpuMsPerRequest.load).toFixed(0)}/s` : 'n/a';
    return `| ${who} | ${ms(p.cpuMsPerRequest.c1)} | ${ms(p.cpuMsPerRequest.load)} | ${ceiling} |`;
  });
  const ratios = oursOverPeer(run, input);
  return `### Fake provider latency ${run.latencyMs} ms

Concurrency 1 (${input.c1Sec} s per path, pooled over the rounds; "added" is the path minus direct):

| path | p50 | p90 | p99 | added p50 | added p99 | samples | errors |
|---|---|---|---|---|---|---|---|
${c1Rows.join('\n')}

Throughput frontier: the highest rate step that had 0 errors, reached ≥ 90% of the rate, and met the p99 budget${run.latencyMs > 0 ? ` (budgets are on p99 above the fake's own ${run.latencyMs} ms)` : ''}. Steps: asked rate → achieved rate, p99.

| path | ${budgetHead.join(' | ')} | steps |
|---|${input.budgetsMs.map(() => '---|').join('')}---|
${frontierRows.join('\n')}

CPU time per request (user + system, from /proc/<pid>/stat at 10 ms tick resolution, divided by the requests served in the same window, so at low rates it includes the process's idle work: timers, GC; less sensitive to background load than latency). The ceiling is 1000 ms / CPU per request: the most one core could serve.

| process | CPU / request, concurrency 1 | CPU / request, rate steps | CPU-bound ceiling, one core |
|---|---|---|---|
${cpuRows.join('\n')}

Memory (VmRSS of the gateway process; idle = after start-up and one catalog query, before load; under load = peak sampled every 200 ms over the rate steps):

| gateway | idle | under load |
|---|---|---|
${rssRows.join('\n')}

Ours / peer: ${ratios.map(([k, v]) => `${k} ${v}`).join('; ') || 'n/a'}.`;
}

function profileSection({ plain, profiled }: { plain: ClosedLoop; profiled: ClosedLoop }): string {
  return `### Where our gateway spends its time

Closed loop, ${plain.connections} connections, ${plain.seconds} s, 0 ms fake, fresh gateway (empty description table), no profiler: ${plain.rps.toFixed(0)} req/s, p50 ${ms(plain.p50)}, p99 ${ms(plain.p99)}, CPU ${ms(plain.cpuMsPerRequest)} per request (\`--profile-only\` prints just this and the profile).

${profiled.profile ?? ''}

${OPTIMISATION_NOTE}`;
}

/**
 * The one optimisation made from this profile, with the numbers measured when
 * it was made (old and new code side by side in one session; see the commit).
 */
const OPTIMISATION_NOTE = `**Fixed hot spot: SQLite \`latestDescriptions\`.** The first profile (identical requests at 4 connections, so that the coalesced followers look up the stored description) had \`latestDescriptions\` at 27% self time, plus 22% in mapping its rows (\`toDescription\`, \`json\`): the query returned every stored description of the product and picked the newest in JavaScript, so each call grew with the product's history. It now asks SQLite for the newest row per lookup (a correlated \`ORDER BY seq DESC LIMIT 1\` on the existing \`descriptions_lookup\` index); results are unchanged (the storage suite's \`latestDescriptions\` test passes), and the Postgres backend already did this with \`DISTINCT ON\`. \`Product.description\` reads go through it as well. Measured on this machine under background load, old and new code interleaved (4 rounds each, 6 s closed loop at 4 connections, identical requests, fresh database): median 145 → 222 req/s (1.53×), CPU per request 3.34 → 2.71 ms; profile share 49% → 2.4%. One call with 100 / 1,000 / 5,000 stored descriptions for the product: 1.4 / 20 / 119 ms before, 0.15 / 0.40 / 0.06 ms after (noise-bound, flat).`;

/** The whole section body. */
export function renderReport(input: ReportInput): string {
  const cores = input.pinning
    ? `Cores: pinned with \`taskset\`: the fake provider and the load generator share core ${input.pinning.clientCore}; the gateway under test (ours or Portkey) runs alone on core ${input.pinning.gatewayCore}. The direct path therefore has the fake and the load generator on one core, as every path does.`
    : 'Cores: not pinned: all processes float over the cores (the default when the machine is busy with other work, where a pinned process waits behind whatever runs on its core; `--pin` forces pinning).';
  return `Three paths to the same fake OpenAI server (\`test/helpers/fake-openai.ts\`, its own process, fixed latency), measured in one run:
**direct** (chat completions POSTed to the fake), **ours** (a one-product \`generateDescriptions\` mutation with \`provider: "openai"\` through \`node dist/src/index.js\`: API-key auth, GraphQL parse/validate/execute, product lookup, prompt building, the provider call and the SQLite write of the description; \`CACHE_TTL_MS=0\`, \`LOG_LEVEL=warn\`, \`NODE_ENV=production\`, rate limit for the key's role off) and **peer** (\`@portkey-ai/gateway\` ${input.peerVersion}, \`start-server.js --headless\`, \`NODE_ENV=production\`, proxying the same chat completion via \`x-portkey-provider: openai\` and \`x-portkey-custom-host\`).
Direct and peer send the exact chat body our gateway builds for the product (system + user message, \`max_tokens\` 64); ours asks for \`maxTokens: 64\`. Every request on every path carries its own \`seed\`, so none can be served from another (our gateway coalesces identical generations in flight, and would otherwise do less work than the others).
Load: autocannon 9 in its own process (\`bench/gateway/load.ts\`), latencies taken from each response's own timing (not autocannon's whole-millisecond histogram or its coordinated-omission fill); a response counts as an error on a non-2xx status, a socket error or timeout, or a body without the expected success marker.
Rate steps of ${input.stepSec} s (longer at low rates, up to ${input.maxStepSec} s, for at least 200 responses) with autocannon's \`overallRate\`, rates ${input.rates.join(', ')}/s, stopping after the first step that breaks the largest budget; connections per step = max(2, ⌈rate × (latency + 10 ms) × 1.25⌉). autocannon's rate limit is a per-second quota per connection, so requests come in bursts at the start of each second and p99 includes that queueing.
${cores}

Paths are measured interleaved (concurrency-1 time in 3 rounds per path; frontier rate by rate), so that background load falls on all three alike. 1-minute load average of the machine: ${input.loadAverage[0].toFixed(1)} at the start, ${input.loadAverage[1].toFixed(1)} at the end${Math.max(...input.loadAverage) > 1.5 ? ' (other work was running; absolute numbers are pessimistic, compare the ratios)' : ''}.

${summaryTable(input)}

${input.runs.map((run) => latencySection(run, input)).join('\n\n')}
${input.profile ? `\n${profileSection(input.profile)}\n` : ''}
Reproduce: \`${input.command}\` (total ${input.wallSec.toFixed(0)} s; \`--quick\` for shorter steps, \`--latencies 0,50\` to choose the fake latencies).`;
}
