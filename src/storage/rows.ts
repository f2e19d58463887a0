import type { DescriptionRecord, ProductInput, ProductRecord } from './types.js';

/**
 * Row mapping shared by every backend. Each backend hands over rows in one
 * shape: JSON columns as their text, timestamps as ISO strings, numbers as
 * numbers or numeric strings (Postgres BIGINT), so one mapper gives both the
 * same records.
 */
export type Row = Record<string, unknown>;

/** Runs one statement with `?` placeholders on a backend's connection; returns the rows (empty for writes without RETURNING). */
export type SqlQuery = (sql: string, params: readonly unknown[]) => Promise<Row[]>;

/**
 * The one row a statement must give back (an INSERT or UPDATE … RETURNING,
 * a read of the row just written, an aggregate): its absence is a broken
 * database, not a missing record.
 */
export function oneRow(rows: readonly Row[], what: string): Row {
  const [row] = rows;
  if (row === undefined) throw new Error(`storage: no row came back for ${what}`);
  return row;
}

const json = <T>(v: unknown, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback);
/** A nullable column as text (the stores of this folder share it). */
// eslint-disable-next-line @typescript-eslint/no-base-to-string -- a column's value from either driver is a scalar (text, number, bigint)
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The product columns a write sets, in the order of `productValues`. */
export const PRODUCT_COLUMNS =
  'title, category, gender, attributes, colors, sizes, materials, image_url, reference_description, price';

/** A product's column values for an insert or update, in the order of `PRODUCT_COLUMNS`: lists as JSON text, absent fields as NULL. */
export function productValues(input: ProductInput): Array<string | number | null> {
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

export function toProduct(r: Row): ProductRecord {
  return {
    id: String(r.id),
    seq: Number(r.seq),
    sku: str(r.sku),
    title: String(r.title),
    category: str(r.category),
    gender: str(r.gender),
    attributes: json<string[]>(r.attributes, []),
    colors: json<string[]>(r.colors, []),
    sizes: json<string[]>(r.sizes, []),
    materials: json<string[]>(r.materials, []),
    imageUrl: str(r.image_url),
    referenceDescription: str(r.reference_description),
    price: num(r.price),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

export function toDescription(r: Row): DescriptionRecord {
  return {
    id: String(r.id),
    productId: String(r.product_id),
    text: String(r.text),
    provider: String(r.provider),
    model: String(r.model),
    promptVersion: String(r.prompt_version),
    personalizationKey: String(r.personalization_key),
    personalization: r.personalization ? json<Record<string, unknown>>(r.personalization, {}) : null,
    parameters: json<Record<string, unknown>>(r.parameters, {}),
    finishReason: String(r.finish_reason),
    latencyMs: Number(r.latency_ms),
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
    estimatedCostUsd: num(r.estimated_cost_usd),
    attempts: json<DescriptionRecord['attempts']>(r.attempts, []),
    flags: json<DescriptionRecord['flags']>(r.flags, []),
    attributeCoverage: num(r.attribute_coverage),
    createdAt: String(r.created_at),
  };
}
