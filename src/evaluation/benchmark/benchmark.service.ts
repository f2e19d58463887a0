import type { Logger } from 'pino';
import type { ProviderRegistry } from '../../../providers/index.js';
import type { Config } from '../../config.js';
import { BadUserInputError } from '../../errors/index.js';
import {
  BenchmarkRunner,
  buildSpec,
  DatasetError,
  parseDatasetCsv,
  rowsFromProducts,
  SpecError,
  type BenchmarkRow,
  type RowResult,
  type RunRecord,
  type SpecInput,
} from './index.js';
import type { GenerationRouter } from '../../routing/types.js';
import { estimateCostUsd, type ModelPrice } from '../../pricing.js';
import type { PromptVersion } from '../../prompts/templates.js';
import type { ProductRecord, Storage } from '../../storage/types.js';
import type { DescriptionService } from '../../descriptions/description.service.js';
import type { FactVocabulary } from '../checks/facts/index.js';

/** What a caller asks to benchmark: a dataset (exactly one of a CSV and catalog product ids) and the spec's settings. */
export interface BenchmarkRequest extends Omit<SpecInput, 'rows'> {
  datasetCsv?: string | null;
  productIds?: string[] | null;
}

/** A stored run and the row results it has so far. */
export interface BenchmarkRunState {
  run: RunRecord;
  results: RowResult[];
}

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

export interface BenchmarkServiceParts {
  config: Pick<Config, 'maxCsvBytes'>;
  storage: Storage;
  router: GenerationRouter;
  registry: ProviderRegistry;
  descriptions: DescriptionService;
  prices: Record<string, ModelPrice>;
  logger: Logger;
  /** The fact check's vocabulary (the check service's). Default: the bundled one. */
  vocabulary?: FactVocabulary;
}

/** Starts and reads benchmark runs. Shared by every request (and used by tools/benchmark.ts). */
export class BenchmarkService {
  readonly runner: BenchmarkRunner;

  constructor(private readonly parts: BenchmarkServiceParts) {
    const { storage, router, registry, descriptions, prices, logger, vocabulary } = parts;
    this.runner = new BenchmarkRunner({
      store: storage.benchmarks,
      router,
      embedder: registry.embedder,
      scorer: registry.imageTextScorer,
      providerIds: () => registry.generatorIds(),
      buildRequest: (row, promptVersion, seed) =>
        descriptions.buildRequest({
          product: rowAsProduct(row),
          policy: 'internal',
          params: { seed },
          promptVersion: promptVersion as PromptVersion,
        }),
      costOf: (providerId, model, promptTokens, completionTokens) =>
        estimateCostUsd(
          prices,
          registry.generator(providerId)?.kind ?? providerId,
          model,
          promptTokens,
          completionTokens,
        ),
      logger,
      ...(vocabulary ? { vocabulary } : {}),
    });
  }

  /** Validates the input, stores the run and starts it; the run is PENDING when this resolves. */
  async start(input: BenchmarkRequest): Promise<BenchmarkRunState> {
    try {
      const rows = await this.datasetRows(input);
      const spec = buildSpec({ ...input, rows });
      const run = await this.runner.start(spec);
      return { run, results: [] };
    } catch (error) {
      if (error instanceof SpecError || error instanceof DatasetError || error instanceof RangeError)
        throw new BadUserInputError(error.message, { reason: 'INVALID_BENCHMARK' });
      throw error;
    }
  }

  async get(id: string): Promise<BenchmarkRunState | null> {
    const run = await this.runner.get(id);
    return run ? { run, results: await this.runner.results(id) } : null;
  }

  private async datasetRows(input: BenchmarkRequest): Promise<BenchmarkRow[]> {
    const csv = input.datasetCsv ?? null;
    const ids = input.productIds ?? null;
    if (csv !== null && ids === null) {
      if (Buffer.byteLength(csv) > this.parts.config.maxCsvBytes)
        throw new SpecError(`datasetCsv is larger than ${this.parts.config.maxCsvBytes} bytes`);
      // No base folder: a CSV sent over the API must not make the server read its own files.
      return parseDatasetCsv(csv, { baseDir: null });
    }
    if (csv !== null || ids === null) throw new SpecError('give exactly one of datasetCsv and productIds');
    const unique = [...new Set(ids)];
    const products = await this.parts.storage.catalog.productsByIds(unique);
    const missing = unique.filter((_, i) => !products[i]);
    if (missing.length) throw new SpecError(`products not found: ${missing.slice(0, 5).join(', ')}`);
    return rowsFromProducts(products.filter((p): p is ProductRecord => p !== null));
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
