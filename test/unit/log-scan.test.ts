/** The scan that `npm test` runs after all tests (test/global-setup.ts) over every log of the run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scanFailures, scanLogs } from '../helpers/log-scan.js';
import { tempDir } from '../helpers/temp-dir.js';

const request = (keyName: string | null): string => JSON.stringify({ level: 30, keyName, msg: 'graphql request' });

function runFolder(
  t: Parameters<typeof tempDir>[1],
  logs: Record<string, string[]>,
  secrets: Record<string, string[]>,
): { logs: string; secrets: string } {
  const dir = tempDir('log-scan', t);
  const folders = { logs: path.join(dir, 'logs'), secrets: path.join(dir, 'secrets') };
  mkdirSync(folders.logs);
  mkdirSync(folders.secrets);
  for (const [name, lines] of Object.entries(logs)) writeFileSync(path.join(folders.logs, name), lines.join('\n'));
  for (const [name, list] of Object.entries(secrets))
    writeFileSync(path.join(folders.secrets, name), JSON.stringify(list));
  return folders;
}

test('a recorded secret or a known key in any log file is a leak, named by file and first 4 characters', (t) => {
  const dir = runFolder(
    t,
    {
      'a.log': [request('env-mobile-1'), '{"msg":"upstream said sk-recorded-secret-123"}'],
      'b.log': [request(null)],
      'c.txt': ['known-key-0000000'],
    },
    { 'a.json': ['sk-recorded-secret-123'] },
  );
  const scan = scanLogs(dir.logs, dir.secrets, ['known-key-0000000']);
  assert.deepEqual(scan, {
    files: 2,
    secrets: 2,
    requestLines: 2,
    named: 1,
    leaks: [{ file: 'a.log', secret: 'sk-r…' }],
  });
  assert.deepEqual(scanFailures(scan), ['a.log contains a secret (sk-r…)']);
});

test('request lines that name no key fail the scan; no logs at all pass it', (t) => {
  const unnamed = runFolder(t, { 'a.log': [request(null), request(null)] }, {});
  assert.deepEqual(scanFailures(scanLogs(unnamed.logs, unnamed.secrets)), [
    'none of 2 request log lines names its key',
  ]);
  const empty = scanLogs(path.join(unnamed.logs, 'absent'), path.join(unnamed.secrets, 'absent'));
  assert.deepEqual(empty, { files: 0, secrets: 0, requestLines: 0, named: 0, leaks: [] });
  assert.deepEqual(scanFailures(empty), []);
});
