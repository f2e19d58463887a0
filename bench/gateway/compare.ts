/**
 * Our gateway from several checkouts, side by side: each built checkout's
 * `dist/src/index.js` runs with this checkout's start flags and the bench's
 * settings (processes.ts startOurs) against one 0 ms fake, all started
 * together, warmed up alike, then measured in alternating rounds (order
 * reversed every other round) at one connection, the one-product mutation
 * of bench:gateway. Per round: the gateway process's CPU time per request
 * (all its threads, from /proc: far steadier than latency on a busy
 * machine) and the p50. Prints the rounds and the medians; writes nothing.
 *
 *   npm run build && node dist/bench/gateway/compare.js <checkout> [<checkout> …] [--rounds 8] [--seconds 3]
 *
 * A checkout is a repository directory with `npm ci && npm run build` done
 * in it (an older commit in a `git worktree`, for example); `.` is this one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkouts, median, option } from './checkouts.js';
import type { LoadSpec } from './load.js';
import { cpuMs, OUR_API_KEY, runLoadStep, startFake, startOurs, type Child } from './processes.js';
import { mutationBody, OURS_EXPECT, productFacts } from './requests.js';

const WARMUP_SEC = 8;

interface Side {
  checkout: string;
  gateway: Child;
  spec: Omit<LoadSpec, 'connections' | 'durationSec'>;
  cpuUs: number[];
  p50: number[];
}

async function measure(sides: Side[], rounds: number, seconds: number): Promise<void> {
  for (const side of sides) await runLoadStep({ ...side.spec, connections: 4, durationSec: WARMUP_SEC });
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const before = cpuMs(side.gateway.pid);
      const result = await runLoadStep({ ...side.spec, connections: 1, durationSec: seconds });
      const requests = result.ok + result.errors;
      side.cpuUs.push((1000 * (cpuMs(side.gateway.pid) - before)) / requests);
      side.p50.push(result.p50);
      console.log(
        `round ${round} ${side.checkout}: ${requests} requests (${result.errors} errors), CPU ${side.cpuUs.at(-1)?.toFixed(0)} µs/request, p50 ${result.p50.toFixed(3)} ms, load ${os.loadavg()[0]?.toFixed(2)}`,
      );
    }
  }
}

async function main(): Promise<void> {
  const rounds = option('--rounds', 8);
  const seconds = option('--seconds', 3, false);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-gateway-compare-'));
  const fake = await startFake(0);
  const sides: Side[] = [];
  try {
    for (const [i, checkout] of checkouts().entries()) {
      const gateway = await startOurs(fake.url, path.join(tmp, `gateway-${i}.db`), undefined, [], {}, checkout);
      // In the list before anything else can fail, so that `finally` stops it.
      const side: Side = {
        checkout,
        gateway,
        spec: { url: gateway.url, body: '', headers: {}, expect: OURS_EXPECT },
        cpuUs: [],
        p50: [],
      };
      sides.push(side);
      side.spec = {
        ...side.spec,
        body: mutationBody((await productFacts(gateway.url)).id),
        headers: { authorization: `Bearer ${OUR_API_KEY}` },
        uniqueSeq: true,
      };
    }
    await measure(sides, rounds, seconds);
    for (const side of sides)
      console.log(
        `${side.checkout}: median CPU ${median(side.cpuUs).toFixed(0)} µs/request, median p50 ${median(side.p50).toFixed(3)} ms over ${rounds} rounds of ${seconds} s`,
      );
  } finally {
    for (const side of sides) await side.gateway.stop();
    await fake.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
