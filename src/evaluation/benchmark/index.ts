/**
 * Benchmark runs: compare models on a dataset (quality, latency, cost) with
 * seeded splits, bootstrap intervals and paired tests. See docs/benchmark-runs.md.
 */
export * from './types.js';
export {
  seededRandom,
  seededShuffle,
  trainTestSplit,
  bootstrapCI,
  pairedPermutationTest,
  percentile,
  mean,
  type ConfidenceInterval,
  type PairedTest,
  type Split,
  type StatsOptions,
} from './stats.js';
export { parseDatasetCsv, parseCandidatesCsv, rowsFromProducts, resolveImage, DatasetError } from './dataset.js';
export { buildSpec, SpecError, BENCHMARK_LIMITS, type SpecInput } from './spec.js';
export { summarize, summaryMetrics, metricValue, EXCLUDING_FLAGS } from './summarize.js';
export { metadataOverlap, metadataStems, type MetadataOverlap, type MetadataSource } from './metadata-overlap.js';
export {
  BenchmarkRunner,
  BENCHMARK_POLICY,
  testRows,
  type BenchmarkRunnerOptions,
  type ProgressListener,
} from './runner.js';
