/**
 * Gateway overhead and throughput, side by side with the Portkey gateway.
 * Three paths to the same fake OpenAI server (its own process), measured in
 * one run for each fake latency:
 * - direct: chat completions POSTed straight to the fake;
 * - ours: a one-product `generateDescriptions` mutation (provider "openai")
 *   through `node dist/src/index.js`;
 * - peer: the same chat completion through `@portkey-ai/gateway`.
 * Load comes from autocannon in its own process (bench/gateway/load.ts).
 *
 *   npm run bench:gateway                 # full run (about 5 minutes)
 *   npm run bench:gateway -- --quick      # shorter steps, fewer samples
 *   options: --latencies 0,50  --pin | --no-pin (default: pin only on an idle machine)  --no-profile  --profile-only
 *            --soak-seconds 60 (0: no soak)
 *
 * Writes the "gateway" section of docs/benchmarks.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSection } from '../report.js';
import type { LoadResult, LoadSpec } from './load.js';
import { chatBody, mutationBody, OURS_EXPECT, productFacts } from './requests.js';
import {
  choosePinning,
  cpuMs,
  OUR_API_KEY,
  portkeyVersion,
  START_FLAGS,
  rssKiB,
  runLoadStep,
  startFake,
  startOurs,
  startPortkey,
  type Child,
  type Pinning,
} from './processes.js';
import { closedLoopOurs, type ClosedLoop } from './profile.js';
import { renderReport, type LatencyRun, type PathRun, type SoakRun } from './render.js';
import {
  connectionsFor,
  rssSlopeMiBPerMin,
  stepSeconds,
  summarizeLatencies,
  withinBudget,
  type RssSample,
} from './stats.js';

const QUICK = process.argv.includes('--quick');
const LATENCIES_MS = (argValue('--latencies') ?? '0,50').split(',').map(Number);
/** Seconds per frontier step and per concurrency-1 run. */
const STEP_SEC = QUICK ? 2 : 3;
const C1_SEC = QUICK ? 3 : 6;
/** Low-rate steps run longer, up to this, to collect enough samples for p99. */
const MAX_STEP_SEC = QUICK ? 4 : 8;
/** Concurrency-1 time is split into this many interleaved rounds per path. */
const C1_ROUNDS = 3;
/** Rates tried, in order, until a step breaks the 50 ms budget. */
const RATES = QUICK
  ? [25, 50, 100, 250, 500, 1000, 2000, 4000]
  : [25, 50, 100, 150, 200, 300, 500, 700, 1000, 1400, 2000, 2800, 4000, 5600];
/** --profile-only: just the closed-loop numbers and the CPU profile of our gateway (printed, docs untouched). */
const PROFILE_ONLY = process.argv.includes('--profile-only');
const NO_PROFILE = process.argv.includes('--no-profile');
const PROFILE_SEC = QUICK ? 4 : 8;
const PROFILE_CONNECTIONS = 4;
/** 1-minute load average under which the machine counts as idle (for pinning). */
const IDLE_LOAD = 0.5;
const BUDGETS_MS = [10, 50] as const;
/** Seconds of closed-loop load per path before anything is measured. */
const WARMUP_SEC = 8;
/** The soak the issue asks for: this rate against this fake latency, for SOAK_SEC, ours and the peer. */
const SOAK_RATE = 100;
const SOAK_LATENCY_MS = 50;
const SOAK_SEC = Number(argValue('--soak-seconds') ?? (QUICK ? 15 : 60));
/** Soak load before the measured window: not counted, not sampled. */
const SOAK_WARMUP_SEC = 5;

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

interface Target {
  name: PathRun['name'];
  spec: Omit<LoadSpec, 'connections' | 'durationSec' | 'overallRate'>;
  /** The gateway process whose memory is reported (none for direct). */
  process?: Child;
  /** The process whose CPU time per request is reported: the gateway, or the fake for direct. */
  cpuPid: number;
}

/** Runs `step` while sampling the process's RSS every 200 ms; returns the step's result and the peak seen. */
async function sampled<T>(pid: number | undefined, step: () => Promise<T>): Promise<{ result: T; peakKiB: number }> {
  let peakKiB = pid === undefined ? NaN : rssKiB(pid);
  const timer = pid === undefined ? undefined : setInterval(() => (peakKiB = Math.max(peakKiB, rssKiB(pid))), 200);
  try {
    return { result: await step(), peakKiB };
  } finally {
    clearInterval(timer);
  }
}

/** The 1-minute load average (os.loadavg always gives three). */
function oneMinuteLoad(): number {
  const [load = NaN] = os.loadavg();
  return load;
}

function load(
  target: Target,
  pinning: Pinning | null,
  connections: number,
  durationSec: number,
  extra: Partial<LoadSpec> = {},
): Promise<LoadResult> {
  return runLoadStep({ ...target.spec, connections, durationSec, ...extra }, pinning?.clientCore);
}

/** One path while it is measured: its results, its CPU ms and requests (at concurrency 1 and over the rate steps), and its concurrency-1 latencies pooled over the rounds. */
interface MeasuredPath {
  target: Target;
  run: PathRun;
  cpu: Record<'c1' | 'load', { ms: number; n: number }>;
  pooled: number[];
}

/**
 * Measures the three paths interleaved (round by round at concurrency 1, rate
 * by rate for the frontier) rather than one after the other, so that a
 * change in background load on the machine falls on all three alike.
 */
async function measurePaths(targets: Target[], latencyMs: number, pinning: Pinning | null): Promise<PathRun[]> {
  const paths = targets.map((target): MeasuredPath => ({
    target,
    run: {
      name: target.name,
      c1: { ...summarizeLatencies([]), errors: 0 },
      steps: [],
      idleKiB: target.process ? rssKiB(target.process.pid) : NaN,
      peakKiB: NaN,
      cpuMsPerRequest: { c1: NaN, load: NaN },
    },
    cpu: { c1: { ms: 0, n: 0 }, load: { ms: 0, n: 0 } },
    pooled: [],
  }));
  const metered = async (
    path: MeasuredPath,
    phase: 'c1' | 'load',
    step: () => Promise<LoadResult>,
  ): Promise<LoadResult> => {
    const pid = path.target.cpuPid;
    const before = cpuMs(pid);
    const result = await step();
    path.cpu[phase].ms += cpuMs(pid) - before;
    path.cpu[phase].n += result.ok + result.errors;
    return result;
  };
  // Warm-up: JIT, connection pools, SQLite pages. Not reported. Long enough
  // for the optimising compiler to have reached the hot path of the larger
  // gateway too: after 2 s, our concurrency-1 p50 was still 1.7× what it
  // settles at a few seconds later.
  for (const target of targets) await load(target, pinning, 4, QUICK ? 1 : WARMUP_SEC);

  for (let round = 0; round < C1_ROUNDS; round += 1) {
    for (const path of paths) {
      const result = await metered(path, 'c1', () => load(path.target, pinning, 1, C1_SEC / C1_ROUNDS, { raw: true }));
      path.pooled.push(...(result.latencies ?? []));
      path.run.c1.errors += result.errors;
    }
  }
  paths.forEach(({ run, pooled }) => {
    run.c1 = { ...summarizeLatencies(pooled), errors: run.c1.errors };
    console.log(
      `[bench] ${latencyMs} ms ${run.name} c=1: p50 ${run.c1.p50.toFixed(3)} p99 ${run.c1.p99.toFixed(3)} ms (${run.c1.samples} samples, ${run.c1.errors} errors)`,
    );
  });

  const active = new Set(paths);
  for (const rate of RATES) {
    for (const path of [...active]) {
      const { target, run } = path;
      const connections = connectionsFor(rate, latencyMs);
      const seconds = stepSeconds(rate, STEP_SEC, MAX_STEP_SEC);
      const measureStep = async (): Promise<PathRun['steps'][number]> => {
        const { result, peakKiB } = await sampled(target.process?.pid, () =>
          metered(path, 'load', () => load(target, pinning, connections, seconds, { overallRate: rate, paced: true })),
        );
        run.peakKiB = Number.isNaN(run.peakKiB) ? peakKiB : Math.max(run.peakKiB, peakKiB);
        const step = {
          rate,
          connections,
          p50: result.p50,
          p99: result.p99,
          errors: result.errors,
          achievedRps: result.achievedRps,
          lateP99: result.lateP99 ?? NaN,
        };
        console.log(
          `[bench] ${latencyMs} ms ${run.name} rate ${rate} c=${connections}: achieved ${step.achievedRps.toFixed(0)}/s p50 ${step.p50.toFixed(2)} p99 ${step.p99.toFixed(2)} ms errors ${step.errors} (generator late p99 ${step.lateP99.toFixed(2)} ms)`,
        );
        return step;
      };
      const largest = Math.max(...BUDGETS_MS);
      let step = await measureStep();
      // A step that breaks the largest budget runs once more before the path
      // stops (on a shared machine one stall can break a short step's p99);
      // the better of the two is kept. Every path gets the same second chance.
      if (!withinBudget(step, largest, latencyMs)) {
        const again = await measureStep();
        if (withinBudget(again, largest, latencyMs) || again.p99 < step.p99) step = { ...again, retried: true };
        else step = { ...step, retried: true };
      }
      run.steps.push(step);
      if (!withinBudget(step, largest, latencyMs)) active.delete(path);
    }
    if (active.size === 0) break;
  }
  return paths.map(({ run, cpu: c }) => {
    run.cpuMsPerRequest = { c1: c.c1.ms / c.c1.n, load: c.load.ms / c.load.n };
    return run;
  });
}

/**
 * The soak: SOAK_RATE requests per second, evenly paced, for SOAK_SEC after
 * SOAK_WARMUP_SEC, against a gateway that has just been through the rate
 * steps (so start-up growth is over and what remains is what a leak would
 * show), with its RSS sampled every second.
 */
async function soak(target: Target, pinning: Pinning | null): Promise<SoakRun> {
  const pid = target.process?.pid;
  if (pid === undefined) throw new Error(`soak: ${target.name} has no gateway process`);
  const connections = connectionsFor(SOAK_RATE, SOAK_LATENCY_MS);
  await load(target, pinning, connections, SOAK_WARMUP_SEC, { overallRate: SOAK_RATE, paced: true });
  const samples: RssSample[] = [];
  const began = performance.now();
  const sample = (): void => {
    samples.push({ tSec: (performance.now() - began) / 1000, kib: rssKiB(pid) });
  };
  sample();
  const timer = setInterval(sample, 1000);
  let result: LoadResult;
  try {
    result = await load(target, pinning, connections, SOAK_SEC, { overallRate: SOAK_RATE, paced: true });
  } finally {
    clearInterval(timer);
  }
  sample();
  const run: SoakRun = {
    name: target.name,
    rate: SOAK_RATE,
    latencyMs: SOAK_LATENCY_MS,
    seconds: SOAK_SEC,
    result,
    samples,
    slopeMiBPerMin: rssSlopeMiBPerMin(samples),
  };
  console.log(
    `[bench] soak ${target.name} ${SOAK_RATE}/s ${SOAK_SEC} s: ${result.ok} ok, ${result.errors} errors, p99 ${result.p99.toFixed(2)} ms, RSS ${((samples.at(0)?.kib ?? NaN) / 1024).toFixed(0)} → ${((samples.at(-1)?.kib ?? NaN) / 1024).toFixed(0)} MiB, slope ${run.slopeMiBPerMin.toFixed(2)} MiB/min`,
  );
  return run;
}

async function measureLatency(latencyMs: number, pinning: Pinning | null): Promise<LatencyRun> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-gateway-'));
  const children: Child[] = [];
  try {
    const fake = await startFake(latencyMs, pinning?.clientCore);
    children.push(fake);
    const ours = await startOurs(fake.url, path.join(tmp, 'gateway.db'), pinning?.gatewayCore);
    children.push(ours);
    const peer = await startPortkey(pinning?.gatewayCore);
    children.push(peer);
    const product = await productFacts(ours.url);
    const chat = chatBody(product);
    const targets: Target[] = [
      {
        name: 'direct',
        cpuPid: fake.pid,
        spec: {
          url: `${fake.url}/chat/completions`,
          body: chat,
          headers: { authorization: 'Bearer x' },
          expect: '"chat.completion"',
          uniqueSeq: true,
        },
      },
      {
        name: 'ours',
        spec: {
          url: ours.url,
          body: mutationBody(product.id),
          headers: { authorization: `Bearer ${OUR_API_KEY}` },
          expect: OURS_EXPECT,
          uniqueSeq: true,
        },
        process: ours,
        cpuPid: ours.pid,
      },
      {
        name: 'peer',
        spec: {
          url: peer.url,
          body: chat,
          headers: { authorization: 'Bearer x', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': fake.url },
          expect: '"chat.completion"',
          uniqueSeq: true,
        },
        process: peer,
        cpuPid: peer.pid,
      },
    ];
    const paths = await measurePaths(targets, latencyMs, pinning);
    const soaks: SoakRun[] = [];
    if (latencyMs === SOAK_LATENCY_MS && SOAK_SEC > 0)
      for (const target of targets.filter((t) => t.process)) soaks.push(await soak(target, pinning));
    return { latencyMs, paths, soaks };
  } finally {
    for (const child of children.reverse()) await child.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Closed loop at PROFILE_CONNECTIONS against a fresh gateway and a 0 ms fake,
 * once plain (the numbers an optimisation is judged by) and once under
 * `node --cpu-prof` (where the time goes).
 */
async function profilePhase(pinning: Pinning | null): Promise<{ plain: ClosedLoop; profiled: ClosedLoop }> {
  const fake = await startFake(0, pinning?.clientCore);
  try {
    const spec = async (url: string): Promise<Omit<LoadSpec, 'connections' | 'durationSec'>> => ({
      url,
      body: mutationBody((await productFacts(url)).id),
      headers: { authorization: `Bearer ${OUR_API_KEY}` },
      expect: OURS_EXPECT,
      uniqueSeq: true,
    });
    const common = { fakeUrl: fake.url, spec, pinning, seconds: PROFILE_SEC, connections: PROFILE_CONNECTIONS };
    const plain = await closedLoopOurs(common);
    console.log(
      `[bench] closed loop c=${plain.connections} ${plain.seconds} s: ${plain.rps.toFixed(0)} req/s, p50 ${plain.p50.toFixed(2)} p99 ${plain.p99.toFixed(2)} ms, CPU ${plain.cpuMsPerRequest.toFixed(2)} ms/request`,
    );
    const profiled = await closedLoopOurs({ ...common, profile: true, top: 15 });
    return { plain, profiled };
  } finally {
    await fake.stop();
  }
}

/**
 * --pin / --no-pin force it; by default pins only on an otherwise idle
 * machine. With other work running, a process pinned to a core waits behind
 * whatever runs there, while a floating one moves to the freer core (seen
 * here: pinned, our p50 at concurrency 1 was twice the floating one's).
 */
function pinningFor(argv: string[]): Pinning | null {
  if (argv.includes('--no-pin')) return null;
  if (argv.includes('--pin')) return choosePinning();
  return (os.loadavg()[0] ?? 0) < IDLE_LOAD ? choosePinning() : null;
}

async function main(): Promise<void> {
  const pinning = pinningFor(process.argv);
  if (PROFILE_ONLY) {
    const { profiled } = await profilePhase(pinning);
    console.log(profiled.profile);
    return;
  }
  const started = Date.now();
  const loadBefore = oneMinuteLoad();
  const runs: LatencyRun[] = [];
  for (const latencyMs of LATENCIES_MS) runs.push(await measureLatency(latencyMs, pinning));
  const profile = NO_PROFILE ? undefined : await profilePhase(pinning);
  const command = `npm run bench:gateway${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const body = renderReport({
    runs,
    pinning,
    command,
    peerVersion: portkeyVersion(),
    ourCommand: ['node', ...START_FLAGS, 'dist/src/index.js'].join(' '),
    stepSec: STEP_SEC,
    maxStepSec: MAX_STEP_SEC,
    c1Sec: C1_SEC,
    rates: RATES,
    budgetsMs: [...BUDGETS_MS],
    wallSec: (Date.now() - started) / 1000,
    loadAverage: [loadBefore, oneMinuteLoad()],
    ...(profile ? { profile } : {}),
  });
  console.log(body);
  writeSection('gateway', 'Gateway overhead and throughput vs. the Portkey gateway', body);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
