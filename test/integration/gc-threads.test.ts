/**
 * The gateway process (`node dist/src/index.js`) lowers the priority of
 * V8's helper threads at start (GC_THREAD_NICE), and leaves its event loop
 * and every other thread as they were.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnGateway } from '../helpers/gateway-process.js';

/** Name and nice value of each thread of a process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNices(pid: number): Array<{ name: string; nice: number }> {
  const dir = `/proc/${pid}/task`;
  return readdirSync(dir).map((tid) => {
    const stat = readFileSync(`${dir}/${tid}/stat`, 'utf8');
    // The name (field 2) is in parentheses and may hold spaces; count the fields after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name: readFileSync(`${dir}/${tid}/comm`, 'utf8').trim(), nice: Number(rest[16]) };
  });
}

const linux = process.platform === 'linux';
/** This process's nice value (its main thread's: /proc/self/stat). */
function ownNice(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

for (const [setting, expected] of [[undefined, 19], ['9', 9], ['0', undefined]] as const) {
  // Under a runner that is niced already past the setting, only a privileged gateway could go back down to it.
  const skip = !linux ? 'Linux only' : expected !== undefined && ownNice() > expected ? `this process already runs at nice ${ownNice()}` : false;
  test(`GC_THREAD_NICE=${setting ?? '(unset)'}: V8 worker threads at ${expected ?? 'the gateway priority'}`, { skip }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gc-threads-'));
    const env: Record<string, string> = { DATABASE_PATH: path.join(dir, 'gw.db'), PROVIDERS: 'onnx' };
    if (setting !== undefined) env.GC_THREAD_NICE = setting;
    const gateway = await spawnGateway('index', env, 'gc-threads');
    try {
      const threads = threadNices(gateway.child.pid!);
      const base = ownNice();
      const workers = threads.filter((t) => t.name === 'V8Worker');
      assert.ok(workers.length > 0);
      for (const t of workers) assert.equal(t.nice, expected ?? base, `V8Worker at ${t.nice}`);
      for (const t of threads.filter((x) => x.name !== 'V8Worker')) assert.equal(t.nice, base, `${t.name} at ${t.nice}`);
      // It still serves.
      assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
