import pg from 'pg';
import { randomBytes } from 'node:crypto';

/** A fresh database on the test server, dropped by `drop()`. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export type TestDatabaseResult = { ok: true; database: TestDatabase } | { ok: false; reason: string };

/**
 * Creates a fresh database on the server named by TEST_DATABASE_URL (which
 * .ci/run sets after starting a throwaway cluster). Resolves to a reason
 * instead when the variable is unset or no server answers, so the caller can
 * skip loudly; any other failure (bad password, no CREATEDB) throws.
 */
export async function createTestDatabase(env: NodeJS.ProcessEnv = process.env): Promise<TestDatabaseResult> {
  const adminUrl = env.TEST_DATABASE_URL;
  if (!adminUrl)
    return { ok: false, reason: 'TEST_DATABASE_URL is not set (.ci/run starts a PostgreSQL server and sets it)' };
  const where = new URL(adminUrl);
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const unreachable =
      ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code) ||
      /timeout/i.test(String(error));
    if (unreachable)
      return { ok: false, reason: `no PostgreSQL server answers at ${where.host} (${code || String(error)})` };
    throw error;
  }
  const name = `stylesprint_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    ok: true,
    database: {
      url: url.toString(),
      name,
      async drop() {
        const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
        await client.connect();
        try {
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await client.end();
        }
      },
    },
  };
}
