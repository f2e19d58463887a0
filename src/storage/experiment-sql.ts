/**
 * The experiments' own tables (migration 7), one implementation for every
 * backend, on a query function with `?` placeholders like api-key-sql.ts.
 * Recording events is per backend (sqlite/sqlite-events.ts,
 * postgres/postgres-events.ts): it is the hot path and each database batches
 * its own way.
 */
import { randomUUID } from 'node:crypto';
import { str, type Row, type SqlQuery } from './rows.js';
import { sessionKey } from './event-rollup.js';
import type {
  ExperimentInput,
  ExperimentRecord,
  ExperimentStatus,
  ExperimentStore,
  RollupRow,
} from './experiment-types.js';

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));

function toExperiment(r: Row, productIds: string[]): ExperimentRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    metric: String(r.metric) as ExperimentRecord['metric'],
    allocation: String(r.allocation) as ExperimentRecord['allocation'],
    minSample: r.min_sample === null || r.min_sample === undefined ? null : Number(r.min_sample),
    refreshSeconds: Number(r.refresh_seconds),
    status: String(r.status) as ExperimentStatus,
    winnerVariantId: str(r.winner_variant_id),
    variants: JSON.parse(String(r.variants)) as ExperimentRecord['variants'],
    productIds,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** `?, ?, …` for n parameters. */
const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

export class ExperimentSql implements ExperimentStore {
  constructor(private readonly query: SqlQuery) {}

  async create(input: ExperimentInput): Promise<ExperimentRecord> {
    const id = randomUUID();
    const now = new Date().toISOString();
    // The product rows go first: reads join them to the experiment row, so a
    // create that fails half-way leaves nothing anyone sees.
    for (const productId of input.productIds)
      await this.query('INSERT INTO experiment_products (experiment_id, product_id) VALUES (?, ?)', [id, productId]);
    await this.query(
      `INSERT INTO experiments (id, name, metric, allocation, min_sample, refresh_seconds, status, winner_variant_id, variants, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'RUNNING', NULL, ?, ?, ?)`,
      [
        id,
        input.name,
        input.metric,
        input.allocation,
        input.minSample,
        input.refreshSeconds,
        JSON.stringify(input.variants),
        now,
        now,
      ],
    );
    return { ...input, id, status: 'RUNNING', winnerVariantId: null, createdAt: now, updatedAt: now };
  }

  async byId(id: string): Promise<ExperimentRecord | null> {
    const [row] = await this.query('SELECT * FROM experiments WHERE id = ?', [id]);
    return row ? ((await this.withProducts([row]))[0] ?? null) : null;
  }

  async list(): Promise<ExperimentRecord[]> {
    return this.withProducts(await this.query('SELECT * FROM experiments ORDER BY created_at, id', []));
  }

  async activeForProducts(productIds: readonly string[]): Promise<ExperimentRecord[]> {
    if (productIds.length === 0) return [];
    const rows = await this.query(
      `SELECT DISTINCT e.* FROM experiments e JOIN experiment_products p ON p.experiment_id = e.id
       WHERE e.status IN ('RUNNING', 'PAUSED') AND p.product_id IN (${marks(productIds.length)}) ORDER BY e.created_at, e.id`,
      productIds,
    );
    return this.withProducts(rows);
  }

  async setStatus(
    id: string,
    status: ExperimentStatus,
    winnerVariantId: string | null,
  ): Promise<ExperimentRecord | null> {
    await this.query('UPDATE experiments SET status = ?, winner_variant_id = ?, updated_at = ? WHERE id = ?', [
      status,
      winnerVariantId,
      new Date().toISOString(),
      id,
    ]);
    return this.byId(id);
  }

  async sessionVariants(
    sessions: ReadonlyArray<{ experimentId: string; sessionId: string }>,
  ): Promise<Array<string | null>> {
    if (sessions.length === 0) return [];
    const experiments = [...new Set(sessions.map((s) => s.experimentId))];
    const ids = [...new Set(sessions.map((s) => s.sessionId))];
    // The cross product of the two lists is read and the pairs asked for kept: one read, where a page holds a few experiments and one session.
    const rows = await this.query(
      `SELECT experiment_id, session_id, variant_id FROM experiment_sessions WHERE experiment_id IN (${marks(experiments.length)}) AND session_id IN (${marks(ids.length)})`,
      [...experiments, ...ids],
    );
    const byKey = new Map(
      rows.map((r) => [sessionKey(String(r.experiment_id), String(r.session_id)), String(r.variant_id)]),
    );
    return sessions.map((s) => byKey.get(sessionKey(s.experimentId, s.sessionId)) ?? null);
  }

  async rollups(experimentId: string, beforeBucket?: number): Promise<RollupRow[]> {
    const rows =
      beforeBucket === undefined
        ? await this.query(
            'SELECT variant_id, bucket, exposures, conversions FROM experiment_rollups WHERE experiment_id = ? ORDER BY bucket, variant_id',
            [experimentId],
          )
        : await this.query(
            'SELECT variant_id, bucket, exposures, conversions FROM experiment_rollups WHERE experiment_id = ? AND bucket < ? ORDER BY bucket, variant_id',
            [experimentId, beforeBucket],
          );
    return rows.map((r) => ({
      variantId: String(r.variant_id),
      bucket: Number(r.bucket),
      exposures: Number(r.exposures),
      conversions: Number(r.conversions),
    }));
  }

  /** The records of these experiment rows, with their products read in one query for all of them. */
  private async withProducts(rows: readonly Row[]): Promise<ExperimentRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => String(r.id));
    const products = await this.query(
      `SELECT experiment_id, product_id FROM experiment_products WHERE experiment_id IN (${marks(ids.length)}) ORDER BY product_id`,
      ids,
    );
    const byExperiment = new Map<string, string[]>(ids.map((id) => [id, []]));
    for (const p of products) byExperiment.get(String(p.experiment_id))?.push(String(p.product_id));
    return rows.map((r) => toExperiment(r, byExperiment.get(String(r.id)) ?? []));
  }
}
