import { mkdtempSync, mkdirSync, rmSync, createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { GatewayServer } from '../../src/server.js';
import { createGateway } from '../../schema/index.js';
import type { ConfigInput } from '../../src/config.js';

export interface TestServer extends GatewayServer {
  dir: string;
  logFile: string;
  /** POST /graphql with JSON; returns status and parsed body. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: GqlBody<T> }>;
  stop(): Promise<void>;
}

export interface GqlBody<T> {
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  extensions?: Record<string, any>;
}

/** Every log line of every test server goes to this folder, so a test can grep a whole run for secrets. */
export const testLogDir = process.env.STYLESPRINT_TEST_LOG_DIR ?? path.join(tmpdir(), 'stylesprint-test-logs');
/** Secrets the tests handed to gateways and fakes, one JSON list per server, kept apart from the logs they are looked for in. */
export const testSecretsDir = `${testLogDir}-secrets`;

/** Records secrets a test used, so the log scan (log-secrets.test.ts) can look for them. */
export function recordTestSecrets(name: string, secrets: ReadonlyArray<string | undefined>): void {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8);
  if (!list.length) return;
  mkdirSync(testSecretsDir, { recursive: true });
  writeFileSync(path.join(testSecretsDir, `${name}.json`), JSON.stringify(list));
}

/** The secrets in a config override: provider keys and every GATEWAY_API_KEYS key. */
function secretsOf(overrides: Partial<ConfigInput>): string[] {
  const gateway = (overrides.gatewayApiKeys ?? '').split(',').map((e) => e.slice(e.indexOf(':') + 1).trim());
  return [overrides.openaiApiKey, overrides.huggingfaceToken, ...gateway].filter((s): s is string => !!s);
}

/**
 * A real gateway on 127.0.0.1:0 with its own SQLite file in a temp folder.
 * Pass `databasePath` to reuse a file across restarts.
 */
export async function startTestServer(overrides: Partial<ConfigInput> = {}): Promise<TestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-'));
  mkdirSync(testLogDir, { recursive: true });
  // Outside `dir`, so it survives stop() for the whole-run log scan.
  const logFile = path.join(testLogDir, `${path.basename(dir)}.log`);
  recordTestSecrets(path.basename(dir), secretsOf(overrides));
  const stream: WriteStream = createWriteStream(logFile);
  const logger = pino({ level: overrides.logLevel ?? 'info' }, stream);
  const server = await createGateway(
    { host: '127.0.0.1', port: 0, databasePath: path.join(dir, 'gateway.db'), nodeEnv: 'test', logLevel: 'info', ...overrides },
    { logger },
  );
  const gql: TestServer['gql'] = async (query, variables, headers = {}) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GqlBody<any> };
  };
  return Object.assign(server, {
    dir,
    logFile,
    gql,
    async stop() {
      await server.close();
      await new Promise<void>((resolve) => stream.end(resolve));
      if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
    },
  });
}
