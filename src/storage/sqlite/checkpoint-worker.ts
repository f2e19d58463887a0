/**
 * Runs in a worker thread (see checkpointer.ts): its own connection to the
 * database file checkpoints the WAL every `intervalMs`. PASSIVE: it never
 * waits for or blocks the writer on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
// mode=rw: never creates the file. A thread that starts after its storage was
// closed and its file removed must not put an empty database back; it fails to
// open, and the thread ends (checkpoints are then the writer's own).
const url = pathToFileURL(file);
url.searchParams.set('mode', 'rw');
const db = new DatabaseSync(url);
db.exec('PRAGMA busy_timeout = 5000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch {
    // Busy or locked: the next tick tries again; the writer's own autocheckpoint is the fallback.
  }
}, intervalMs);

parentPort?.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
