/**
 * Versioned migrations, one list for every backend, applied in order at
 * start inside one transaction each and recorded in `schema_migrations`
 * (version, name, applied_at). A migration is never edited once released:
 * add a new one, with the SQL of each dialect side by side so that the
 * backends cannot drift apart.
 *
 * The Postgres columns keep SQLite's meaning: JSON fields use `json` (not
 * `jsonb`), which keeps the text exactly as written, so key order survives a
 * round trip and the product search matches the same serialised attribute
 * list in both backends. Timestamps are `timestamptz` written from the same
 * millisecond `toISOString()` value that SQLite stores as text.
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export type SqlDialect = 'sqlite' | 'postgres';

/** A row of `schema_migrations`, as both backends report it. */
export interface AppliedMigration {
  version: number;
  name: string;
  /** ISO 8601 with milliseconds, as `Date.prototype.toISOString()` writes it. */
  appliedAt: string;
}

export const SCHEMA_MIGRATIONS_DDL: Readonly<Record<SqlDialect, string>> = {
  sqlite:
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  postgres:
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
};

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'products',
    sqlite: `
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
    postgres: `
      CREATE TABLE products (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        natural_key TEXT NOT NULL UNIQUE,
        sku TEXT UNIQUE,
        title TEXT NOT NULL,
        category TEXT,
        gender TEXT,
        attributes JSON NOT NULL DEFAULT '[]',
        colors JSON NOT NULL DEFAULT '[]',
        sizes JSON NOT NULL DEFAULT '[]',
        materials JSON NOT NULL DEFAULT '[]',
        image_url TEXT,
        reference_description TEXT,
        price DOUBLE PRECISION,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX products_category ON products (lower(category));
    `,
  },
  {
    version: 2,
    name: 'descriptions',
    sqlite: `
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
    postgres: `
      CREATE TABLE descriptions (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        personalization_key TEXT NOT NULL,
        personalization JSON,
        parameters JSON NOT NULL DEFAULT '{}',
        finish_reason TEXT NOT NULL,
        latency_ms DOUBLE PRECISION NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        estimated_cost_usd DOUBLE PRECISION,
        attempts JSON NOT NULL DEFAULT '[]',
        flags JSON NOT NULL DEFAULT '[]',
        attribute_coverage DOUBLE PRECISION,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX descriptions_lookup ON descriptions (product_id, personalization_key, seq DESC);
    `,
  },
  {
    version: 3,
    name: 'benchmark_runs',
    sqlite: `
      CREATE TABLE benchmark_runs (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        spec TEXT NOT NULL,
        total INTEGER NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        summary TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX benchmark_runs_status ON benchmark_runs (status, created_at);
      CREATE TABLE benchmark_results (
        run_id TEXT NOT NULL REFERENCES benchmark_runs (id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        row_index INTEGER NOT NULL,
        result TEXT NOT NULL,
        PRIMARY KEY (run_id, model, row_index)
      );
    `,
    postgres: `
      CREATE TABLE benchmark_runs (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        spec JSON NOT NULL,
        total INTEGER NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        summary JSON,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX benchmark_runs_status ON benchmark_runs (status, created_at);
      CREATE TABLE benchmark_results (
        run_id TEXT NOT NULL REFERENCES benchmark_runs (id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        row_index INTEGER NOT NULL,
        result JSON NOT NULL,
        PRIMARY KEY (run_id, model, row_index)
      );
    `,
  },
  {
    // Gateway API keys: only a SHA-256 of each key is kept, with a short
    // prefix for display. A name is unique among active keys, so a revoked
    // name can be reused.
    version: 4,
    name: 'api_keys',
    sqlite: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        last_used_at TEXT
      );
      CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;
    `,
    postgres: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ,
        last_used_at TIMESTAMPTZ
      );
      CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;
    `,
  },
  {
    // The display prefix held characters of the key (8 random ones after
    // `ssk_`, or the first 4 of an environment key): keep only the constant
    // marker. Keys are told apart by a fingerprint of the hash instead.
    version: 5,
    name: 'api_keys_prefix_without_secret',
    sqlite: `UPDATE api_keys SET prefix = CASE WHEN substr(prefix, 1, 4) = 'ssk_' THEN 'ssk_' ELSE '' END;`,
    postgres: `UPDATE api_keys SET prefix = CASE WHEN substr(prefix, 1, 4) = 'ssk_' THEN 'ssk_' ELSE '' END;`,
  },
  {
    // The publication lifecycle (src/publication/, src/storage/publication-*.ts):
    // one state row per description (its slot, status and versions), every
    // version's text with its check, and every change of status. At most one
    // description is published per slot, by the partial unique index. Rows
    // stored before this migration get their state at start, checked and
    // triaged by the publication policy (PublicationService.sweep), so that
    // the check's vocabulary, which SQL cannot run, decides their verdicts.
    version: 6,
    name: 'publication_lifecycle',
    sqlite: `
      CREATE TABLE publication_states (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        description_id TEXT NOT NULL UNIQUE REFERENCES descriptions (id) ON DELETE CASCADE,
        product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        locale TEXT NOT NULL,
        channel TEXT NOT NULL,
        segment TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED', 'REJECTED', 'SUPERSEDED')),
        version INTEGER NOT NULL,
        published_version INTEGER,
        verdict TEXT,
        complete INTEGER NOT NULL,
        published_by TEXT,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX publication_one_published ON publication_states (product_id, locale, channel, segment) WHERE status = 'PUBLISHED';
      CREATE INDEX publication_slot ON publication_states (product_id, locale, channel, segment, seq);
      CREATE INDEX publication_queue ON publication_states (status, seq);
      CREATE TABLE description_versions (
        description_id TEXT NOT NULL REFERENCES descriptions (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        author_name TEXT NOT NULL,
        author_role TEXT NOT NULL,
        verdict TEXT,
        findings TEXT,
        note TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (description_id, version)
      );
      CREATE TABLE publication_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        description_id TEXT NOT NULL REFERENCES descriptions (id) ON DELETE CASCADE,
        product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        action TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT NOT NULL,
        version INTEGER NOT NULL,
        actor_name TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        note TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX publication_events_product ON publication_events (product_id, seq);
      CREATE INDEX publication_events_description ON publication_events (description_id, seq);
    `,
    postgres: `
      CREATE TABLE publication_states (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        description_id TEXT NOT NULL UNIQUE REFERENCES descriptions (id) ON DELETE CASCADE,
        product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        locale TEXT NOT NULL,
        channel TEXT NOT NULL,
        segment TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED', 'REJECTED', 'SUPERSEDED')),
        version INTEGER NOT NULL,
        published_version INTEGER,
        verdict TEXT,
        complete INTEGER NOT NULL,
        published_by TEXT,
        updated_at TIMESTAMPTZ NOT NULL
      );
      CREATE UNIQUE INDEX publication_one_published ON publication_states (product_id, locale, channel, segment) WHERE status = 'PUBLISHED';
      CREATE INDEX publication_slot ON publication_states (product_id, locale, channel, segment, seq);
      CREATE INDEX publication_queue ON publication_states (status, seq);
      CREATE TABLE description_versions (
        description_id TEXT NOT NULL REFERENCES descriptions (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        author_name TEXT NOT NULL,
        author_role TEXT NOT NULL,
        verdict TEXT,
        findings JSON,
        note TEXT,
        created_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (description_id, version)
      );
      CREATE TABLE publication_events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        description_id TEXT NOT NULL REFERENCES descriptions (id) ON DELETE CASCADE,
        product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        action TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT NOT NULL,
        version INTEGER NOT NULL,
        actor_name TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        note TEXT,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX publication_events_product ON publication_events (product_id, seq);
      CREATE INDEX publication_events_description ON publication_events (description_id, seq);
    `,
  },
  {
    // Experiments, the events the mobile app reports, and what the analysis
    // reads. Version 6 is the publication lifecycle's. Events are append-only
    // and idempotent by event_id; each experiment session is one row (its
    // first variant, whether it was exposed and converted), and the roll-ups
    // count sessions per experiment × variant × hour bucket, kept in the
    // events' transaction so that no read scans the events.
    version: 7,
    name: 'experiments_and_events',
    sqlite: `
      CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        metric TEXT NOT NULL,
        allocation TEXT NOT NULL,
        min_sample INTEGER,
        refresh_seconds INTEGER NOT NULL,
        status TEXT NOT NULL,
        winner_variant_id TEXT,
        variants TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE experiment_products (
        experiment_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        PRIMARY KEY (product_id, experiment_id)
      );
      CREATE TABLE events (
        event_id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        session_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        description_id TEXT,
        experiment_id TEXT,
        variant_id TEXT,
        occurred_at TEXT NOT NULL,
        value REAL,
        received_at TEXT NOT NULL
      );
      CREATE TABLE experiment_sessions (
        experiment_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        variant_id TEXT NOT NULL,
        exposed INTEGER NOT NULL,
        converted INTEGER NOT NULL,
        PRIMARY KEY (experiment_id, session_id)
      );
      CREATE TABLE experiment_rollups (
        experiment_id TEXT NOT NULL,
        variant_id TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        exposures INTEGER NOT NULL,
        conversions INTEGER NOT NULL,
        PRIMARY KEY (experiment_id, bucket, variant_id)
      );
    `,
    postgres: `
      CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        metric TEXT NOT NULL,
        allocation TEXT NOT NULL,
        min_sample INTEGER,
        refresh_seconds INTEGER NOT NULL,
        status TEXT NOT NULL,
        winner_variant_id TEXT,
        variants TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE experiment_products (
        experiment_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        PRIMARY KEY (product_id, experiment_id)
      );
      CREATE TABLE events (
        event_id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        session_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        description_id TEXT,
        experiment_id TEXT,
        variant_id TEXT,
        occurred_at TEXT NOT NULL,
        value DOUBLE PRECISION,
        received_at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE experiment_sessions (
        experiment_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        variant_id TEXT NOT NULL,
        exposed BOOLEAN NOT NULL,
        converted BOOLEAN NOT NULL,
        PRIMARY KEY (experiment_id, session_id)
      );
      CREATE TABLE experiment_rollups (
        experiment_id TEXT NOT NULL,
        variant_id TEXT NOT NULL,
        bucket BIGINT NOT NULL,
        exposures BIGINT NOT NULL,
        conversions BIGINT NOT NULL,
        PRIMARY KEY (experiment_id, bucket, variant_id)
      );
    `,
  },
  {
    // The lifecycle's reads by status within products and slots: storing a
    // generated text looks for the slot's untouched drafts (DRAFT or
    // IN_REVIEW), a shopper's read for the products' PUBLISHED texts, and
    // generating on read for the slots in use. On publication_slot the first
    // walked every state the slot ever had, superseded ones included, so each
    // generation cost more than the one before; on publication_queue the
    // second walked every published text of the catalog. With the status
    // first, each reads only the rows it returns.
    version: 8,
    name: 'publication_status_slot',
    sqlite: `CREATE INDEX publication_status_slot ON publication_states (status, product_id, locale, channel, segment);`,
    postgres: `CREATE INDEX publication_status_slot ON publication_states (status, product_id, locale, channel, segment);`,
  },
  {
    // Fewer b-trees written per stored generation. No read goes by status to
    // a SUPERSEDED row (history goes by slot, a description by its key), so
    // the two status indexes keep live rows only: a superseded row leaves
    // them instead of moving within them, and they stay the size of the
    // live catalog. The queries that use them repeat the literal predicate,
    // which is how SQLite proves a partial index applies. No query reads
    // publication_events by product (history joins the events by
    // description). On SQLite, description_versions is read and written only
    // by its primary key, so clustering the rows on it drops the rowid
    // b-tree beside the key's index.
    version: 9,
    name: 'publication_fewer_pages',
    sqlite: `
      DROP INDEX publication_queue;
      CREATE INDEX publication_queue ON publication_states (status, seq) WHERE status <> 'SUPERSEDED';
      DROP INDEX publication_status_slot;
      CREATE INDEX publication_status_slot ON publication_states (status, product_id, locale, channel, segment) WHERE status <> 'SUPERSEDED';
      DROP INDEX publication_events_product;
      CREATE TABLE description_versions_by_key (
        description_id TEXT NOT NULL REFERENCES descriptions (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        author_name TEXT NOT NULL,
        author_role TEXT NOT NULL,
        verdict TEXT,
        findings TEXT,
        note TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (description_id, version)
      ) WITHOUT ROWID;
      INSERT INTO description_versions_by_key (description_id, version, text, author_name, author_role, verdict, findings, note, created_at)
        SELECT description_id, version, text, author_name, author_role, verdict, findings, note, created_at FROM description_versions;
      DROP TABLE description_versions;
      ALTER TABLE description_versions_by_key RENAME TO description_versions;
    `,
    postgres: `
      DROP INDEX publication_queue;
      CREATE INDEX publication_queue ON publication_states (status, seq) WHERE status <> 'SUPERSEDED';
      DROP INDEX publication_status_slot;
      CREATE INDEX publication_status_slot ON publication_states (status, product_id, locale, channel, segment) WHERE status <> 'SUPERSEDED';
      DROP INDEX publication_events_product;
    `,
  },
];
