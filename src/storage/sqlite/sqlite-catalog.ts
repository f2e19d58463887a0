import type { SQLInputValue } from 'node:sqlite';
import { randomUUID } from 'node:crypto';
import type { CatalogStore, ProductFilter, ProductInput, ProductPage, ProductRecord, UpsertOutcome } from '../types.js';
import { naturalKey, productChanged } from '../product-keys.js';
import { productWhere } from '../product-filter.js';
import { PRODUCT_COLUMNS, productValues, toProduct, type Row } from '../rows.js';
import type { SqliteConnection } from './connection.js';

/** The catalog on SQLite. */
export class SqliteCatalogStore implements CatalogStore {
  constructor(private readonly db: SqliteConnection) {}

  async upsertProducts(rows: ProductInput[]): Promise<UpsertOutcome[]> {
    const find = this.db.sql('SELECT * FROM products WHERE natural_key = ?');
    const insert = this.db.sql(`INSERT INTO products (id, natural_key, sku, ${PRODUCT_COLUMNS}, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const update = this.db.sql(
      `UPDATE products SET title = ?, category = ?, gender = ?, attributes = ?, colors = ?, sizes = ?, materials = ?, image_url = ?, reference_description = ?, price = ?, updated_at = ? WHERE id = ?`,
    );
    return this.db.transaction(() =>
      rows.map((input): UpsertOutcome => {
        const key = naturalKey(input);
        const now = new Date().toISOString();
        const existing = find.get(key);
        const values = productValues(input);
        if (!existing) {
          const id = randomUUID();
          insert.run(id, key, input.sku ?? null, ...values, now, now);
          return { action: 'created', product: toProduct(find.get(key) as Row) };
        }
        const before = toProduct(existing);
        if (!productChanged(before, input)) return { action: 'unchanged', product: before };
        update.run(...values, now, before.id);
        return { action: 'updated', product: toProduct(find.get(key) as Row) };
      }),
    );
  }

  async productsByIds(ids: readonly string[]): Promise<Array<ProductRecord | null>> {
    if (ids.length === 0) return [];
    const rows = this.db
      .sql(`SELECT * FROM products WHERE id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(ids)) as Row[];
    const byId = new Map(rows.map((r) => [String(r.id), toProduct(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async productBySku(sku: string): Promise<ProductRecord | null> {
    const row = this.db.sql('SELECT * FROM products WHERE sku = ?').get(sku) as Row | undefined;
    return row ? toProduct(row) : null;
  }

  async listProducts(filter: ProductFilter, first: number, afterSeq: number | null): Promise<ProductPage> {
    const where = productWhere(filter, 'sqlite');
    const after = afterSeq === null ? '' : `${where.sql ? 'AND' : 'WHERE'} seq > ?`;
    const params = [...where.params, ...(afterSeq === null ? [] : [afterSeq]), first + 1] as SQLInputValue[];
    const rows = this.db
      .sql(`SELECT * FROM products ${where.sql} ${after} ORDER BY seq LIMIT ?`)
      .all(...params) as Row[];
    return { rows: rows.slice(0, first).map(toProduct), hasNextPage: rows.length > first };
  }

  async countProducts(filter: ProductFilter): Promise<number> {
    const where = productWhere(filter, 'sqlite');
    return Number(
      this.db.sql(`SELECT count(*) AS n FROM products ${where.sql}`).get(...(where.params as SQLInputValue[]))?.n ?? 0,
    );
  }
}
