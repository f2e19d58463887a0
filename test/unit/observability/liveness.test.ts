import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressWatchdog } from '../../../src/http/liveness.js';
import type { LocalModelStats } from '../../../src/observability/metrics.js';

test('busy (work and passes) is alive, stuck (work and no pass for the limit) is not, idle never is', () => {
  let now = 0;
  let stats: LocalModelStats = {
    queueDepth: 0,
    runningItems: 0,
    forwardPasses: 0,
    generatedTokens: 0,
    rejected: 0,
    abandoned: 0,
  };
  const dog = new ProgressWatchdog({ stats: () => ({ onnx: stats }), stuckAfterMs: 1000, now: () => now });
  assert.deepEqual(dog.stuck(), []);
  now = 10_000;
  // Idle for a long time, then work arrives: the wait counts from now.
  stats = { ...stats, queueDepth: 50, runningItems: 8 };
  assert.deepEqual(dog.stuck(), []);
  for (let i = 1; i <= 5; i++) {
    now += 800;
    stats = { ...stats, forwardPasses: i };
    assert.deepEqual(dog.stuck(), [], 'busy: a full queue that keeps moving');
  }
  now += 999;
  assert.deepEqual(dog.stuck(), []);
  now += 1;
  assert.deepEqual(dog.stuck(), ['onnx'], 'no pass for 1000 ms with work waiting');
  stats = { ...stats, queueDepth: 0, runningItems: 0 };
  assert.deepEqual(dog.stuck(), [], 'nothing waiting is never stuck');
});
