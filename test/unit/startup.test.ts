import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigError,
  EXIT_CONFIG,
  EXIT_START_FAILED,
  minimumNodeMajor,
  nodeVersionProblem,
  startFailure,
} from '../../src/startup.js';
import { ConfigError as ConfigErrorFromConfig } from '../../src/config.js';
import { repoRoot } from '../helpers/paths.js';
import { must } from '../helpers/must.js';

test('a configuration error exits 78 with its message alone; anything else exits 1, "could not start"', () => {
  assert.equal(ConfigErrorFromConfig, ConfigError);
  assert.deepEqual(
    startFailure(
      'stylesprint-gateway',
      new ConfigError('invalid configuration: PORT="abc": expected a whole number from 0 to 65535'),
    ),
    {
      exitCode: EXIT_CONFIG,
      line: 'stylesprint-gateway: invalid configuration: PORT="abc": expected a whole number from 0 to 65535',
    },
  );
  assert.equal(EXIT_CONFIG, 78);
  const listen = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:4000'), {
    code: 'EADDRINUSE',
  });
  assert.deepEqual(startFailure('stylesprint-worker', listen), {
    exitCode: EXIT_START_FAILED,
    line: 'stylesprint-worker: could not start: listen EADDRINUSE: address already in use 127.0.0.1:4000',
  });
});

test('the reason stays one line, whatever the error', () => {
  assert.equal(
    startFailure('p', new Error('first\n  second\r\nthird\n')).line,
    'p: could not start: first second third',
  );
  assert.equal(startFailure('p', 'a thrown string').line, 'p: could not start: a thrown string');
  assert.equal(startFailure('p', new Error('')).line, 'p: could not start: unknown error');
});

test('Node older than the engines range is refused in one line with the fix; the same and newer majors are not', () => {
  const problem = nodeVersionProblem('v20.20.2', '>=24 <25');
  assert.match(
    problem ?? '',
    /^Node v20\.20\.2 is too old: the gateway needs Node 24 or later\. Start it through npm \(`npm start`, `npm run worker`\), which fetches Node 24 into \.node\/ when the machine's Node is older, or install Node 24\.$/,
  );
  assert.ok(!must(problem, 'the problem').includes('\n'));
  assert.equal(nodeVersionProblem('v24.0.0', '>=24 <25'), null);
  assert.equal(nodeVersionProblem('v26.1.0', '>=24 <25'), null, 'a newer Node may try');
  assert.equal(nodeVersionProblem('v20.0.0', undefined), null, 'no engines: nothing to check against');
});

test("package.json's engines has the >=N form that src/startup.ts and tools/with-node.mjs both read, and they read it alike", async () => {
  const engines = (
    JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }
  ).engines.node;
  assert.equal(minimumNodeMajor(engines), 24);
  const launcher = (await import(pathToFileURL(path.join(repoRoot, 'tools', 'with-node.mjs')).href)) as {
    minimumNodeMajor(e?: string): number | null;
  };
  for (const range of [engines, '>=22', '>= 20.5 <23', '^24', '', undefined])
    assert.equal(launcher.minimumNodeMajor(range), minimumNodeMajor(range), String(range));
});
