import type { SQLInputValue } from 'node:sqlite';
import type { DescriptionInput, DescriptionLookup, DescriptionRecord, DescriptionStore } from '../types.js';
import { toDescription, type Row } from '../rows.js';
import { descriptionInsert } from '../description-sql.js';
import type { SqliteConnection } from './connection.js';

/** Descriptions on SQLite. */
export class SqliteDescriptionStore implements DescriptionStore {
  constructor(private readonly db: SqliteConnection) {}

  async insertDescription(input: DescriptionInput): Promise<DescriptionRecord> {
    const insert = descriptionInsert(input);
    this.db.sql(insert.sql).run(...(insert.params as SQLInputValue[]));
    this.db.wrote();
    // The record from what was written: reading the row back cost more than building it.
    return insert.record;
  }

  async descriptionById(id: string): Promise<DescriptionRecord | null> {
    const row = this.db.sql('SELECT * FROM descriptions WHERE id = ?').get(id) as Row | undefined;
    return row ? toDescription(row) : null;
  }

  async latestDescriptions(lookups: readonly DescriptionLookup[]): Promise<Array<DescriptionRecord | null>> {
    if (lookups.length === 0) return [];
    // One query for the whole batch, one row per lookup: the correlated
    // subquery walks descriptions_lookup newest-first and stops at the first
    // match, so the cost no longer grows with the product's stored history
    // (reading and mapping every row of it was the gateway's top CPU cost).
    const rows = this.db
      .sql(
        `SELECT k.key AS lookup_index, d.* FROM json_each(?) k JOIN descriptions d ON d.seq = (
          SELECT x.seq FROM descriptions x
          WHERE x.product_id = json_extract(k.value, '$.p') AND x.personalization_key = json_extract(k.value, '$.k')
            AND (json_extract(k.value, '$.v') IS NULL OR x.provider = json_extract(k.value, '$.v'))
          ORDER BY x.seq DESC LIMIT 1)`,
      )
      .all(
        JSON.stringify(lookups.map((l) => ({ p: l.productId, k: l.personalizationKey, v: l.provider ?? null }))),
      ) as Row[];
    const byPosition = new Map(rows.map((r) => [Number(r.lookup_index), toDescription(r)]));
    return lookups.map((_, i) => byPosition.get(i) ?? null);
  }

  async newestDescriptionsForProducts(productIds: readonly string[]): Promise<Array<DescriptionRecord | null>> {
    if (productIds.length === 0) return [];
    // As in latestDescriptions: one row per product, not its whole history.
    const rows = this.db
      .sql(
        `SELECT d.* FROM json_each(?) k JOIN descriptions d ON d.seq = (
          SELECT x.seq FROM descriptions x WHERE x.product_id = k.value ORDER BY x.seq DESC LIMIT 1)`,
      )
      .all(JSON.stringify(productIds)) as Row[];
    const newest = new Map<string, DescriptionRecord>();
    for (const r of rows) {
      const d = toDescription(r);
      if (!newest.has(d.productId)) newest.set(d.productId, d);
    }
    return productIds.map((id) => newest.get(id) ?? null);
  }
}
