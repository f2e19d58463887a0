import { mkdtempSync, rmSync, createWriteStream, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { GatewayServer } from '../../src/server.js';
import { createGateway } from '../../schema/index.js';
import type { ConfigInput } from '../../src/config.js';
import { recordTestSecrets, testLogDir } from './run-dir.js';
import { gqlClient, type Gql } from './graphql.js';

export interface TestServer extends GatewayServer {
  dir: string;
  logFile: string;
  /** POST /graphql with JSON; returns status and parsed body. */
  gql: Gql;
  stop(): Promise<void>;
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
  // Outside `dir`, so it survives stop() for the log scan after all tests.
  const logFile = path.join(testLogDir(), `${path.basename(dir)}.log`);
  recordTestSecrets(path.basename(dir), secretsOf(overrides));
  const stream: WriteStream = createWriteStream(logFile);
  const logger = pino({ level: overrides.logLevel ?? 'info' }, stream);
  const server = await createGateway(
    {
      host: '127.0.0.1',
      port: 0,
      databasePath: path.join(dir, 'gateway.db'),
      nodeEnv: 'test',
      logLevel: 'info',
      ...overrides,
    },
    { logger },
  ).catch((error: unknown) => {
    // A start that fails leaves nothing behind either.
    stream.end();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const gql = gqlClient(() => server.url);
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
