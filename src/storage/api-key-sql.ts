/**
 * The `api_keys` table (migration 4), one implementation for every backend:
 * each backend hands over a query function with `?` placeholders, so SQLite
 * and PostgreSQL run the same statements and cannot drift apart.
 */
import { randomUUID } from 'node:crypto';
import type { ApiKeyInput, ApiKeyRecord, ApiKeyStore } from './types.js';
import { oneRow, str, type Row, type SqlQuery } from './rows.js';

/** A timestamp column is a Date or text, by driver. */
const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : str(v));

function toApiKey(r: Row): ApiKeyRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    role: String(r.role) as ApiKeyRecord['role'],
    prefix: String(r.prefix),
    hash: String(r.hash),
    createdAt: iso(r.created_at) ?? '', // NOT NULL in the schema
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
  };
}

const INSERT = 'INSERT INTO api_keys (id, name, role, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)';
const insertParams = (id: string, input: ApiKeyInput): unknown[] => [
  id,
  input.name,
  input.role,
  input.prefix,
  input.hash,
  new Date().toISOString(),
];

export class ApiKeySql implements ApiKeyStore {
  constructor(private readonly query: SqlQuery) {}

  async insert(input: ApiKeyInput): Promise<ApiKeyRecord> {
    const id = randomUUID();
    await this.query(INSERT, insertParams(id, input));
    return toApiKey(oneRow(await this.query('SELECT * FROM api_keys WHERE id = ?', [id]), 'the inserted API key'));
  }

  /**
   * Inserts unless a key with this hash (or an active key with this name)
   * exists, and returns the stored key with this hash: the new row, or the one
   * already there, revoked or not. Null when only the name was taken. Safe
   * when several gateways provision the same keys at once.
   */
  async insertIfAbsent(input: ApiKeyInput): Promise<ApiKeyRecord | null> {
    // No conflict target: the hash and the active-name index both make it a no-op.
    await this.query(`${INSERT} ON CONFLICT DO NOTHING`, insertParams(randomUUID(), input));
    return this.byHash(input.hash);
  }

  async setRole(id: string, role: ApiKeyInput['role'], name: string): Promise<void> {
    await this.query('UPDATE api_keys SET role = ?, name = ? WHERE id = ?', [role, name, id]);
  }

  async byHash(hash: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.query('SELECT * FROM api_keys WHERE hash = ?', [hash]);
    return row ? toApiKey(row) : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await this.query('SELECT * FROM api_keys ORDER BY created_at, name', [])).map(toApiKey);
  }

  /** Revokes the active key with this id or name; returns how many were revoked (0 or 1). */
  async revoke(idOrName: string): Promise<number> {
    const now = new Date().toISOString();
    const rows = await this.query(
      'UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL AND (id = ? OR name = ?) RETURNING id',
      [now, idOrName, idOrName],
    );
    return rows.length;
  }

  async touch(id: string, at: string): Promise<void> {
    await this.query('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [at, id]);
  }

  async countActive(): Promise<number> {
    const [row] = await this.query('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL', []);
    return Number(row?.n ?? 0);
  }
}
