import pg from 'pg';
import type { PoolClient } from 'pg';
import { randomUUID } from 'node:crypto';
import type {
  ApiKeyInput,
  ApiKeyRecord,
  DescriptionInput,
  DescriptionLookup,
  DescriptionRecord,
  ProductFilter,
  ProductInput,
  ProductPage,
  ProductRecord,
  Storage,
  UpsertOutcome,
} from '../types.js';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL, type AppliedMigration } from '../migrations.js';
import { naturalKey, productChanged } from '../product-keys.js';
import { productWhere } from '../product-filter.js';
import { toDescription, toProduct, type Row } from '../rows.js';
import { pgTypeParsers } from './pg-types.js';
import { ApiKeySql } from '../api-key-sql.js';

export interface PostgresStorageOptions {
  /** A `postgres://` or `postgresql://` URL (required). */
  connectionString: string;
  /** Most pooled connections (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before a query fails, in ms (default 5000). */
  connectTimeoutMs?: number;
}

/**
 * Session-level advisory lock held while migrating, so that two gateways
 * starting against one database never both apply a migration. Advisory locks
 * are scoped to the current database, so separate databases never contend.
 */
const MIGRATION_LOCK_SQL = "hashtext('stylesprint-gateway:schema_migrations')";

const PRODUCT_COLUMNS = 'title, category, gender, attributes, colors, sizes, materials, image_url, reference_description, price';

function productValues(input: ProductInput): unknown[] {
  return [
    input.title,
    input.category ?? null,
    input.gender ?? null,
    JSON.stringify(input.attributes),
    JSON.stringify(input.colors),
    JSON.stringify(input.sizes),
    JSON.stringify(input.materials),
    input.imageUrl ?? null,
    input.referenceDescription ?? null,
    input.price ?? null,
  ];
}

/** PostgreSQL through a `pg.Pool`; open with `PostgresStorage.open()`, which migrates. */
export class PostgresStorage implements Storage {
  readonly kind = 'postgres' as const;
  private open = false;
  private readonly apiKeys: ApiKeySql;

  private constructor(private readonly pool: pg.Pool) {
    this.apiKeys = new ApiKeySql(async (sql, params) => {
      let i = 0;
      return (await this.pool.query<Row>(sql.replace(/\?/g, () => `$${++i}`), params as unknown[])).rows;
    });
    // An idle pooled connection that the server drops emits 'error' on the
    // pool; unhandled, that would crash the process. The pool discards the
    // client, and the next query reconnects or fails with its own error.
    pool.on('error', () => {});
  }

  /** Connects, applies pending migrations, and returns the open storage. */
  static async open(options: PostgresStorageOptions): Promise<PostgresStorage> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      types: pgTypeParsers,
    });
    const storage = new PostgresStorage(pool);
    try {
      await storage.migrate();
    } catch (error) {
      await pool.end();
      throw error;
    }
    storage.open = true;
    return storage;
  }

  /** Every applied migration, oldest first (the same shape as SqliteStorage's). */
  async migrationHistory(): Promise<AppliedMigration[]> {
    const { rows } = await this.pool.query<Row>('SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
    return rows.map((r) => ({ version: Number(r.version), name: String(r.name), appliedAt: String(r.applied_at) }));
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_SQL})`);
      try {
        // Under the lock: even CREATE TABLE IF NOT EXISTS races with itself.
        await client.query(SCHEMA_MIGRATIONS_DDL.postgres);
        const { rows } = await client.query<Row>('SELECT version FROM schema_migrations');
        const applied = new Set(rows.map((r) => Number(r.version)));
        for (const m of MIGRATIONS) {
          if (applied.has(m.version)) continue;
          await inTransaction(client, async () => {
            await client.query(m.postgres);
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
              m.version,
              m.name,
              new Date().toISOString(),
            ]);
          });
        }
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_SQL})`);
      }
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      // A connection that failed mid-way is destroyed, which also drops the lock.
      client.release(broken);
    }
  }

  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await inTransaction(client, () => fn(client));
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  isOpen(): boolean {
    return this.open && !this.pool.ending && !this.pool.ended;
  }

  async upsertProducts(rows: ProductInput[]): Promise<UpsertOutcome[]> {
    return this.transaction(async (client) => {
      const outcomes: UpsertOutcome[] = [];
      for (const input of rows) outcomes.push(await upsertProduct(client, input));
      return outcomes;
    });
  }

  async productsByIds(ids: readonly string[]): Promise<Array<ProductRecord | null>> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<Row>('SELECT * FROM products WHERE id = ANY($1::text[])', [ids]);
    const byId = new Map(rows.map((r) => [String(r.id), toProduct(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async productBySku(sku: string): Promise<ProductRecord | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM products WHERE sku = $1', [sku]);
    return rows[0] ? toProduct(rows[0]) : null;
  }

  async listProducts(filter: ProductFilter, first: number, afterSeq: number | null): Promise<ProductPage> {
    const where = productWhere(filter, 'postgres');
    const params = [...where.params];
    const after = afterSeq === null ? '' : `${where.sql ? 'AND' : 'WHERE'} seq > $${params.push(afterSeq)}`;
    const limit = `$${params.push(first + 1)}`;
    const { rows } = await this.pool.query<Row>(`SELECT * FROM products ${where.sql} ${after} ORDER BY seq LIMIT ${limit}`, params);
    return { rows: rows.slice(0, first).map(toProduct), hasNextPage: rows.length > first };
  }

  async countProducts(filter: ProductFilter): Promise<number> {
    const where = productWhere(filter, 'postgres');
    const { rows } = await this.pool.query<Row>(`SELECT count(*) AS n FROM products ${where.sql}`, where.params);
    return Number(rows[0]?.n ?? 0);
  }

  async insertDescription(input: DescriptionInput): Promise<DescriptionRecord> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO descriptions (id, product_id, text, provider, model, prompt_version, personalization_key, personalization, parameters, finish_reason,
        latency_ms, prompt_tokens, completion_tokens, estimated_cost_usd, attempts, flags, attribute_coverage, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING *`,
      [
        randomUUID(),
        input.productId,
        input.text,
        input.provider,
        input.model,
        input.promptVersion,
        input.personalizationKey,
        input.personalization ? JSON.stringify(input.personalization) : null,
        JSON.stringify(input.parameters),
        input.finishReason,
        input.latencyMs,
        input.promptTokens,
        input.completionTokens,
        input.estimatedCostUsd,
        JSON.stringify(input.attempts),
        JSON.stringify(input.flags),
        input.attributeCoverage,
        new Date().toISOString(),
      ],
    );
    return toDescription(rows[0] as Row);
  }

  async descriptionById(id: string): Promise<DescriptionRecord | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM descriptions WHERE id = $1', [id]);
    return rows[0] ? toDescription(rows[0]) : null;
  }

  async latestDescriptions(lookups: readonly DescriptionLookup[]): Promise<Array<DescriptionRecord | null>> {
    if (lookups.length === 0) return [];
    // One query for the whole batch: the newest row per lookup, by its position.
    const { rows } = await this.pool.query<Row>(
      `SELECT DISTINCT ON (k.ord) k.ord AS lookup_ord, d.*
        FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(product_id, personalization_key, provider, ord)
        JOIN descriptions d ON d.product_id = k.product_id AND d.personalization_key = k.personalization_key
          AND (k.provider IS NULL OR d.provider = k.provider)
        ORDER BY k.ord, d.seq DESC`,
      [lookups.map((l) => l.productId), lookups.map((l) => l.personalizationKey), lookups.map((l) => l.provider ?? null)],
    );
    const byPosition = new Map(rows.map((r) => [Number(r.lookup_ord) - 1, toDescription(r)]));
    return lookups.map((_, i) => byPosition.get(i) ?? null);
  }

  async newestDescriptionsForProducts(productIds: readonly string[]): Promise<Array<DescriptionRecord | null>> {
    if (productIds.length === 0) return [];
    const { rows } = await this.pool.query<Row>(
      'SELECT DISTINCT ON (product_id) * FROM descriptions WHERE product_id = ANY($1::text[]) ORDER BY product_id, seq DESC',
      [productIds],
    );
    const newest = new Map(rows.map((r) => [String(r.product_id), toDescription(r)]));
    return productIds.map((id) => newest.get(id) ?? null);
  }

  // API keys: the shared statements in api-key-sql.ts.
  insertApiKey(input: ApiKeyInput): Promise<ApiKeyRecord> {
    return this.apiKeys.insert(input);
  }
  provisionApiKey(input: ApiKeyInput): Promise<ApiKeyRecord | null> {
    return this.apiKeys.insertIfAbsent(input);
  }
  setApiKeyRole(id: string, role: ApiKeyRecord['role'], name: string): Promise<void> {
    return this.apiKeys.setRole(id, role, name);
  }
  apiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.apiKeys.byHash(hash);
  }
  listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.apiKeys.list();
  }
  revokeApiKey(idOrName: string): Promise<number> {
    return this.apiKeys.revoke(idOrName);
  }
  touchApiKey(id: string, at: string): Promise<void> {
    return this.apiKeys.touch(id, at);
  }
  countActiveApiKeys(): Promise<number> {
    return this.apiKeys.countActive();
  }

  async close(): Promise<void> {
    if (this.pool.ending || this.pool.ended) return;
    this.open = false;
    await this.pool.end();
  }
}

async function inTransaction<T>(client: PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Idempotent by natural key; the row is locked from read to write. */
async function upsertProduct(client: PoolClient, input: ProductInput): Promise<UpsertOutcome> {
  const key = naturalKey(input);
  const now = new Date().toISOString();
  const values = productValues(input);
  const find = () => client.query<Row>('SELECT * FROM products WHERE natural_key = $1 FOR UPDATE', [key]);
  let existing = (await find()).rows[0];
  if (!existing) {
    const inserted = await client.query<Row>(
      `INSERT INTO products (id, natural_key, sku, ${PRODUCT_COLUMNS}, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        ON CONFLICT (natural_key) DO NOTHING RETURNING *`,
      [randomUUID(), key, input.sku ?? null, ...values, now, now],
    );
    if (inserted.rows[0]) return { action: 'created', product: toProduct(inserted.rows[0]) };
    // Another gateway inserted this key after our read: it is now an existing row.
    existing = (await find()).rows[0] as Row;
  }
  const before = toProduct(existing);
  if (!productChanged(before, input)) return { action: 'unchanged', product: before };
  const updated = await client.query<Row>(
    `UPDATE products SET (${PRODUCT_COLUMNS}, updated_at) = ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) WHERE id = $12 RETURNING *`,
    [...values, now, before.id],
  );
  return { action: 'updated', product: toProduct(updated.rows[0] as Row) };
}
