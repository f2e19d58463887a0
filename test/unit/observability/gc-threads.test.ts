import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../helpers/paths.js';
import { setGcThreadNice } from '../../../src/observability/gc-threads.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { must } from '../../helpers/must.js';

const linux = process.platform === 'linux';

test('raises the nice value of V8 worker threads only, in a fresh process', { skip: !linux && 'Linux only' }, () => {
  // A child process, so that this test process keeps its own priorities.
  const dist = path.join(repoRoot, 'dist');
  const module = pathToFileURL(path.join(dist, 'src', 'observability', 'gc-threads.js')).href;
  const helper = pathToFileURL(path.join(dist, 'test', 'helpers', 'thread-nices.js')).href;
  const script = `
    import { setGcThreadNice } from ${JSON.stringify(module)};
    import { processNice, threadNices } from ${JSON.stringify(helper)};
    const before = threadNices();
    // Above the process's own nice value, which an unprivileged process cannot go back below.
    const target = Math.min(19, Math.max(7, processNice() + 1));
    const result = setGcThreadNice(target);
    console.log(JSON.stringify({ before, target, result, after: threadNices() }));`;
  const out = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  ) as {
    before: Array<{ name: string; nice: number }>;
    target: number;
    result: { threads: number; skipped?: string };
    after: Array<{ name: string; nice: number }>;
  };
  const workersBefore = out.before.filter((t) => t.name === 'V8Worker');
  assert.ok(workersBefore.length > 0, 'a Node process has V8 worker threads');
  assert.deepEqual(out.result, { threads: workersBefore.length });
  const base = must(
    out.before.find((t) => t.name !== 'V8Worker'),
    'a thread other than the V8 workers',
  ).nice;
  assert.ok(out.target > base || base === 19);
  for (const t of out.after) assert.equal(t.nice, t.name === 'V8Worker' ? out.target : base, `${t.name}: ${t.nice}`);
});

test('0 leaves every thread as it is', () => {
  assert.deepEqual(setGcThreadNice(0), { threads: 0, skipped: 'GC_THREAD_NICE is 0' });
});

test(
  'a thread list it cannot read, or a thread it cannot change, is reported and not thrown',
  { skip: !linux && 'Linux only' },
  (t) => {
    const dir = tempDir('gc-threads', t);
    const missing = setGcThreadNice(5, path.join(dir, 'absent'));
    assert.equal(missing.threads, 0);
    assert.match(missing.skipped ?? '', /^cannot list threads: ENOENT/);

    // Only V8 worker threads are touched: a thread of another name is left alone.
    mkdirSync(path.join(dir, '1'));
    writeFileSync(path.join(dir, '1', 'comm'), 'MainThread\n');
    assert.deepEqual(setGcThreadNice(5, dir), { threads: 0, skipped: 'no V8Worker threads found' });

    // A V8 worker whose id names no thread (it ended): setpriority fails with ESRCH.
    mkdirSync(path.join(dir, '2147483600'));
    writeFileSync(path.join(dir, '2147483600', 'comm'), 'V8Worker\n');
    const gone = setGcThreadNice(5, dir);
    assert.equal(gone.threads, 0);
    assert.match(gone.skipped ?? '', /^setpriority failed: .*ESRCH/);
  },
);
