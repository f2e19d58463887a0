/**
 * Experiment statistics: pure functions over variant roll-ups, with no I/O.
 * Methods and parameters: docs/experiments.md.
 */
export * from './types.js';
export { criticalValue, differenceInterval, liftInterval, wilsonInterval } from './intervals.js';
export { posterior, probabilityBeats } from './beta-binomial.js';
export {
  confidenceHalfWidth,
  differenceEstimate,
  logMixtureLikelihoodRatio,
  SEQUENTIAL_DEFAULTS,
  sequentialLook,
  type DifferenceEstimate,
  type SequentialOptions,
  type SequentialState,
} from './sequential.js';
export {
  analyzeExperiment,
  analyzeLooks,
  ANALYSIS_DEFAULTS,
  type AnalysisOptions,
  type Comparison,
  type Decision,
  type ExperimentAnalysis,
  type VariantAnalysis,
  type Verdict,
} from './analysis.js';
export { assignByWeights, assignmentPoint, checkWeights } from './assignment.js';
export {
  betaSample,
  createThompsonAllocator,
  gammaSample,
  THOMPSON_DEFAULTS,
  thompsonWeights,
  type AllocationWeights,
  type ThompsonAllocator,
  type ThompsonAllocatorOptions,
  type ThompsonOptions,
} from './thompson.js';
