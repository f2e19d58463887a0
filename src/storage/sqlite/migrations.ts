/**
 * Versioned migrations, applied in order at start inside one transaction
 * each. A migration is never edited once released: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'products',
    sql: `
      CREATE TABLE products (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        natural_key TEXT NOT NULL UNIQUE,
        sku TEXT UNIQUE,
        title TEXT NOT NULL,
        category TEXT,
        gender TEXT,
        attributes TEXT NOT NULL DEFAULT '[]',
        colors TEXT NOT NULL DEFAULT '[]',
        sizes TEXT NOT NULL DEFAULT '[]',
        materials TEXT NOT NULL DEFAULT '[]',
        image_url TEXT,
        reference_description TEXT,
        price REAL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX products_category ON products (lower(category));
    `,
  },
  {
    version: 2,
    name: 'descriptions',
    sql: `
      CREATE TABLE descriptions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        personalization_key TEXT NOT NULL,
        personalization TEXT,
        parameters TEXT NOT NULL DEFAULT '{}',
        finish_reason TEXT NOT NULL,
        latency_ms REAL NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        estimated_cost_usd REAL,
        attempts TEXT NOT NULL DEFAULT '[]',
        flags TEXT NOT NULL DEFAULT '[]',
        attribute_coverage REAL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX descriptions_lookup ON descriptions (product_id, personalization_key, seq DESC);
    `,
  },
];
