/**
 * Runs last (file order): every test server of this run logged into one
 * folder (test/helpers/server.ts, STYLESPRINT_TEST_LOG_DIR), and every secret
 * a test handed to a gateway or a fake was recorded beside it. None of those
 * secrets may appear in any log line; request lines carry the key's name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { testLogDir, testSecretsDir } from './helpers/server.js';
import { TEST_KEYS } from './helpers/keys.js';

test('no API key, provider secret or gateway key appears in any log of the run', (t) => {
  if (!existsSync(testLogDir)) return t.skip('no test server logged in this run');
  const logs = readdirSync(testLogDir).filter((f) => f.endsWith('.log'));
  assert.ok(logs.length > 0);
  const secrets = new Set<string>(Object.values(TEST_KEYS));
  if (existsSync(testSecretsDir)) {
    for (const f of readdirSync(testSecretsDir)) for (const s of JSON.parse(readFileSync(path.join(testSecretsDir, f), 'utf8')) as string[]) secrets.add(s);
  }
  let requestLines = 0;
  let named = 0;
  for (const file of logs) {
    const text = readFileSync(path.join(testLogDir, file), 'utf8');
    for (const secret of secrets) assert.ok(!text.includes(secret), `${file} contains a secret (${secret.slice(0, 4)}…)`);
    for (const line of text.split('\n')) {
      if (!line.includes('"graphql request"')) continue;
      requestLines++;
      const entry = JSON.parse(line) as { keyName?: string | null };
      if (entry.keyName) named++;
    }
  }
  t.diagnostic(`${logs.length} log files, ${secrets.size} secrets, ${requestLines} request lines (${named} with a key name)`);
  assert.ok(named > 0, 'request log lines name the key');
});
