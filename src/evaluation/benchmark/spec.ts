/**
 * Builds and validates a run's spec from what a caller gave (API or CLI),
 * filling the defaults. Pure; a bad value throws SpecError with a message
 * meant for the caller.
 */
import { ALL_METRICS, type MetricName } from '../metrics/index.js';
import { DEFAULT_PROMPT_VERSION, PROMPT_VERSIONS } from '../../prompts/templates.js';
import type { BenchmarkRow, BenchmarkSpec, ModelSpec } from './types.js';

export class SpecError extends Error {
  override readonly name = 'SpecError';
}

/** Limits on one run. */
export const BENCHMARK_LIMITS = { rows: 500, models: 8, minResamples: 100, maxResamples: 10_000 } as const;

export interface SpecInput {
  rows: BenchmarkRow[];
  providers?: readonly string[] | null;
  candidates?: ReadonlyArray<{ name: string; texts: string[] }> | null;
  /** Default 0.2. */
  testShare?: number | null;
  /** Default 42. */
  seed?: number | null;
  /** Default false. */
  allRows?: boolean | null;
  /** Default: all five. */
  metrics?: readonly MetricName[] | null;
  /** Default: the prompt module's default version. */
  promptVersion?: string | null;
  /** Default 1000. */
  resamples?: number | null;
}

export function buildSpec(input: SpecInput): BenchmarkSpec {
  if (input.rows.length === 0) throw new SpecError('the dataset has no rows with a reference description');
  if (input.rows.length > BENCHMARK_LIMITS.rows)
    throw new SpecError(`at most ${BENCHMARK_LIMITS.rows} dataset rows per run`);
  const models: ModelSpec[] = [
    ...(input.providers ?? []).map((p): ModelSpec => ({ kind: 'provider', name: p, provider: p })),
    ...(input.candidates ?? []).map((c): ModelSpec => {
      if (c.texts.length !== input.rows.length) {
        throw new SpecError(
          `candidates "${c.name}": ${c.texts.length} texts for ${input.rows.length} dataset rows; they must line up`,
        );
      }
      return { kind: 'candidates', name: c.name, texts: c.texts };
    }),
  ];
  if (models.length === 0) throw new SpecError('name at least one provider or candidate set');
  if (models.length > BENCHMARK_LIMITS.models) throw new SpecError(`at most ${BENCHMARK_LIMITS.models} models per run`);
  const names = models.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new SpecError(`model "${dup}" is named twice`);
  const testShare = input.testShare ?? 0.2;
  if (!(testShare > 0 && testShare <= 1)) throw new SpecError('testShare must be in (0, 1]');
  const seed = input.seed ?? 42;
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1)
    throw new SpecError('seed must be an integer from 0 to 2^32 - 1');
  const resamples = input.resamples ?? 1000;
  if (
    !Number.isInteger(resamples) ||
    resamples < BENCHMARK_LIMITS.minResamples ||
    resamples > BENCHMARK_LIMITS.maxResamples
  ) {
    throw new SpecError(
      `resamples must be an integer from ${BENCHMARK_LIMITS.minResamples} to ${BENCHMARK_LIMITS.maxResamples}`,
    );
  }
  const metrics = input.metrics?.length ? [...new Set(input.metrics)] : [...ALL_METRICS];
  const unknown = metrics.find((m) => !ALL_METRICS.includes(m));
  if (unknown) throw new SpecError(`unknown metric "${unknown}" (known: ${ALL_METRICS.join(', ')})`);
  const promptVersion = input.promptVersion ?? DEFAULT_PROMPT_VERSION;
  if (!(PROMPT_VERSIONS as readonly string[]).includes(promptVersion))
    throw new SpecError(`unknown prompt version "${promptVersion}" (known: ${PROMPT_VERSIONS.join(', ')})`);
  return {
    rows: input.rows,
    models,
    testShare,
    seed,
    allRows: input.allRows ?? false,
    metrics,
    promptVersion,
    resamples,
  };
}
