import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport, type PathRun, type ReportInput } from '../../../bench/gateway/render.js';
import { must } from '../../helpers/must.js';

function path(name: PathRun['name'], p50: number, cpu: number, steps: Array<[number, number]>, rssKiB = NaN): PathRun {
  return {
    name,
    c1: { samples: 100, p50, p90: p50 + 1, p99: p50 + 2, max: p50 + 3, errors: 0 },
    steps: steps.map(([rate, p99]) => ({ rate, p99, p50: p99 / 2, errors: 0, achievedRps: rate, connections: 2 })),
    idleKiB: rssKiB,
    peakKiB: rssKiB * 2,
    cpuMsPerRequest: { c1: cpu, load: cpu },
  };
}

const input = (paths: PathRun[]): ReportInput => ({
  runs: [{ latencyMs: 0, paths }],
  pinning: { clientCore: 0, gatewayCore: 1 },
  command: 'npm run bench:gateway',
  peerVersion: '1.2.3',
  ourCommand: 'node --max-semi-space-size=16 dist/src/index.js',
  stepSec: 3,
  maxStepSec: 8,
  c1Sec: 6,
  rates: [100, 200, 400],
  budgetsMs: [10, 50],
  wallSec: 60,
  loadAverage: [0.5, 0.7],
});

describe('gateway benchmark report', () => {
  it('reports added latency over direct, the frontiers and ours ÷ peer', () => {
    const md = renderReport(
      input([
        path('direct', 1, 0.1, [
          [100, 1],
          [200, 1],
          [400, 2],
        ]),
        path(
          'ours',
          5,
          4,
          [
            [100, 8],
            [200, 30],
            [400, 80],
          ],
          200 * 1024,
        ),
        path(
          'peer',
          3,
          2,
          [
            [100, 5],
            [200, 9],
            [400, 40],
          ],
          100 * 1024,
        ),
      ]),
    );
    // added p50: ours 4 ms, peer 2 ms.
    assert.match(
      md,
      /\| ours \(GraphQL `generateDescriptions`\) \| 5\.00 ms \| 6\.00 ms \| 7\.00 ms \| 4\.00 ms \| 4\.00 ms \| 100 \| 0 \|/,
    );
    // frontier: ours 100/s at 10 ms and 200/s at 50 ms; peer 200/s and ≥ 400/s (every step passed).
    assert.match(md, /\| ours \(GraphQL `generateDescriptions`\) \| 100\/s \| 200\/s \|/);
    assert.match(md, /\| peer \(Portkey\) \| 200\/s \| ≥ 400\/s \|/);
    assert.match(md, /\| 0 ms \| 2\.00× \| 2\.00× \| 2\.00× \| 0\.50× \| 0\.50× \| 2\.00× \| 2\.00× \|/);
    assert.match(md, /pinned with `taskset`/);
    assert.match(md, /through `node --max-semi-space-size=16 dist\/src\/index\.js`, as `npm start` runs it/);
    assert.match(md, /Reproduce: `npm run bench:gateway`/);
    assert.doesNotMatch(md, /other work was running/);
  });

  it('says when a path failed its first step and when the machine was busy', () => {
    const md = renderReport({
      ...input([
        path('direct', 1, 0.1, [[100, 1]]),
        path('ours', 5, 4, [[100, 80]], 1024),
        path('peer', 3, 2, [[100, 5]], 1024),
      ]),
      pinning: null,
      loadAverage: [6, 7],
    });
    assert.match(md, /\| ours \(GraphQL `generateDescriptions`\) \| < 100\/s \| < 100\/s \|/);
    assert.match(md, /frontier at 10 ms n\/a/);
    assert.match(md, /not pinned: all processes float/);
    assert.match(md, /other work was running/);
  });

  it('reports a soak with its errors, RSS trail and slope', () => {
    const samples = Array.from({ length: 61 }, (_, i) => ({ tSec: i, kib: 300 * 1024 + (i % 2) * 1024 }));
    const soak = (name: PathRun['name']) => ({
      name,
      rate: 100,
      latencyMs: 50,
      seconds: 60,
      result: { samples: 6000, p50: 52, p90: 55, p99: 60, max: 70, ok: 6000, errors: 0, achievedRps: 100 },
      samples,
      slopeMiBPerMin: 0.01,
    });
    const base = input([
      path('direct', 1, 0.1, [[100, 1]]),
      path('ours', 5, 4, [[100, 8]], 1024),
      path('peer', 3, 2, [[100, 5]], 1024),
    ]);
    const md = renderReport({
      ...base,
      runs: [{ ...must(base.runs[0], 'the base run'), latencyMs: 50, soaks: [soak('ours'), soak('peer')] }],
    });
    assert.match(md, /Soak: 100 requests\/s, evenly paced, fake latency 50 ms, 60 s per gateway/);
    assert.match(
      md,
      /\| ours \(GraphQL `generateDescriptions`\) \| 6000 \| 0 \| 100\.0\/s \| 52\.00 ms \| 60\.00 ms \| 300\.0 → 300\.0 MiB \(min 300\.0, max 301\.0\) \| 301\.0 → 301\.0 MiB \| 0\.01 MiB\/min \|/,
    );
    assert.match(md, /ours: 0s 300\.0, 10s 300\.0, 20s 300\.0/);
  });
});
