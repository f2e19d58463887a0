/**
 * Migration 5 on a database written before it: the display prefixes kept
 * characters of the keys (8 after `ssk_`, or the first 4 of an environment
 * key); afterwards only the constant marker is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from '../../../src/storage/migrations.js';
import { must } from '../../helpers/must.js';

test('migration 5 leaves no character of a key in api_keys.prefix', () => {
  const db = new DatabaseSync(':memory:');
  try {
    for (const m of MIGRATIONS.filter((m) => m.version < 5)) db.exec(m.sqlite);
    const insert = db.prepare(
      "INSERT INTO api_keys (id, name, role, prefix, hash, created_at) VALUES (?, ?, 'mobile', ?, ?, '2026-01-01T00:00:00.000Z')",
    );
    insert.run('1', 'cli-key', 'ssk_Ab3dE5fG', 'h1');
    insert.run('2', 'env-mobile-0011aabb', 'test', 'h2');
    db.exec(
      must(
        MIGRATIONS.find((m) => m.version === 5),
        'migration 5',
      ).sqlite,
    );
    const rows = db.prepare('SELECT id, prefix FROM api_keys ORDER BY id').all();
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [
        { id: '1', prefix: 'ssk_' },
        { id: '2', prefix: '' },
      ],
    );
  } finally {
    db.close();
  }
});
