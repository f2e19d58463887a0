/**
 * What a person starting the gateway sees: the real process, its exit code
 * and its stderr. A start that fails says why in one line and opens nothing
 * it need not; a clean start prints no error at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot, fixturesDir } from '../helpers/paths.js';
import { tempDir, type AfterHook } from '../helpers/temp-dir.js';
import { createOrtSession } from '../../providers/onnx/session.js';
import { readModelFolder } from '../../providers/onnx/model-folder.js';
import { must, mustHave } from '../helpers/must.js';

const entry = path.join(repoRoot, 'dist', 'src', 'index.js');
const launcher = path.join(repoRoot, 'tools', 'with-node.mjs');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A fresh temp folder, removed when `t` ends, and the environment of a gateway whose database would be
 * created in it. It is the gateway's temp folder too, so what the process or a library leaves there goes with it.
 */
function sandbox(t: AfterHook): { dir: string; database: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir('stylesprint-startup', t);
  const database = path.join(dir, 'gateway.db');
  return {
    dir,
    database,
    env: {
      PATH: process.env.PATH,
      TMPDIR: dir,
      HOST: '127.0.0.1',
      PORT: '0',
      NODE_ENV: 'test',
      DATABASE_PATH: database,
    },
  };
}

/** Runs `node args` to its exit (a start that should fail), killing it after `timeoutMs`. */
function runToExit(node: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`still running after ${timeoutMs} ms: a start that should have failed did not (stderr: ${stderr})`),
      );
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The one stderr line of a failed start; fails when there is none, several, or a stack trace. */
function oneLine(exit: Exit): string {
  const lines = exit.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${exit.stderr}`);
  assert.doesNotMatch(exit.stderr, /^\s+at /m, 'no stack trace');
  return must(lines[0], 'a line on stderr');
}

test('a clean start prints nothing on stderr and logs no error, and SIGTERM ends it with 0', async (t) => {
  const { env } = sandbox(t);
  // ORT_EXECUTION_PROVIDER is left at auto: on a machine without CUDA, ONNX Runtime's attempt is what used to print a red error.
  const child = spawn(process.execPath, [entry], {
    cwd: repoRoot,
    env: { ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const levels: number[] = [];
  try {
    const listening = await new Promise<boolean>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entryLine = JSON.parse(line) as { level: number; msg: string };
        levels.push(entryLine.level);
        if (entryLine.msg === 'StyleSprint Gateway listening') resolve(true);
      });
      void exited.then(() => resolve(false));
    });
    assert.ok(listening, `the gateway did not start: ${stderr}`);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(stderr, '', 'nothing on stderr');
    assert.ok(
      levels.length > 0 && levels.every((l) => l < 50),
      `no log line at error or fatal level: ${levels.join(',')}`,
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('PORT=abc: exit 78, one line naming the variable and the value, nothing opened', async (t) => {
  const { database, env } = sandbox(t);
  const exit = await runToExit(process.execPath, [entry], { ...env, PORT: 'abc' });
  assert.equal(exit.code, 78);
  assert.equal(
    oneLine(exit),
    'stylesprint-gateway: invalid configuration: PORT="abc": expected a whole number from 0 to 65535',
  );
  assert.equal(existsSync(database), false, 'the database is not created');
});

test('PROVIDERS=onnx,gpt4: exit 78, one line naming the bad entry', async (t) => {
  const { env } = sandbox(t);
  const exit = await runToExit(process.execPath, [entry], { ...env, PROVIDERS: 'onnx,gpt4' });
  assert.equal(exit.code, 78);
  assert.equal(
    oneLine(exit),
    'stylesprint-gateway: invalid configuration: PROVIDERS="onnx,gpt4": "gpt4" is not one of openai, huggingface, onnx',
  );
});

test('ROUTING_POLICIES with bad JSON: exit 78, one line, before the database is opened or the model loaded', async (t) => {
  const { database, env } = sandbox(t);
  const exit = await runToExit(process.execPath, [entry], { ...env, ROUTING_POLICIES: '[{"name": "mobile", oops' });
  assert.equal(exit.code, 78);
  assert.match(
    oneLine(exit),
    /^stylesprint-gateway: invalid configuration: ROUTING_POLICIES: routing policy override is not valid JSON: /,
  );
  assert.equal(existsSync(database), false, 'the database is not created');
  assert.equal(exit.stdout, '', 'nothing was logged: no seeding, no model');
});

test('LOCAL_MODEL_DIR pointing nowhere: the gateway does not start; exit 1, one line naming the setting', async (t) => {
  const { dir, env } = sandbox(t);
  const nowhere = path.join(dir, 'no-such-model');
  const exit = await runToExit(process.execPath, [entry], {
    ...env,
    LOCAL_MODEL_DIR: nowhere,
    ORT_EXECUTION_PROVIDER: 'cpu',
  });
  assert.equal(exit.code, 1);
  assert.equal(
    oneLine(exit),
    `stylesprint-gateway: could not start: the local model (LOCAL_MODEL_DIR=${nowhere}) failed to load: model folder ${nowhere} does not exist`,
  );
});

test('ORT_EXECUTION_PROVIDER=cuda without CUDA: exit 1, one line with the fix', async (t) => {
  const tiny = readModelFolder(path.join(fixturesDir, 'models', 'tiny-gpt2')).onnxPath;
  const cuda = await createOrtSession(tiny, { executionProvider: 'cuda', logger: { info() {}, warn() {} } }).then(
    async (s) => (await s.session.release(), true),
    () => false,
  );
  if (cuda) return t.skip('this machine has a working CUDA provider');
  const { env } = sandbox(t);
  const exit = await runToExit(process.execPath, [entry], { ...env, ORT_EXECUTION_PROVIDER: 'cuda' });
  assert.equal(exit.code, 1);
  const line = oneLine(exit);
  assert.match(
    line,
    /^stylesprint-gateway: could not start: executionProvider 'cuda' was requested but the CUDA execution provider could not start/,
  );
  assert.match(line, /set ORT_EXECUTION_PROVIDER=cpu or auto\.$/);
});

/** A node on PATH older than this one (the machine's own, when Node 24 came from .node/), or null. */
function olderNode(): { node: string; version: string } | null {
  const major = (v: string) => Number(/^v(\d+)/.exec(v)?.[1]);
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    const node = path.join(folder, 'node');
    try {
      accessSync(node, constants.X_OK);
      const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
      if (major(version) < major(process.version)) return { node, version };
    } catch {
      // not there
    }
  }
  return null;
}

test('on an older Node, index.js says which Node it needs in one line instead of failing on node:sqlite', async (t) => {
  const old = olderNode();
  if (!old) return t.skip('no Node older than this one on PATH');
  const { env } = sandbox(t);
  const exit = await runToExit(old.node, [entry], env);
  assert.equal(exit.code, 1);
  assert.match(
    oneLine(exit),
    new RegExp(
      `^stylesprint-gateway: could not start: Node ${old.version.replace(/\./g, '\\.')} is too old: the gateway needs Node 24 or later\\. Start it through npm \\(\`npm start\`, \`npm run worker\`\\)`,
    ),
  );
});

test('on an older Node, tools/with-node.mjs (npm start, npm test) runs on the Node 24 in .node/, with its exit code', async (t) => {
  const old = olderNode();
  if (!old) return t.skip('no Node older than this one on PATH');
  // Without .node/ it would fetch Node 24 from the registry; the test does not download.
  if (!existsSync(path.join(repoRoot, '.node', 'bin', 'node')))
    return t.skip('no .node/ here (it is fetched on first use)');
  const { env } = sandbox(t);
  const version = await runToExit(
    old.node,
    [launcher, '-p', 'process.version + " " + process.env.PATH.split(require("path").delimiter)[0]'],
    env,
  );
  assert.equal(version.code, 0, version.stderr);
  const [v, first] = mustHave(version.stdout.trim().split(' '), 2, 'version and PATH');
  assert.match(v, /^v24\./);
  assert.equal(first, path.join(repoRoot, '.node', 'bin'), 'its children find Node 24 first on PATH');
  const bad = await runToExit(old.node, [launcher, entry], { ...env, PORT: 'abc' });
  assert.equal(bad.code, 78, 'the exit code comes through');
  assert.equal(
    oneLine(bad),
    'stylesprint-gateway: invalid configuration: PORT="abc": expected a whole number from 0 to 65535',
  );
});
