/**
 * CPU profile of our gateway under load: starts it with `node --cpu-prof`,
 * drives the one-product mutation for a few seconds, stops it (the profile is
 * written on exit) and sums self time by function and by package.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadResult, LoadSpec } from './load.js';
import { cpuMs, runLoadStep, startOurs, type Pinning } from './processes.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Share of all sampled time, 0–1. */
  share: number;
}

/** Where a script URL comes from: an npm package, our code, or Node itself. */
export function origin(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node: (core)';
  const at = url.lastIndexOf('node_modules/');
  if (at >= 0) {
    const parts = url.slice(at + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  const dist = url.indexOf('/dist/');
  return dist >= 0
    ? `ours: ${url
        .slice(dist + '/dist/'.length)
        .split('/')
        .slice(0, 2)
        .join('/')}`
    : url;
}

/**
 * Self time by function (name and file:line) and by origin, largest first,
 * over the samples taken after `skipMs` from the profile's start (to leave
 * out start-up). Pure.
 */
export function summarizeProfile(
  profile: CpuProfile,
  top: number,
  skipMs = 0,
): { functions: SelfTime[]; origins: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const fn = new Map<string, number>();
  const org = new Map<string, number>();
  let total = 0;
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    elapsedUs += dt;
    if (elapsedUs < skipMs * 1000) return;
    if (!frame || frame.functionName === '(idle)') return;
    total += dt;
    const file = frame.url ? `${origin(frame.url)} ${path.basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `\`${frame.functionName || '(anonymous)'}\` ${file}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + dt);
    const o = frame.functionName.startsWith('(') && frame.url === '' ? frame.functionName : origin(frame.url);
    org.set(o, (org.get(o) ?? 0) + dt);
  });
  const sorted = (m: Map<string, number>): SelfTime[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, t]) => ({ name, share: total > 0 ? t / total : 0 }));
  return { functions: sorted(fn), origins: sorted(org) };
}

export interface ClosedLoop {
  seconds: number;
  connections: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Gateway CPU time (user + system) per request, ms. */
  cpuMsPerRequest: number;
  /** Markdown summary of the CPU profile, when profiled. */
  profile?: string;
}

/**
 * Our gateway, fresh (empty description table), under a closed loop of
 * `connections` connections for `seconds` after a 1 s warm-up; with
 * `profile`, run under `node --cpu-prof` and summarised. The same load
 * without the profiler gives the before/after numbers of an optimisation.
 */
export async function closedLoopOurs(options: {
  fakeUrl: string;
  spec: (gatewayUrl: string) => Promise<Omit<LoadSpec, 'connections' | 'durationSec'>>;
  pinning: Pinning | null;
  seconds: number;
  connections: number;
  profile?: boolean;
  top?: number;
}): Promise<ClosedLoop> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-gateway-prof-'));
  try {
    const launched = Date.now();
    const nodeArgs = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${tmp}`] : [];
    const ours = await startOurs(options.fakeUrl, path.join(tmp, 'gateway.db'), options.pinning?.gatewayCore, nodeArgs);
    let result: LoadResult;
    let cpu: number;
    let skipMs: number;
    try {
      const spec = await options.spec(ours.url);
      await runLoadStep({ ...spec, connections: options.connections, durationSec: 1 }, options.pinning?.clientCore);
      skipMs = Date.now() - launched;
      const before = cpuMs(ours.pid);
      result = await runLoadStep(
        { ...spec, connections: options.connections, durationSec: options.seconds },
        options.pinning?.clientCore,
      );
      cpu = cpuMs(ours.pid) - before;
    } finally {
      await ours.stop();
    }
    const requests = result.ok + result.errors;
    const out: ClosedLoop = {
      seconds: options.seconds,
      connections: options.connections,
      requests,
      rps: result.achievedRps,
      p50: result.p50,
      p99: result.p99,
      cpuMsPerRequest: cpu / requests,
    };
    if (!options.profile) return out;
    const file = readdirSync(tmp).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return { ...out, profile: '_No CPU profile was written._' };
    const summary = summarizeProfile(
      JSON.parse(readFileSync(path.join(tmp, file), 'utf8')) as CpuProfile,
      options.top ?? 15,
      skipMs,
    );
    const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
    out.profile = `Profile: \`node --cpu-prof\` on our gateway, ${options.seconds} s at ${options.connections} connections, closed loop (${requests} requests; start-up and a 1 s warm-up left out, idle excluded). Self time = time in the function itself, not its callees.

| self time | function (origin, file:line) |
|---|---|
${summary.functions.map((f) => `| ${pct(f.share)} | ${f.name} |`).join('\n')}

By origin: ${summary.origins.map((o) => `${o.name} ${pct(o.share)}`).join('; ')}.`;
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
