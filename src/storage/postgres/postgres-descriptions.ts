import type { DescriptionInput, DescriptionLookup, DescriptionRecord, DescriptionStore } from '../types.js';
import { toDescription, type Row } from '../rows.js';
import { descriptionInsert } from '../description-sql.js';
import type { PostgresConnection } from './connection.js';
import { numbered } from './postgres-publication.js';

/** Descriptions on PostgreSQL. */
export class PostgresDescriptionStore implements DescriptionStore {
  constructor(private readonly db: PostgresConnection) {}

  async insertDescription(input: DescriptionInput): Promise<DescriptionRecord> {
    const insert = descriptionInsert(input);
    await this.db.pool.query(numbered(insert.sql), insert.params);
    return insert.record;
  }

  async descriptionById(id: string): Promise<DescriptionRecord | null> {
    const { rows } = await this.db.pool.query<Row>('SELECT * FROM descriptions WHERE id = $1', [id]);
    return rows[0] ? toDescription(rows[0]) : null;
  }

  async latestDescriptions(lookups: readonly DescriptionLookup[]): Promise<Array<DescriptionRecord | null>> {
    if (lookups.length === 0) return [];
    // One query for the whole batch: the newest row per lookup, by its position.
    const { rows } = await this.db.pool.query<Row>(
      `SELECT DISTINCT ON (k.ord) k.ord AS lookup_ord, d.*
        FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(product_id, personalization_key, provider, ord)
        JOIN descriptions d ON d.product_id = k.product_id AND d.personalization_key = k.personalization_key
          AND (k.provider IS NULL OR d.provider = k.provider)
        ORDER BY k.ord, d.seq DESC`,
      [
        lookups.map((l) => l.productId),
        lookups.map((l) => l.personalizationKey),
        lookups.map((l) => l.provider ?? null),
      ],
    );
    const byPosition = new Map(rows.map((r) => [Number(r.lookup_ord) - 1, toDescription(r)]));
    return lookups.map((_, i) => byPosition.get(i) ?? null);
  }

  async newestDescriptionsForProducts(productIds: readonly string[]): Promise<Array<DescriptionRecord | null>> {
    if (productIds.length === 0) return [];
    const { rows } = await this.db.pool.query<Row>(
      'SELECT DISTINCT ON (product_id) * FROM descriptions WHERE product_id = ANY($1::text[]) ORDER BY product_id, seq DESC',
      [productIds],
    );
    const newest = new Map(rows.map((r) => [String(r.product_id), toDescription(r)]));
    return productIds.map((id) => newest.get(id) ?? null);
  }
}
