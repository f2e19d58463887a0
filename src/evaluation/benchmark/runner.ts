/**
 * Runs benchmarks in the background. A run is stored before it starts and
 * each finished chunk of rows is stored as it completes, so a crash loses at
 * most one chunk: at the next start `recover()` resumes every run left
 * PENDING or RUNNING from the rows not yet done, or marks it FAILED with the
 * reason when it cannot be resumed. Shared by every request.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Embedder, GenerationRequest, ImageTextScorer } from '../../../providers/types.js';
import type { GenerationRouter } from '../../routing/types.js';
import type { FactVocabulary } from '../checks/facts/index.js';
import { scoreChunk, type Produced } from './score.js';
import { trainTestSplit } from './stats.js';
import { summarize } from './summarize.js';
import type { BenchmarkRow, BenchmarkSpec, BenchmarkStore, ModelSpec, RowResult, RunRecord } from './types.js';

/** Routing policy of benchmark generations: internal traffic, the provider pinned. */
export const BENCHMARK_POLICY = 'internal';

export interface BenchmarkRunnerOptions {
  store: BenchmarkStore;
  router: GenerationRouter;
  embedder: Embedder | null;
  scorer: ImageTextScorer | null;
  /** The generation request for a row (the prompt never includes the reference), with the seed to send. */
  buildRequest(row: BenchmarkRow, promptVersion: string, seed: number): GenerationRequest;
  /** Estimated cost of one call; null when the model has no price. */
  costOf(providerId: string, model: string, promptTokens: number, completionTokens: number): number | null;
  /** Ids of the configured generators: a run naming another fails at once. */
  providerIds(): string[];
  logger: Logger;
  /** The fact check's vocabulary for each row's text. Default: the bundled one. */
  vocabulary?: FactVocabulary;
  /** Rows generated and stored together. Default 4. */
  chunkSize?: number;
}

export type ProgressListener = (run: { id: string; done: number; total: number }) => void;

/** The evaluated rows of a spec: the seeded test split, or every row. */
export function testRows(spec: Pick<BenchmarkSpec, 'rows' | 'allRows' | 'testShare' | 'seed'>): number[] {
  if (spec.allRows) return spec.rows.map((r) => r.index);
  const split = trainTestSplit(spec.rows.length, spec.testShare, spec.seed);
  return split.test.map((i) => {
    const row = spec.rows[i];
    if (row === undefined) throw new Error(`benchmark: test split names row ${i} of ${spec.rows.length}`);
    return row.index;
  });
}

/**
 * The generation seed of one row: the run's seed and the row, so a rerun (or
 * a resumed run) asks a seedable model for the same text, while rows do not
 * all draw the same sample.
 */
export const rowSeed = (seed: number, rowIndex: number): number => (seed + rowIndex * 0x9e3779b1) >>> 0;

export class BenchmarkRunner {
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly listeners = new Set<ProgressListener>();
  private closed = false;

  constructor(private readonly options: BenchmarkRunnerOptions) {}

  /** Stores the run and starts it; resolves with the PENDING run at once. */
  async start(spec: BenchmarkSpec): Promise<RunRecord> {
    const unknown = spec.models.filter(
      (m) => m.kind === 'provider' && !this.options.providerIds().includes(m.provider),
    );
    if (unknown.length)
      throw new RangeError(
        `provider(s) not configured: ${unknown.map((m) => (m as { provider: string }).provider).join(', ')}`,
      );
    const run = await this.options.store.createRun(randomUUID(), spec, testRows(spec).length * spec.models.length);
    this.launch(run);
    return run;
  }

  get(id: string): Promise<RunRecord | null> {
    return this.options.store.run(id);
  }

  results(id: string): Promise<RowResult[]> {
    return this.options.store.results(id);
  }

  /** Called with each stored chunk's progress. Returns an unsubscribe function. */
  onProgress(listener: ProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the run is no longer executing in this process. */
  async settled(id: string): Promise<void> {
    await this.active.get(id)?.done;
  }

  /** Resumes every run left PENDING or RUNNING (by a crash or a stop); fails those that cannot resume. */
  async recover(): Promise<string[]> {
    const stuck = await this.options.store.runsWithStatus(['PENDING', 'RUNNING']);
    for (const run of stuck) {
      const missing = run.spec.models.filter(
        (m) => m.kind === 'provider' && !this.options.providerIds().includes(m.provider),
      );
      if (missing.length) {
        const reason = `interrupted and not resumable: provider(s) ${missing.map((m) => (m as { provider: string }).provider).join(', ')} no longer configured`;
        await this.options.store.setStatus(run.id, 'FAILED', { error: reason });
        this.options.logger.warn({ runId: run.id }, reason);
        continue;
      }
      this.options.logger.info(
        { runId: run.id, done: run.done, total: run.total },
        'resuming interrupted benchmark run',
      );
      this.launch(run);
    }
    return stuck.map((r) => r.id);
  }

  /** Stops running work; runs stay RUNNING in the database and resume at the next start. */
  async close(): Promise<void> {
    this.closed = true;
    for (const a of this.active.values()) a.controller.abort(new Error('benchmark runner closing'));
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }

  private launch(run: RunRecord): void {
    if (this.closed) return;
    const controller = new AbortController();
    const done = this.execute(run, controller.signal)
      .catch(async (error: unknown) => {
        if (controller.signal.aborted) return;
        const message = error instanceof Error ? error.message : String(error);
        this.options.logger.error({ err: error, runId: run.id }, 'benchmark run failed');
        await this.options.store.setStatus(run.id, 'FAILED', { error: message }).catch(() => {});
      })
      .finally(() => this.active.delete(run.id));
    this.active.set(run.id, { controller, done });
  }

  private async execute(run: RunRecord, signal: AbortSignal): Promise<void> {
    const { store } = this.options;
    const spec = run.spec;
    await store.setStatus(run.id, 'RUNNING');
    const evaluated = testRows(spec);
    const byIndex = new Map(spec.rows.map((r) => [r.index, r]));
    const have = new Set((await store.results(run.id)).map((r) => `${r.model}\u0000${r.rowIndex}`));
    const size = this.options.chunkSize ?? 4;
    for (const model of spec.models) {
      const todo = evaluated.filter((i) => !have.has(`${model.name}\u0000${i}`)).flatMap((i) => byIndex.get(i) ?? []); // test rows are rows of the spec
      for (let k = 0; k < todo.length; k += size) {
        signal.throwIfAborted();
        const produced = await this.produce(model, todo.slice(k, k + size), spec, signal);
        const { embedder, scorer, vocabulary } = this.options;
        const scored = await scoreChunk(produced, {
          metrics: spec.metrics,
          embedder,
          scorer,
          signal,
          ...(vocabulary ? { vocabulary } : {}),
        });
        signal.throwIfAborted();
        await store.saveResults(run.id, scored);
        const now = await store.run(run.id);
        for (const l of this.listeners) l({ id: run.id, done: now?.done ?? 0, total: run.total });
      }
    }
    const summary = summarize(spec, evaluated, await store.results(run.id));
    await store.setStatus(run.id, 'COMPLETED', { summary, error: null });
  }

  private async produce(
    model: ModelSpec,
    rows: BenchmarkRow[],
    spec: BenchmarkSpec,
    signal: AbortSignal,
  ): Promise<Produced[]> {
    if (model.kind === 'candidates')
      return rows.map((row) => ({ row, model: model.name, text: model.texts[row.index] ?? '' }));
    const requests = rows.map((row) =>
      this.options.buildRequest(row, spec.promptVersion, rowSeed(spec.seed, row.index)),
    );
    const routed = await this.options.router.generate(
      requests.map((request) => ({
        request,
        options: { policy: BENCHMARK_POLICY, provider: model.provider, signal, bypassCache: true },
      })),
    );
    return routed.map((r, i): Produced => {
      // The router returns one result per request, in order.
      const row = rows[i];
      const request = requests[i];
      if (row === undefined || request === undefined)
        throw new Error(`benchmark: ${routed.length} results for ${rows.length} rows`);
      if (!r.ok)
        return {
          row,
          model: model.name,
          text: null,
          error: `${r.code}: ${r.error.message}`,
          prompt: request.prompt,
        };
      const g = r.result;
      return {
        row,
        model: model.name,
        text: g.text,
        prompt: request.prompt,
        latencyMs: g.latencyMs,
        promptTokens: g.promptTokens,
        completionTokens: g.completionTokens,
        costUsd: this.options.costOf(g.providerId, g.model, g.promptTokens, g.completionTokens),
      };
    });
  }
}
