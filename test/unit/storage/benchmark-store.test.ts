import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PostgresStorage, SqliteStorage } from '../../../src/storage/index.js';
import type {
  BenchmarkSpec,
  BenchmarkStore,
  BenchmarkSummary,
  RowResult,
} from '../../../src/evaluation/benchmark/types.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { must } from '../../helpers/must.js';

const dir = tempDir('stylesprint-benchstore');

// The store keeps specs, summaries and rows as JSON, so any JSON shapes do for a round trip.
const spec = { models: [{ name: 'onnx' }], seed: 42 } as unknown as BenchmarkSpec;
const row = (model: string, rowIndex: number, text: string): RowResult =>
  ({ model, rowIndex, text, error: null, excluded: false, flags: [] }) as unknown as RowResult;

/** The same behaviour on both backends: runs, status changes, idempotent row saves, recovery queries, restart. */
function benchmarkStoreSuite(open: () => Promise<{ store: BenchmarkStore; close(): Promise<void> }>) {
  test('runs, results and status survive a reopen; a resaved row replaces the old one', async () => {
    const first = await open();
    const created = await first.store.createRun('run-1', spec, 3);
    assert.deepEqual(
      [created.status, created.total, created.done, created.error, created.summary],
      ['PENDING', 3, 0, null, null],
    );
    assert.deepEqual(created.spec, spec);
    await first.store.setStatus('run-1', 'RUNNING');
    await first.store.saveResults('run-1', [row('onnx', 0, 'a'), row('onnx', 1, 'b')]);
    await first.store.saveResults('run-1', [row('onnx', 1, 'b2')]);
    assert.equal((await first.store.run('run-1'))?.done, 2, 'a resaved row is not counted twice');
    assert.deepEqual(
      (await first.store.runsWithStatus(['RUNNING'])).map((r) => r.id),
      ['run-1'],
    );
    await first.close();

    const second = await open();
    const results = await second.store.results('run-1');
    assert.deepEqual(
      results.map((r) => [r.model, r.rowIndex, r.text]),
      [
        ['onnx', 0, 'a'],
        ['onnx', 1, 'b2'],
      ],
    );
    const summary = { models: [], pairs: [] } as unknown as BenchmarkSummary;
    await second.store.setStatus('run-1', 'COMPLETED', { summary, error: null });
    const done = must(await second.store.run('run-1'), 'run-1');
    assert.equal(done.status, 'COMPLETED');
    assert.deepEqual(done.summary, summary);
    assert.ok(Date.parse(done.updatedAt) >= Date.parse(done.createdAt));
    assert.deepEqual(await second.store.runsWithStatus(['RUNNING', 'PENDING']), []);
    assert.equal(await second.store.run('no-such-run'), null);
    await second.close();
  });
}

describe('benchmark store on SQLite', () => {
  const file = path.join(dir, 'bench.db');
  benchmarkStoreSuite(async () => {
    const storage = new SqliteStorage(file); // migrates
    return { store: storage.benchmarks, close: () => storage.close() };
  });
});

const postgres = await createTestDatabase();
if (!postgres.ok) {
  console.warn(`[benchmark-store.test] PostgreSQL benchmark store SKIPPED: ${postgres.reason}`);
  test('benchmark store on PostgreSQL', { skip: postgres.reason }, () => {});
} else {
  const { database } = postgres;
  after(() => database.drop());
  describe('benchmark store on PostgreSQL', () => {
    benchmarkStoreSuite(async () => {
      const storage = await PostgresStorage.open({ connectionString: database.url }); // migrates
      return { store: storage.benchmarks, close: () => storage.close() };
    });
  });
}
