import type { PoolClient } from 'pg';
import { randomUUID } from 'node:crypto';
import type { CatalogStore, ProductFilter, ProductInput, ProductPage, ProductRecord, UpsertOutcome } from '../types.js';
import { naturalKey, productChanged } from '../product-keys.js';
import { productWhere } from '../product-filter.js';
import { oneRow, PRODUCT_COLUMNS, productValues, toProduct, type Row } from '../rows.js';
import type { PostgresConnection } from './connection.js';

/** The catalog on PostgreSQL. */
export class PostgresCatalogStore implements CatalogStore {
  constructor(private readonly db: PostgresConnection) {}

  async upsertProducts(rows: ProductInput[]): Promise<UpsertOutcome[]> {
    return this.db.transaction(async (client) => {
      const outcomes: UpsertOutcome[] = [];
      for (const input of rows) outcomes.push(await upsertProduct(client, input));
      return outcomes;
    });
  }

  async productsByIds(ids: readonly string[]): Promise<Array<ProductRecord | null>> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.pool.query<Row>('SELECT * FROM products WHERE id = ANY($1::text[])', [ids]);
    const byId = new Map(rows.map((r) => [String(r.id), toProduct(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async productBySku(sku: string): Promise<ProductRecord | null> {
    const { rows } = await this.db.pool.query<Row>('SELECT * FROM products WHERE sku = $1', [sku]);
    return rows[0] ? toProduct(rows[0]) : null;
  }

  async listProducts(filter: ProductFilter, first: number, afterSeq: number | null): Promise<ProductPage> {
    const where = productWhere(filter, 'postgres');
    const params = [...where.params];
    const after = afterSeq === null ? '' : `${where.sql ? 'AND' : 'WHERE'} seq > $${params.push(afterSeq)}`;
    const limit = `$${params.push(first + 1)}`;
    const { rows } = await this.db.pool.query<Row>(
      `SELECT * FROM products ${where.sql} ${after} ORDER BY seq LIMIT ${limit}`,
      params,
    );
    return { rows: rows.slice(0, first).map(toProduct), hasNextPage: rows.length > first };
  }

  async countProducts(filter: ProductFilter): Promise<number> {
    const where = productWhere(filter, 'postgres');
    const { rows } = await this.db.pool.query<Row>(`SELECT count(*) AS n FROM products ${where.sql}`, where.params);
    return Number(rows[0]?.n ?? 0);
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
    existing = oneRow((await find()).rows, `product ${key}, inserted by another gateway`);
  }
  const before = toProduct(existing);
  if (!productChanged(before, input)) return { action: 'unchanged', product: before };
  const updated = await client.query<Row>(
    `UPDATE products SET (${PRODUCT_COLUMNS}, updated_at) = ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) WHERE id = $12 RETURNING *`,
    [...values, now, before.id],
  );
  return { action: 'updated', product: toProduct(oneRow(updated.rows, `the update of product ${before.id}`)) };
}
