import type { SqlDialect } from './migrations.js';
import type { ProductFilter } from './types.js';

/**
 * The product filter as SQL, one definition for every backend so that both
 * match the same rows: category is a case-insensitive exact match, search a
 * case-insensitive substring of the title, the reference description or the
 * serialised attribute list (the user's `%`, `_` and `\` taken literally),
 * and every tag must be among the attributes, case-insensitively.
 */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** LIKE pattern with the user's %, _ and \ taken literally. */
export const likePattern = (s: string) => `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * `WHERE …` for a filter ('' when it filters nothing). `firstParam` numbers
 * Postgres placeholders ($1, $2, …) so callers can append their own after it.
 */
export function productWhere(filter: ProductFilter, dialect: SqlDialect, firstParam = 1): SqlFragment {
  const parts: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown): string => {
    params.push(value);
    return dialect === 'sqlite' ? '?' : `$${firstParam + params.length - 1}`;
  };
  if (filter.category) parts.push(`lower(category) = lower(${p(filter.category)})`);
  if (filter.search) {
    const pattern = likePattern(filter.search);
    // Postgres keeps a json column's text as written, the same bytes SQLite stores.
    const attributes = dialect === 'sqlite' ? 'attributes' : 'attributes::text';
    const like = (column: string) => `lower(${column}) LIKE ${p(pattern)} ESCAPE '\\'`;
    parts.push(`(${like('title')} OR ${like("coalesce(reference_description, '')")} OR ${like(attributes)})`);
  }
  for (const tag of filter.tags ?? []) {
    parts.push(
      dialect === 'sqlite'
        ? `EXISTS (SELECT 1 FROM json_each(products.attributes) WHERE lower(json_each.value) = lower(${p(tag)}))`
        : `EXISTS (SELECT 1 FROM json_array_elements_text(products.attributes) AS a(value) WHERE lower(a.value) = lower(${p(tag)}))`,
    );
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}
