import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
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
import { ApiKeySql } from '../api-key-sql.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, WalCheckpointer } from './checkpointer.js';

/** The embedded default: one SQLite file in WAL mode, migrated at open. */
const MAX_CACHED_STATEMENTS = 256;
/** Writes after which checkpoints move to a worker thread; short-lived databases (tests, tools) never start one. */
const WRITES_BEFORE_CHECKPOINTER = 100;

export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  private readonly db: DatabaseSync;
  private open = true;
  private readonly apiKeys: ApiKeySql;
  /** Prepared statements by SQL text: preparing costs more than running these small queries. */
  private readonly statements = new Map<string, StatementSync>();
  /** Whether each API-key statement returns rows, by SQL text. */
  private readonly returnsRows = new Map<string, boolean>();
  private checkpointer: WalCheckpointer | undefined;
  private writes = 0;

  constructor(private readonly file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
    this.migrate();
    this.apiKeys = new ApiKeySql(async (sql, params) => {
      const stmt = this.sql(sql);
      let rows = this.returnsRows.get(sql);
      if (rows === undefined) this.returnsRows.set(sql, (rows = /^\s*select|returning/i.test(sql)));
      if (rows) return stmt.all(...(params as SQLInputValue[])) as Row[];
      stmt.run(...(params as SQLInputValue[]));
      return [];
    });
  }

  /** A cached prepared statement. Filter SQL varies with the filter's shape, so the cache is bounded. */
  private sql(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (!statement) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Versions applied so far, for tests and `/readyz`. */
  appliedMigrations(): number[] {
    return this.sql('SELECT version FROM schema_migrations ORDER BY version').all().map((r) => Number(r.version));
  }

  /** Every applied migration, oldest first (the same shape as PostgresStorage's). */
  async migrationHistory(): Promise<AppliedMigration[]> {
    return this
      .sql('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')
      .all()
      .map((r) => ({ version: Number(r.version), name: String(r.name), appliedAt: String(r.applied_at) }));
  }

  journalMode(): string {
    return String(this.sql('PRAGMA journal_mode').get()?.journal_mode);
  }

  private migrate(): void {
    this.db.exec(SCHEMA_MIGRATIONS_DDL.sqlite);
    const applied = new Set(this.appliedMigrations());
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.transaction(() => {
        this.db.exec(m.sqlite);
        this.sql('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      });
    }
  }

  private transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  isOpen(): boolean {
    return this.open;
  }

  async upsertProducts(rows: ProductInput[]): Promise<UpsertOutcome[]> {
    const find = this.sql('SELECT * FROM products WHERE natural_key = ?');
    const insert = this.sql(`INSERT INTO products (id, natural_key, sku, title, category, gender, attributes, colors, sizes, materials, image_url, reference_description, price, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const update = this.sql(`UPDATE products SET title = ?, category = ?, gender = ?, attributes = ?, colors = ?, sizes = ?, materials = ?, image_url = ?, reference_description = ?, price = ?, updated_at = ? WHERE id = ?`);
    return this.transaction(() =>
      rows.map((input): UpsertOutcome => {
        const key = naturalKey(input);
        const now = new Date().toISOString();
        const existing = find.get(key);
        const values = [
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
        ] as SQLInputValue[];
        if (!existing) {
          const id = randomUUID();
          insert.run(id, key, input.sku ?? null, ...values, now, now);
          return { action: 'created', product: toProduct(find.get(key) as Row) };
        }
        const before = toProduct(existing as Row);
        if (!productChanged(before, input)) return { action: 'unchanged', product: before };
        update.run(...values, now, before.id);
        return { action: 'updated', product: toProduct(find.get(key) as Row) };
      }),
    );
  }

  async productsByIds(ids: readonly string[]): Promise<Array<ProductRecord | null>> {
    if (ids.length === 0) return [];
    const rows = this
      .sql(`SELECT * FROM products WHERE id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(ids)) as Row[];
    const byId = new Map(rows.map((r) => [String(r.id), toProduct(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async productBySku(sku: string): Promise<ProductRecord | null> {
    const row = this.sql('SELECT * FROM products WHERE sku = ?').get(sku) as Row | undefined;
    return row ? toProduct(row) : null;
  }

  async listProducts(filter: ProductFilter, first: number, afterSeq: number | null): Promise<ProductPage> {
    const where = productWhere(filter, 'sqlite');
    const after = afterSeq === null ? '' : `${where.sql ? 'AND' : 'WHERE'} seq > ?`;
    const params = [...where.params, ...(afterSeq === null ? [] : [afterSeq]), first + 1] as SQLInputValue[];
    const rows = this.sql(`SELECT * FROM products ${where.sql} ${after} ORDER BY seq LIMIT ?`).all(...params) as Row[];
    return { rows: rows.slice(0, first).map(toProduct), hasNextPage: rows.length > first };
  }

  async countProducts(filter: ProductFilter): Promise<number> {
    const where = productWhere(filter, 'sqlite');
    return Number(this.sql(`SELECT count(*) AS n FROM products ${where.sql}`).get(...(where.params as SQLInputValue[]))?.n ?? 0);
  }

  async insertDescription(input: DescriptionInput): Promise<DescriptionRecord> {
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    const personalization = input.personalization ? JSON.stringify(input.personalization) : null;
    const parameters = JSON.stringify(input.parameters);
    const attempts = JSON.stringify(input.attempts);
    const flags = JSON.stringify(input.flags);
    this
      .sql(`INSERT INTO descriptions (id, product_id, text, provider, model, prompt_version, personalization_key, personalization, parameters, finish_reason,
        latency_ms, prompt_tokens, completion_tokens, estimated_cost_usd, attempts, flags, attribute_coverage, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        id,
        input.productId,
        input.text,
        input.provider,
        input.model,
        input.promptVersion,
        input.personalizationKey,
        personalization,
        parameters,
        input.finishReason,
        input.latencyMs,
        input.promptTokens,
        input.completionTokens,
        input.estimatedCostUsd,
        attempts,
        flags,
        input.attributeCoverage,
        createdAt,
      );
    this.wrote();
    // The row as it reads back (JSON columns parsed from the text just stored),
    // without reading it: the read was a fifth of the write's time.
    return toDescription({
      id,
      product_id: input.productId,
      text: input.text,
      provider: input.provider,
      model: input.model,
      prompt_version: input.promptVersion,
      personalization_key: input.personalizationKey,
      personalization,
      parameters,
      finish_reason: input.finishReason,
      latency_ms: input.latencyMs,
      prompt_tokens: input.promptTokens,
      completion_tokens: input.completionTokens,
      estimated_cost_usd: input.estimatedCostUsd,
      attempts,
      flags,
      attribute_coverage: input.attributeCoverage,
      created_at: createdAt,
    });
  }

  /** Counts writes; past WRITES_BEFORE_CHECKPOINTER, WAL checkpoints move to a worker thread (checkpointer.ts). */
  private wrote(): void {
    this.writes += 1;
    if (this.checkpointer || this.writes < WRITES_BEFORE_CHECKPOINTER || this.file === ':memory:' || !this.open) return;
    this.checkpointer = new WalCheckpointer(this.file);
    this.db.exec(`PRAGMA wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  }

  async descriptionById(id: string): Promise<DescriptionRecord | null> {
    const row = this.sql('SELECT * FROM descriptions WHERE id = ?').get(id) as Row | undefined;
    return row ? toDescription(row) : null;
  }

  async latestDescriptions(lookups: readonly DescriptionLookup[]): Promise<Array<DescriptionRecord | null>> {
    if (lookups.length === 0) return [];
    // One query for the whole batch, one row per lookup: the correlated
    // subquery walks descriptions_lookup newest-first and stops at the first
    // match, so the cost no longer grows with the product's stored history
    // (reading and mapping every row of it was the gateway's top CPU cost).
    const rows = this
      .sql(`SELECT k.key AS lookup_index, d.* FROM json_each(?) k JOIN descriptions d ON d.seq = (
          SELECT x.seq FROM descriptions x
          WHERE x.product_id = json_extract(k.value, '$.p') AND x.personalization_key = json_extract(k.value, '$.k')
            AND (json_extract(k.value, '$.v') IS NULL OR x.provider = json_extract(k.value, '$.v'))
          ORDER BY x.seq DESC LIMIT 1)`)
      .all(JSON.stringify(lookups.map((l) => ({ p: l.productId, k: l.personalizationKey, v: l.provider ?? null })))) as Row[];
    const byPosition = new Map(rows.map((r) => [Number(r.lookup_index), toDescription(r)]));
    return lookups.map((_, i) => byPosition.get(i) ?? null);
  }

  async newestDescriptionsForProducts(productIds: readonly string[]): Promise<Array<DescriptionRecord | null>> {
    if (productIds.length === 0) return [];
    // As in latestDescriptions: one row per product, not its whole history.
    const rows = this
      .sql(`SELECT d.* FROM json_each(?) k JOIN descriptions d ON d.seq = (
          SELECT x.seq FROM descriptions x WHERE x.product_id = k.value ORDER BY x.seq DESC LIMIT 1)`)
      .all(JSON.stringify(productIds)) as Row[];
    const newest = new Map<string, DescriptionRecord>();
    for (const r of rows) {
      const d = toDescription(r);
      if (!newest.has(d.productId)) newest.set(d.productId, d);
    }
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
    if (!this.open) return;
    this.open = false;
    await this.checkpointer?.close();
    this.db.close();
  }
}
