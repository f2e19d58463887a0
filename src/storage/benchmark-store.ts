/**
 * Benchmark runs in the database (tables from migration 3), one
 * implementation over the storage's query function, so that SQLite and
 * PostgreSQL run the same statements on the connection the storage owns.
 */
import type {
  BenchmarkStore,
  BenchmarkSpec,
  BenchmarkSummary,
  RowResult,
  RunRecord,
  RunStatus,
} from '../evaluation/benchmark/types.js';
import { str, type Row, type SqlQuery } from './rows.js';

const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));

function toRun(r: Row): RunRecord {
  return {
    id: String(r.id),
    status: String(r.status) as RunStatus,
    spec: parseJson<BenchmarkSpec>(r.spec),
    total: Number(r.total),
    done: Number(r.done),
    error: str(r.error),
    summary: r.summary === null || r.summary === undefined ? null : parseJson<BenchmarkSummary>(r.summary),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export class SqlBenchmarkStore implements BenchmarkStore {
  constructor(private readonly query: SqlQuery) {}

  async createRun(id: string, spec: BenchmarkSpec, total: number): Promise<RunRecord> {
    const now = new Date().toISOString();
    await this.query(
      'INSERT INTO benchmark_runs (id, status, spec, total, done, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)',
      [id, 'PENDING', JSON.stringify(spec), total, now, now],
    );
    const run = await this.run(id);
    if (!run) throw new Error(`benchmark store: run ${id} is not there after its insert`);
    return run;
  }

  async run(id: string): Promise<RunRecord | null> {
    const [row] = await this.query('SELECT * FROM benchmark_runs WHERE id = ?', [id]);
    return row ? toRun(row) : null;
  }

  async runsWithStatus(statuses: readonly RunStatus[]): Promise<RunRecord[]> {
    if (statuses.length === 0) return [];
    const marks = statuses.map(() => '?').join(', ');
    return (
      await this.query(`SELECT * FROM benchmark_runs WHERE status IN (${marks}) ORDER BY created_at`, statuses)
    ).map(toRun);
  }

  async setStatus(
    id: string,
    status: RunStatus,
    fields: { error?: string | null; summary?: BenchmarkSummary | null } = {},
  ): Promise<void> {
    const sets = ['status = ?', 'updated_at = ?'];
    const params: unknown[] = [status, new Date().toISOString()];
    if (fields.error !== undefined) {
      sets.push('error = ?');
      params.push(fields.error);
    }
    if (fields.summary !== undefined) {
      sets.push('summary = ?');
      params.push(fields.summary === null ? null : JSON.stringify(fields.summary));
    }
    await this.query(`UPDATE benchmark_runs SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }

  async saveResults(runId: string, results: readonly RowResult[]): Promise<void> {
    for (const r of results) {
      await this.query(
        `INSERT INTO benchmark_results (run_id, model, row_index, result) VALUES (?, ?, ?, ?)
         ON CONFLICT (run_id, model, row_index) DO UPDATE SET result = excluded.result`,
        [runId, r.model, r.rowIndex, JSON.stringify(r)],
      );
    }
    // A count, not an increment: saving a row twice (a resumed chunk) must not overcount.
    await this.query(
      'UPDATE benchmark_runs SET done = (SELECT count(*) FROM benchmark_results WHERE run_id = ?), updated_at = ? WHERE id = ?',
      [runId, new Date().toISOString(), runId],
    );
  }

  async results(runId: string): Promise<RowResult[]> {
    const rows = await this.query('SELECT result FROM benchmark_results WHERE run_id = ? ORDER BY model, row_index', [
      runId,
    ]);
    return rows.map((r) => parseJson<RowResult>(r.result));
  }
}
