/**
 * Markdown for the gateway benchmark's section of docs/benchmarks.md. Pure:
 * takes the measured runs, returns text.
 */
import type { LoadResult } from './load.js';
import type { Pinning } from './processes.js';
import type { ClosedLoop } from './profile.js';
import { frontier, ratio, type LatencySummary, type RateStep, type RssSample } from './stats.js';
import { OPTIMISATIONS } from './findings.js';

export interface PathRun {
  name: 'direct' | 'ours' | 'peer';
  /** One connection, no rate limit. */
  c1: LatencySummary & { errors: number };
  /** Rate steps in the order tried (stopped after the first that broke the largest budget). */
  steps: Array<RateStep & { connections: number; p50: number; lateP99?: number; retried?: boolean }>;
  /** Gateway RSS in KiB before load and the peak while stepping (NaN for direct). */
  idleKiB: number;
  peakKiB: number;
  /** CPU time per request of the gateway (of the fake, for direct), at concurrency 1 and over the rate steps. */
  cpuMsPerRequest: { c1: number; load: number };
}

export interface LatencyRun {
  latencyMs: number;
  paths: PathRun[];
  /** Soaks run against this fake latency (ours and the peer), when any. */
  soaks?: SoakRun[];
}

/** A fixed-rate soak of one gateway, with its RSS sampled every second. */
export interface SoakRun {
  name: PathRun['name'];
  rate: number;
  latencyMs: number;
  seconds: number;
  result: LoadResult;
  samples: RssSample[];
  slopeMiBPerMin: number;
}

export interface ReportInput {
  runs: LatencyRun[];
  pinning: Pinning | null;
  command: string;
  peerVersion: string;
  /** How our gateway is started: npm start's Node flags and the script. */
  ourCommand: string;
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
/** Generator lateness (p99) above which a step's trail says so. */
const LATE_NOTE_MS = 5;
const LABEL: Record<PathRun['name'], string> = {
  direct: 'direct (no gateway)',
  ours: 'ours (GraphQL `generateDescriptions`)',
  peer: 'peer (Portkey)',
};

function byName(run: LatencyRun, name: PathRun['name']): PathRun | undefined {
  return run.paths.find((p) => p.name === name);
}

/** The highest rate a run steps to (the steps are in rising order, and a run has at least one). */
function lastRateOf(rates: readonly number[]): number {
  const last = rates.at(-1);
  if (last === undefined) throw new Error('a run without rate steps');
  return last;
}

/** Frontier at a budget, "≥ rate" when even the last step tried passed. */
function frontierCell(
  path: PathRun,
  budgetMs: number,
  latencyMs: number,
  lastRate: number,
): { value: number; text: string } {
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
  const lastRate = lastRateOf(input.rates);
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
  const rows = input.runs
    .map((run) => ({ latencyMs: run.latencyMs, ratios: oursOverPeer(run, input) }))
    .filter((r) => r.ratios.length > 0);
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
  const lastRate = lastRateOf(input.rates);
  const added = (p: PathRun, key: 'p50' | 'p99'): number => (direct ? p.c1[key] - direct.c1[key] : NaN);
  const c1Rows = run.paths.map(
    (p) =>
      `| ${LABEL[p.name]} | ${ms(p.c1.p50)} | ${ms(p.c1.p90)} | ${ms(p.c1.p99)} | ${p.name === 'direct' ? '—' : ms(added(p, 'p50'))} | ${p.name === 'direct' ? '—' : ms(added(p, 'p99'))} | ${p.c1.samples} | ${p.c1.errors} |`,
  );
  const budgetHead = input.budgetsMs.map((b) =>
    run.latencyMs > 0 ? `p99 − ${run.latencyMs} ms < ${b} ms` : `p99 < ${b} ms`,
  );
  const frontierRows = run.paths.map((p) => {
    const cells = input.budgetsMs.map((b) => frontierCell(p, b, run.latencyMs, lastRate).text);
    const trail = p.steps
      .map(
        (s) =>
          `${s.rate}→${s.achievedRps.toFixed(0)}/s ${s.p99.toFixed(1)} ms${s.errors ? ` ${s.errors} err` : ''}${s.retried ? ' (2nd try)' : ''}${(s.lateP99 ?? 0) > LATE_NOTE_MS ? ` (sent ≤ ${(s.lateP99 as number).toFixed(0)} ms late)` : ''}`,
      )
      .join('; ');
    return `| ${LABEL[p.name]} | ${cells.join(' | ')} | ${trail} |`;
  });
  const gateways = run.paths.filter((p) => p.name !== 'direct');
  const rssRows = gateways.map((p) => `| ${LABEL[p.name]} | ${mib(p.idleKiB)} | ${mib(p.peakKiB)} |`);
  const cpuRows = run.paths.map((p) => {
    const who = p.name === 'direct' ? 'fake provider (direct path)' : LABEL[p.name];
    const ceiling =
      Number.isFinite(p.cpuMsPerRequest.load) && p.cpuMsPerRequest.load > 0
        ? `${(1000 / p.cpuMsPerRequest.load).toFixed(0)}/s`
        : 'n/a';
    return `| ${who} | ${ms(p.cpuMsPerRequest.c1)} | ${ms(p.cpuMsPerRequest.load)} | ${ceiling} |`;
  });
  const ratios = oursOverPeer(run, input);
  return `### Fake provider latency ${run.latencyMs} ms

Concurrency 1 (${input.c1Sec} s per path, pooled over the rounds; "added" is the path minus direct):

| path | p50 | p90 | p99 | added p50 | added p99 | samples | errors |
|---|---|---|---|---|---|---|---|
${c1Rows.join('\n')}

Throughput frontier (evenly paced open-loop arrivals, see above): the highest rate step that had 0 errors, reached ≥ 90% of the rate, and met the p99 budget${run.latencyMs > 0 ? ` (budgets are on p99 above the fake's own ${run.latencyMs} ms)` : ''}. Steps: asked rate → achieved rate, p99; "sent ≤ N ms late" where the load generator's own p99 lateness passed ${LATE_NOTE_MS} ms (its core was saturated: that step measures the generator too).

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

Ours / peer: ${ratios.map(([k, v]) => `${k} ${v}`).join('; ') || 'n/a'}.${run.soaks?.length ? `\n\n${soakSection(run.soaks)}` : ''}`;
}

const mibOf = (kib: number): string => (kib / 1024).toFixed(1);

/** RSS every `every` seconds of a soak, as "t s: N MiB" (the nearest sample to each mark). */
function rssTrail(samples: readonly RssSample[], every: number): string {
  const last = samples[samples.length - 1]?.tSec ?? 0;
  const marks: string[] = [];
  for (let t = 0; t <= last + 0.5; t += every) {
    const nearest = samples.reduce((best, x) => (Math.abs(x.tSec - t) < Math.abs(best.tSec - t) ? x : best));
    marks.push(`${t}s ${mibOf(nearest.kib)}`);
  }
  return marks.join(', ');
}

function soakSection(soaks: readonly SoakRun[]): string {
  const [first] = soaks;
  if (!first) throw new Error('no soak runs to render');
  const rows = soaks.map((s) => {
    const kib = s.samples.map((x) => x.kib);
    const third = s.seconds / 3;
    const peak = (from: number, to: number): number =>
      Math.max(...s.samples.filter((x) => x.tSec >= from && x.tSec <= to).map((x) => x.kib));
    return `| ${LABEL[s.name]} | ${s.result.ok} | ${s.result.errors} | ${s.result.achievedRps.toFixed(1)}/s | ${ms(s.result.p50)} | ${ms(s.result.p99)} | ${mibOf(kib.at(0) ?? Number.NaN)} → ${mibOf(kib.at(-1) ?? Number.NaN)} MiB (min ${mibOf(Math.min(...kib))}, max ${mibOf(Math.max(...kib))}) | ${mibOf(peak(0, third))} → ${mibOf(peak(2 * third, s.seconds + 1))} MiB | ${s.slopeMiBPerMin.toFixed(2)} MiB/min |`;
  });
  return `Soak: ${first.rate} requests/s, evenly paced, fake latency ${first.latencyMs} ms, ${first.seconds} s per gateway after 5 s of the same load, right after the rate steps above (start-up growth is over; what is left is what a leak would show). RSS sampled every second; the slope is a least-squares fit over all samples, and since V8's heap grows and drops in a sawtooth between full collections, the peak of the first third is also set against the peak of the last third (a leak raises the second).

| gateway | ok | errors | achieved | p50 | p99 | RSS start → end | RSS peak, first → last third | RSS slope |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

RSS (MiB) every 10 s: ${soaks.map((s) => `${s.name}: ${rssTrail(s.samples, 10)}`).join('; ')}.`;
}

function profileSection({ plain, profiled }: { plain: ClosedLoop; profiled: ClosedLoop }): string {
  return `### Where our gateway spends its time

Closed loop, ${plain.connections} connections, ${plain.seconds} s, 0 ms fake, fresh gateway (empty description table), no profiler: ${plain.rps.toFixed(0)} req/s, p50 ${ms(plain.p50)}, p99 ${ms(plain.p99)}, CPU ${ms(plain.cpuMsPerRequest)} per request (\`--profile-only\` prints just this and the profile).

${profiled.profile ?? ''}

${OPTIMISATIONS}`;
}

/** The whole section body. */
export function renderReport(input: ReportInput): string {
  const cores = input.pinning
    ? `Cores: pinned with \`taskset\`: the fake provider and the load generator share core ${input.pinning.clientCore}; the gateway under test (ours or Portkey) runs alone on core ${input.pinning.gatewayCore}. The direct path therefore has the fake and the load generator on one core, as every path does.`
    : 'Cores: not pinned: all processes float over the cores (the default when the machine is busy with other work, where a pinned process waits behind whatever runs on its core; `--pin` forces pinning).';
  return `Three paths to the same fake OpenAI server (\`test/helpers/fake-openai.ts\`, its own process, fixed latency), measured in one run:
**direct** (chat completions POSTed to the fake), **ours** (a one-product \`generateDescriptions\` mutation with \`provider: "openai"\` through \`${input.ourCommand}\`, as \`npm start\` runs it: API-key auth, GraphQL parse/validate/execute, product lookup, prompt building, the provider call and the SQLite write of the description; \`CACHE_TTL_MS=0\`, \`LOG_LEVEL=warn\`, \`NODE_ENV=production\`, rate limit for the key's role off) and **peer** (\`@portkey-ai/gateway\` ${input.peerVersion}, \`start-server.js --headless\`, \`NODE_ENV=production\`, proxying the same chat completion via \`x-portkey-provider: openai\` and \`x-portkey-custom-host\`).
Direct and peer send the exact chat body our gateway builds for the product (system + user message, \`max_tokens\` 64); ours asks for \`maxTokens: 64\`. Every request on every path carries its own \`seed\`, so none can be served from another (our gateway coalesces identical generations in flight, and would otherwise do less work than the others).
Load comes from its own process (\`bench/gateway/load.ts\`), in two forms. Concurrency 1: autocannon 9, one connection, closed loop (the next request leaves when the answer is in), latencies taken from each response's own timing (not autocannon's whole-millisecond histogram). Rate steps and the soak: evenly paced open-loop arrivals (\`bench/gateway/paced.ts\`, undici pool): request i is sent at start + i/rate whether or not earlier ones have answered, over a keep-alive pool of max(8, ⌈2 × rate × (latency + 20 ms)⌉) connections (at most 512), and its latency runs from that moment to the end of its answer, so time spent queued in the path counts (no coordinated omission); the first 0.5 s of each step warms the connections and is not counted. (Earlier runs used autocannon's \`overallRate\`, a per-second quota per connection: each second began with a burst, and p99 at 25/s measured the burst, not the path.) A response counts as an error on a non-2xx status, a socket error or timeout (10 s), or a body without the expected success marker.
Rate steps of ${input.stepSec} s (longer at low rates, up to ${input.maxStepSec} s, for at least 200 responses), rates ${input.rates.join(', ')}/s. A step that breaks the largest budget is run once more (one stall on a shared machine can break a short step's p99; the better try is kept and marked "2nd try"), and a path stops after a step that breaks it twice. The same generator, pool sizes, steps and second chances serve all three paths.
${cores}

Each gateway first gets 8 s of closed-loop load at 4 connections (not reported: JIT, pools, SQLite pages). Paths are measured interleaved (concurrency-1 time in 3 rounds per path; frontier rate by rate), so that background load falls on all three alike. 1-minute load average of the machine: ${input.loadAverage[0].toFixed(1)} at the start, ${input.loadAverage[1].toFixed(1)} at the end${Math.max(...input.loadAverage) > 1.5 ? ' (other work was running; absolute numbers are pessimistic, compare the ratios)' : ''}.

${summaryTable(input)}

${input.runs.map((run) => latencySection(run, input)).join('\n\n')}
${input.profile ? `\n${profileSection(input.profile)}\n` : ''}
Reproduce: \`${input.command}\` (total ${input.wallSec.toFixed(0)} s; \`--quick\` for shorter steps, \`--latencies 0,50\` to choose the fake latencies).`;
}
