/**
 * V8's helper threads (concurrent marking, parallel scavenges, sweeping)
 * run at the event loop's priority by default. Where the gateway has one
 * core, or a container's quota of one, a full collection's concurrent
 * marking then takes that core from the event loop for hundreds of
 * milliseconds while requests wait: the main thread gets a fifth of it
 * against V8's four helpers. With the helpers at a higher nice value, the
 * event loop runs first and marking uses what is left; V8 finishes marking
 * on the main thread, in bounded steps, when the helpers fall behind.
 *
 * Linux only: there `setpriority` on a thread id changes that thread alone.
 * Elsewhere, and where /proc cannot be read, nothing changes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The name V8's platform gives its worker threads (`/proc/<pid>/task/<tid>/comm`). */
const V8_WORKER_NAME = 'V8Worker';

export interface GcThreadPriority {
  /** Threads whose nice value was set. */
  readonly threads: number;
  /** Why nothing was changed, when nothing was. */
  readonly skipped?: string;
}

/**
 * Sets the nice value of this process's V8 worker threads. 0 leaves them
 * as they are. Raising a nice value needs no privilege; lowering one back
 * does, so the setting holds for the life of the process.
 */
export function setGcThreadNice(nice: number, taskDir = '/proc/self/task'): GcThreadPriority {
  if (nice === 0) return { threads: 0, skipped: 'GC_THREAD_NICE is 0' };
  if (process.platform !== 'linux') return { threads: 0, skipped: `not on Linux (${process.platform})` };
  let tids: string[];
  try {
    tids = readdirSync(taskDir);
  } catch (error) {
    return { threads: 0, skipped: `cannot list threads: ${(error as Error).message}` };
  }
  let threads = 0;
  for (const tid of tids) {
    let name: string;
    try {
      name = readFileSync(`${taskDir}/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // the thread ended while we looked
    }
    if (name !== V8_WORKER_NAME) continue;
    try {
      setPriority(Number(tid), nice);
      threads++;
    } catch (error) {
      return { threads, skipped: `setpriority failed: ${(error as Error).message}` };
    }
  }
  return threads === 0 ? { threads: 0, skipped: `no ${V8_WORKER_NAME} threads found` } : { threads };
}
