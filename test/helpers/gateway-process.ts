import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './paths.js';
import { testLogDir } from './run-dir.js';
import { gqlClient, type Gql } from './graphql.js';

/** A gateway (`dist/src/index.js`) or worker (`dist/src/worker.js`) in a child process. */
export interface ChildGateway {
  child: ChildProcess;
  /** The gateway's URL (empty for a worker). */
  url: string;
  /** Every JSON log line it has written to stdout so far, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code (null when a signal ended it) once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, no shutdown: a crash. */
  kill(): Promise<void>;
  gql: Gql;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Spawns `node dist/src/<entry>.js` with `env` on top of this process's
 * environment (an undefined value removes a variable, e.g. NODE_ENV). A
 * gateway resolves once it logs where it listens; a worker once it logs that
 * it started. Its log lines go to the run's log folder.
 */
export async function spawnGateway(
  entry: 'index' | 'worker',
  env: Record<string, string | undefined>,
  name: string,
): Promise<ChildGateway> {
  const log = createWriteStream(path.join(testLogDir(), `${name}-${process.pid}-${Date.now()}.log`));
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'src', `${entry}.js`)], {
    cwd: repoRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.pipe(log);
  const logs: Array<Record<string, unknown>> = [];
  let timer: NodeJS.Timeout | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it started`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.write(`${line}\n`);
      try {
        const entryLine = JSON.parse(line) as { msg?: string; url?: string };
        logs.push(entryLine);
        if (entryLine.msg === 'StyleSprint Gateway listening' && entryLine.url) resolve(entryLine.url);
        if (entryLine.msg === 'catalog job worker started' && entry === 'worker') resolve('');
      } catch {
        // not a log line
      }
    });
  }).finally(() => {
    // Else the timer alone keeps the test process alive for 30 s.
    clearTimeout(timer);
    child.removeAllListeners('exit');
  });
  const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('exit', () => log.end());
  return {
    child,
    url,
    logs,
    exited: exitCode,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    gql: gqlClient(() => url),
  };
}
