/**
 * What a test run keeps beyond one test: every test gateway's log file and
 * the secrets the tests handed out, for the scan after all tests
 * (test/global-setup.ts). Under `npm test` the global setup makes one fresh
 * folder per run and names it in STYLESPRINT_TEST_RUN_DIR; a test file run on
 * its own gets a folder of its own process, removed when the process exits.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The environment variable through which the global setup names the run folder. */
export const RUN_DIR_ENV = 'STYLESPRINT_TEST_RUN_DIR';

let ownDir: string | undefined;

/** The run folder: the global setup's, else one for this process. */
export function testRunDir(): string {
  const shared = process.env[RUN_DIR_ENV];
  if (shared) return shared;
  if (!ownDir) {
    const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-test-run-'));
    ownDir = dir;
    // Synchronous, so it runs in 'exit', after every after() hook has stopped its servers.
    process.on('exit', () => {
      if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
    });
  }
  return ownDir;
}

/** The run's log folder: one `<name>.log` per test gateway or child process. */
export function testLogDir(): string {
  const dir = path.join(testRunDir(), 'logs');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The run's secrets folder, apart from the logs they are looked for in. */
export function testSecretsDir(): string {
  const dir = path.join(testRunDir(), 'secrets');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Records secrets a test used (those of 8 characters or more), so the scan after all tests looks for them. */
export function recordTestSecrets(name: string, secrets: ReadonlyArray<string | undefined>): void {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8);
  if (list.length) writeFileSync(path.join(testSecretsDir(), `${name}.json`), JSON.stringify(list));
}
