/**
 * A database as an older gateway left it, for the tests of a migration: the
 * schema up to the migration before the one under test, recorded in
 * schema_migrations as the gateway of then recorded it.
 */
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL } from '../../src/storage/migrations.js';
import { must } from './must.js';

/** A statement runner with `?` placeholders (a PostgreSQL one numbers them itself). */
export type RunSql = (sql: string, params?: unknown[]) => Promise<unknown>;

/** The version of the migration named `name`. */
export function migrationVersion(name: string): number {
  return must(
    MIGRATIONS.find((m) => m.name === name),
    `the ${name} migration`,
  ).version;
}

/** Applies and records every migration older than `before`, as the gateway of that version did at start. */
export async function migrateBefore(
  run: RunSql,
  dialect: 'sqlite' | 'postgres',
  before: number,
  appliedAt: string,
): Promise<void> {
  await run(SCHEMA_MIGRATIONS_DDL[dialect]);
  for (const m of MIGRATIONS.filter((m) => m.version < before)) {
    await run(m[dialect]);
    await run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
      m.version,
      m.name,
      appliedAt,
    ]);
  }
}
