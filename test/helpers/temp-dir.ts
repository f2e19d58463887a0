import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/** Anything with an `after` hook: a test's context, or node:test's `after` for the whole file or suite. */
export interface AfterHook {
  after(fn: () => void | Promise<void>): void;
}

/**
 * A fresh folder under the temp folder, removed (with all in it) when `t` ends;
 * without `t`, when the enclosing file or suite ends. KEEP_TEST_DIRS=1 keeps it.
 * After hooks run in the order they were added: make the folder after the hook
 * that stops whatever writes into it.
 */
export function tempDir(prefix: string, t?: AfterHook): string {
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  (t ?? { after }).after(() => {
    // Retried: a SQLite checkpoint worker that is still closing can add a file
    // (the WAL, its index) while the folder is emptied, and rmdir then fails with ENOTEMPTY.
    if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  });
  return dir;
}
