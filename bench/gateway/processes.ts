/**
 * Child processes for the gateway benchmark: the fake provider, our gateway,
 * the Portkey gateway and load steps, each optionally pinned to one core with
 * `taskset` so that the gateway under test never competes with the load
 * generator or the fake for its core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load.js';

/** Repository root (this file compiles to dist/bench/gateway/processes.js). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const distDir = path.join(repoRoot, 'dist');

/** Cores for the two sides, or null when they float (no taskset, or one core). */
export interface Pinning {
  /** Core for the fake provider and the load generator. */
  clientCore: number;
  /** Core for the gateway under test (ours or the peer). */
  gatewayCore: number;
}

/** Pins to cores 0 and 1 when `taskset` runs and there are at least two cores. */
export function choosePinning(): Pinning | null {
  if (os.cpus().length < 2) return null;
  const probe = spawnSync('taskset', ['-c', '0', 'true']);
  return probe.status === 0 ? { clientCore: 0, gatewayCore: 1 } : null;
}

/** A running child, with what the benchmark needs from it. */
export interface Child {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (released before returning, so a small race is possible). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function launch(core: number | undefined, args: string[], env: NodeJS.ProcessEnv = {}, cwd = repoRoot): ChildProcess {
  // taskset execs node, so the child's pid is node's pid (needed for /proc/<pid>/status).
  const [command, argv] =
    core === undefined ? [process.execPath, args] : ['taskset', ['-c', String(core), process.execPath, ...args]];
  const child = spawn(command, argv, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.once('exit', (code, signal) => {
    if (code !== 0 && code !== null && signal === null)
      console.error(`[bench] ${args[0]} exited with ${code}:\n${tail}`);
  });
  return child;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** Polls `url` until it answers with `status` (any status when omitted); throws after timeoutMs. */
async function waitForHttp(url: string, child: ChildProcess, status?: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${url}: the process exited with ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (status === undefined || res.status === status) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function started(child: ChildProcess, url: string, readyUrl: string, status?: number): Promise<Child> {
  try {
    await waitForHttp(readyUrl, child, status);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { pid: child.pid as number, url, stop: stopper(child) };
}

/** A script of dist/ (relative path) as its own process on `core`, with `env`; ready when `readyPath` answers 200. */
export async function startScript(
  script: string,
  env: Record<string, string>,
  readyPath: string,
  core?: number,
): Promise<Child> {
  const port = await freePort();
  const child = launch(core, [path.join(distDir, script)], { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  return started(child, url, `${url}${readyPath}`, 200);
}

/** The fake OpenAI server (test/helpers/fake-openai.ts) with a fixed latency; url is its `/v1` base. */
export async function startFake(latencyMs: number, core?: number): Promise<Child> {
  const port = await freePort();
  const child = launch(core, [
    path.join(distDir, 'test/helpers/fake-openai.js'),
    '--port',
    String(port),
    '--latency-ms',
    String(latencyMs),
  ]);
  const base = `http://127.0.0.1:${port}/v1`;
  return started(child, base, `${base}/models`, 200);
}

/** The Node flags `npm start` (and the Dockerfile) run the gateway with, so that the bench measures the gateway as it ships. */
export const START_FLAGS = (
  JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(/\s+/)
  .filter((w) => w.startsWith('--'));

/** Bench-only API key for our gateway (a personalization key; meaningless outside this run). */
export const OUR_API_KEY = 'bench-personalization-key-0123456789';

/**
 * Our gateway as `node dist/src/index.js`, configured from the environment as
 * in production, with only the OpenAI provider pointed at the fake, the cache
 * off (each request reaches the provider) and the personalization rate limit
 * off (it would cap the frontier, and is not what is measured). `checkout`:
 * the repository whose build runs (default this one; compare.ts runs others').
 */
export async function startOurs(
  fakeBaseUrl: string,
  databasePath: string,
  core?: number,
  nodeArgs: string[] = [],
  extraEnv: Record<string, string> = {},
  checkout: string = repoRoot,
): Promise<Child> {
  const port = await freePort();
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PROVIDERS: 'openai',
    OPENAI_BASE_URL: fakeBaseUrl,
    OPENAI_API_KEY: 'x',
    CACHE_TTL_MS: '0',
    LOG_LEVEL: 'warn',
    DATABASE_PATH: databasePath,
    GATEWAY_API_KEYS: `personalization:${OUR_API_KEY}`,
    RATE_LIMITS: 'personalization=off',
    ...extraEnv,
  };
  const entry = path.join(checkout, 'dist', 'src', 'index.js');
  const child = launch(core, [...START_FLAGS, ...nodeArgs, entry], env, checkout);
  const url = `http://127.0.0.1:${port}`;
  return started(child, `${url}/graphql`, `${url}/readyz`, 200);
}

/** Entry point of the installed Portkey gateway (its package `bin`). */
export function portkeyEntry(): string {
  const dir = path.join(repoRoot, 'node_modules', '@portkey-ai', 'gateway');
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    bin: string | Record<string, string>;
    version: string;
  };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0];
  if (bin === undefined) throw new Error('@portkey-ai/gateway has no bin entry');
  return path.join(dir, bin);
}

/** Installed Portkey gateway version. */
export function portkeyVersion(): string {
  const file = path.join(repoRoot, 'node_modules', '@portkey-ai', 'gateway', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * The Portkey gateway (`start-server.js --port=N --headless`); url is its
 * chat-completions endpoint. It is told where the provider is per request,
 * with `x-portkey-provider` and `x-portkey-custom-host` (127.0.0.1 is among
 * its default trusted custom hosts).
 */
export async function startPortkey(core?: number): Promise<Child> {
  const port = await freePort();
  const child = launch(core, [portkeyEntry(), `--port=${port}`, '--headless'], { NODE_ENV: 'production' });
  const url = `http://127.0.0.1:${port}`;
  return started(child, `${url}/v1/chat/completions`, `${url}/`);
}

/** Resident set size of a process in KiB, from /proc/<pid>/status (NaN where unreadable). */
export function rssKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** Runs one load step in its own process (dist/bench/gateway/load.js). */
export function runLoadStep(spec: LoadSpec, core?: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = launch(core, [path.join(distDir, 'bench/gateway/load.js'), JSON.stringify(spec)]);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{'))
        return reject(new Error(`load step exited with ${code}: ${out.slice(-500)}`));
      resolve(JSON.parse(line) as LoadResult);
    });
  });
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (getconf CLK_TCK), else Linux's usual 100. */
function clockTicks(): number {
  const getconf = spawnSync('getconf', ['CLK_TCK']);
  // Where getconf cannot run, spawnSync sets `error`, and its stdout is then no buffer, whatever its type says.
  return (getconf.error ? NaN : Number(getconf.stdout.toString().trim())) || 100;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat (NaN where unreadable). */
export function cpuMs(pid: number): number {
  ticksPerSecond ??= clockTicks();
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which sits in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return NaN;
  }
}
