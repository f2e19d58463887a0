/**
 * Runs `node <args>` on a Node that package.json's `engines` accepts, so that
 * `npm start` and `npm test` work on a machine whose Node is older: there it
 * fetches the npm package node-<platform>-<arch>@<major> (the official
 * binaries, from the same registry as every other dependency) into the
 * ignored folder .node/ once, and runs that.
 *
 *   node tools/with-node.mjs dist/src/index.js   run a script (in this process when this Node will do)
 *   node tools/with-node.mjs --test "…"          run node with options (always a child process)
 *   node tools/with-node.mjs --ensure            only make sure such a Node is at hand (before a long build)
 *   node tools/with-node.mjs --path              print the folder to put first on PATH, or nothing when this Node will do
 *
 * Plain JavaScript that old Nodes run, because it runs before the TypeScript
 * build, under the Node it replaces. When it cannot help, it says so in one
 * line and exits 1.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PROGRAM = 'stylesprint-gateway';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const localDir = path.join(root, '.node');
const localNode = path.join(localDir, 'bin', 'node');

/** The lowest major that an `engines.node` range such as ">=24 <25" accepts (as src/startup.ts reads it); null without a `>=N`. */
export function minimumNodeMajor(engines) {
  const match = /(?:^|\s)>=\s*v?(\d+)/.exec(engines ?? '');
  return match ? Number(match[1]) : null;
}

function majorOf(version) {
  return Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);
}

function fail(reason) {
  process.stderr.write(`${PROGRAM}: ${reason}\n`);
  process.exit(1);
}

function firstLine(error) {
  return String(error?.stderr || error?.message || error)
    .trim()
    .split('\n')[0];
}

/** npm as it runs this script (npm_execpath under `npm run`), else the one on PATH. */
function npm(args, options) {
  const cli = process.env.npm_execpath;
  return cli && cli.endsWith('.js')
    ? execFileSync(process.execPath, [cli, ...args], options)
    : execFileSync('npm', args, options);
}

function fetchNode(minimum) {
  const spec = `node-${process.platform}-${process.arch}@${minimum}`;
  if (process.platform !== 'linux' && process.platform !== 'darwin') {
    fail(
      `Node ${process.version} is older than ${minimum}, which this gateway needs: install Node ${minimum} (https://nodejs.org)`,
    );
  }
  process.stderr.write(
    `${PROGRAM}: Node ${process.version} is older than ${minimum}: fetching the npm package ${spec} into .node/\n`,
  );
  const work = mkdtempSync(path.join(tmpdir(), 'stylesprint-node-'));
  try {
    const tarball = npm(['pack', '--silent', '--pack-destination', work, spec], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .trim()
      .split('\n')
      .pop();
    execFileSync('tar', ['xzf', tarball], { cwd: work });
    rmSync(localDir, { recursive: true, force: true });
    cpSync(path.join(work, 'package'), localDir, { recursive: true });
  } catch (error) {
    fail(
      `Node ${process.version} is older than ${minimum}, and fetching ${spec} failed (${firstLine(error)}): install Node ${minimum}, or run again with the npm registry in reach`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return localNode;
}

/** This Node when it will do; else .node/bin/node, fetched when it is missing or too old. */
function supportedNode() {
  const minimum = minimumNodeMajor(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines?.node);
  if (minimum === null || majorOf(process.version) >= minimum) return process.execPath;
  let local = '';
  try {
    local = existsSync(localNode) ? execFileSync(localNode, ['--version'], { encoding: 'utf8' }) : '';
  } catch {
    // a broken download: fetched again below
  }
  const node = majorOf(local) >= minimum ? localNode : fetchNode(minimum);
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (majorOf(version) < minimum) fail(`${node} is ${version}, older than ${minimum}: remove .node/ and run again`);
  return node;
}

/**
 * A child on `node`, with its folder first on PATH so that whatever it starts
 * runs on it too. SIGTERM and SIGHUP are passed on; SIGINT is not, because
 * Ctrl-C reaches the child from the terminal already, and a second SIGINT
 * would cut its graceful shutdown short.
 */
function runChild(node, args) {
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` };
  const child = spawn(node, args, { stdio: 'inherit', env });
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  process.on('SIGINT', () => {});
  child.on('error', (error) => fail(`could not run ${node}: ${error.message}`));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}

const args = process.argv.slice(2);
if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  if (args[0] === '--ensure') supportedNode();
  else if (args[0] === '--path') {
    const node = supportedNode();
    if (node !== process.execPath) process.stdout.write(`${path.dirname(node)}\n`);
  } else if (args.length === 0) fail('usage: node tools/with-node.mjs <script or node options…>');
  else {
    const node = supportedNode();
    if (node === process.execPath && !args[0].startsWith('-')) {
      // This Node will do: run the script here, as `node <script>` would, with no process in between.
      const script = path.resolve(args[0]);
      process.argv = [process.execPath, script, ...args.slice(1)];
      await import(pathToFileURL(script).href);
    } else runChild(node, args);
  }
}
