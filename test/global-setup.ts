/**
 * The test runner's global setup (`node --test --test-global-setup=dist/test/global-setup.js`,
 * as `npm test` runs it). Before any test file: one fresh run folder, named
 * to every test process in STYLESPRINT_TEST_RUN_DIR, with the temp folder of
 * every test process (TMPDIR) inside it. After all of them: every log of the
 * run is scanned for every secret the tests handed out, whatever a test left
 * in the temp folder is named, and the folder is removed. Either finding
 * fails the run (exit code 1) with one line per finding.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RUN_DIR_ENV } from './helpers/run-dir.js';
import { scanFailures, scanLogs } from './helpers/log-scan.js';
import { TEST_KEYS } from './helpers/keys.js';

/**
 * What onnxruntime's native library writes into the temp folder of every
 * process that loads it (its telemetry SDK's session file and debug log); no
 * option of onnxruntime-node turns that off, and the run folder removes them.
 */
const FOREIGN = [/^\.ses$/, /^mat-debug-\d+\.log$/];

let runDir: string | undefined;

export function globalSetup(): void {
  runDir = mkdtempSync(path.join(tmpdir(), 'stylesprint-test-run-'));
  const tmp = path.join(runDir, 'tmp');
  mkdirSync(tmp);
  process.env[RUN_DIR_ENV] = runDir;
  process.env.TMPDIR = tmp;
}

export function globalTeardown(): void {
  if (!runDir) return;
  const failures: string[] = [];
  const scan = scanLogs(path.join(runDir, 'logs'), path.join(runDir, 'secrets'), Object.values(TEST_KEYS));
  failures.push(...scanFailures(scan));
  const keep = Boolean(process.env.KEEP_TEST_DIRS);
  if (!keep) {
    const left = readdirSync(path.join(runDir, 'tmp')).filter((name) => !FOREIGN.some((pattern) => pattern.test(name)));
    failures.push(...left.map((name) => `a test left ${name} in the temp folder`));
  }
  process.stdout.write(
    `log scan: ${scan.files} log files, ${scan.secrets} secrets, ${scan.requestLines} request lines (${scan.named} with a key name)\n`,
  );
  if (keep) process.stdout.write(`kept the run folder ${runDir}\n`);
  else rmSync(runDir, { recursive: true, force: true });
  for (const failure of failures) process.stderr.write(`test run: ${failure}\n`);
  // Not a throw: the runner would call the teardown again and print no reason.
  if (failures.length) process.exitCode = 1;
}
