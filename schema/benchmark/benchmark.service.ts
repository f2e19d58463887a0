import type { Logger } from 'pino';
import type { ProviderRegistry } from '../../providers/index.js';
import type { Config } from '../../src/config.js';
import { BadUserInputError } from '../../src/errors/index.js';
import {
  BenchmarkRunner,
  buildSpec,
  DatasetError,
  parseDatasetCsv,
  rowsFromProducts,
  SpecError,
  summarize,
  testRows,
  type BenchmarkRow,
  type RowResult,
  type RunRecord,
} from '../../src/evaluation/benchmark/index.js';
import type { GenerationRouter } from '../../src/routing/types.js';
import { estimateCostUsd, type ModelPrice } from '../../src/pricing.js';
import type { PromptVersion } from '../../src/prompts/templates.js';
import { openPostgresBenchmarkStore, openSqliteBenchmarkStore } from '../../src/storage/benchmark-store.js';
import type { ProductRecord, Storage } from '../../src/storage/types.js';
import type { DescriptionService } from '../../src/descriptions/description.service.js';
import { toMetricNames } from '../evaluation/evaluation.type.js';
import type { RunBenchmarkInput } from './benchmark.input.js';
import { BenchmarkStatus, type BenchmarkRowResult, type BenchmarkRun } from './benchmark.type.js';

/** A dataset row as the catalog record the prompt builder reads (no reference: prompts never see it). */
function rowAsProduct(row: BenchmarkRow): ProductRecord {
  return {
    id: row.productId ?? `benchmark-row-${row.index}`,
    seq: row.index,
    sku: null,
    title: row.title,
    category: row.category ?? null,
    gender: row.gender ?? null,
    attributes: row.attributes,
    colors: [],
    sizes: [],
    materials: [],
    imageUrl: null,
    referenceDescription: null,
    price: null,
    createdAt: '',
    updatedAt: '',
  };
}

function toRowResult(r: RowResult, row: BenchmarkRow | undefined): BenchmarkRowResult {
  return {
    model: r.model,
    rowIndex: r.rowIndex,
    title: row?.title ?? '',
    reference: row?.reference ?? '',
    text: r.text,
    error: r.error,
    ...r.scores,
    semanticSimilarity: r.semantic,
    semanticReason: r.semanticReason,
    clipScore: r.clipScore,
    clipReferenceDelta: r.clipReferenceDelta,
    clipReason: r.clipReason,
    flags: r.flags.map((f) => ({ ...f, start: null, end: null, suggestion: null })),
    excluded: r.excluded,
    latencyMs: r.latencyMs,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    estimatedCostUsd: r.costUsd,
  };
}

/** A stored run (and its rows) as the API shows it; the summary is recomputed from the rows while it runs. */
export function toBenchmarkRun(run: RunRecord, results: RowResult[]): BenchmarkRun {
  const summary = run.summary ?? summarize(run.spec, testRows(run.spec), results);
  const rows = new Map(run.spec.rows.map((r) => [r.index, r]));
  return {
    id: run.id,
    status: run.status as BenchmarkStatus,
    progress: { done: run.done, total: run.total },
    error: run.error,
    seed: run.spec.seed,
    testShare: run.spec.testShare,
    allRows: run.spec.allRows,
    promptVersion: run.spec.promptVersion,
    testRows: summary.testRows,
    models: summary.models.map((m) => ({ ...m, estimatedCostUsd: m.costUsd })),
    comparisons: summary.comparisons,
    excludedRows: summary.excludedRows,
    rows: results.map((r) => toRowResult(r, rows.get(r.rowIndex))),
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  };
}

export interface BenchmarkServiceParts {
  config: Pick<Config, 'databasePath' | 'maxCsvBytes'> & { databaseUrl?: string | undefined };
  storage: Storage;
  router: GenerationRouter;
  registry: ProviderRegistry;
  descriptions: DescriptionService;
  prices: Record<string, ModelPrice>;
  logger: Logger;
}

/** Starts and reads benchmark runs. Shared by every request (and used by tools/benchmark.ts). */
export class BenchmarkService {
  readonly runner: BenchmarkRunner;

  constructor(private readonly parts: BenchmarkServiceParts) {
    const { config, storage, router, registry, descriptions, prices, logger } = parts;
    const store = storage.kind === 'postgres' && config.databaseUrl ? openPostgresBenchmarkStore(config.databaseUrl) : openSqliteBenchmarkStore(config.databasePath);
    this.runner = new BenchmarkRunner({
      store,
      router,
      embedder: registry.embedder,
      scorer: registry.imageTextScorer,
      providerIds: () => registry.generatorIds(),
      buildRequest: (row, promptVersion, seed) => descriptions.buildRequest({ product: rowAsProduct(row), policy: 'internal', params: { seed }, promptVersion: promptVersion as PromptVersion }),
      costOf: (providerId, model, promptTokens, completionTokens) =>
        estimateCostUsd(prices, registry.generator(providerId)?.kind ?? providerId, model, promptTokens, completionTokens),
      logger,
    });
  }

  /** Validates the input, stores the run and starts it; the run is PENDING when this resolves. */
  async start(input: RunBenchmarkInput): Promise<BenchmarkRun> {
    try {
      const rows = await this.datasetRows(input);
      const spec = buildSpec({ ...input, rows, metrics: toMetricNames(input.metrics) ?? null });
      const run = await this.runner.start(spec);
      return toBenchmarkRun(run, []);
    } catch (error) {
      if (error instanceof SpecError || error instanceof DatasetError || error instanceof RangeError) throw new BadUserInputError(error.message, { reason: 'INVALID_BENCHMARK' });
      throw error;
    }
  }

  async get(id: string): Promise<BenchmarkRun | null> {
    const run = await this.runner.get(id);
    return run ? toBenchmarkRun(run, await this.runner.results(id)) : null;
  }

  private async datasetRows(input: RunBenchmarkInput): Promise<BenchmarkRow[]> {
    const csv = input.datasetCsv ?? null;
    const ids = input.productIds ?? null;
    if ((csv === null) === (ids === null)) throw new SpecError('give exactly one of datasetCsv and productIds');
    if (csv !== null) {
      if (Buffer.byteLength(csv) > this.parts.config.maxCsvBytes) throw new SpecError(`datasetCsv is larger than ${this.parts.config.maxCsvBytes} bytes`);
      // No base folder: a CSV sent over the API must not make the server read its own files.
      return parseDatasetCsv(csv, { baseDir: null });
    }
    const products = await this.parts.storage.productsByIds([...new Set(ids)]);
    const missing = ids!.filter((_, i) => !products[i]);
    if (missing.length) throw new SpecError(`products not found: ${missing.slice(0, 5).join(', ')}`);
    return rowsFromProducts(products as ProductRecord[]);
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
