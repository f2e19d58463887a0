/**
 * The driver that calls the pure experiment functions directly, standing in
 * for the server: assignment by hash or by a Thompson allocator, roll-ups
 * kept in memory, and the analysis folded look by look as the server will
 * fold its stored one.
 */
import {
  analyzeExperiment,
  assignByWeights,
  createThompsonAllocator,
  type ExperimentAnalysis,
  type ThompsonOptions,
  type VariantCounts,
} from '../../src/experiments/index.js';
import type { ExperimentDesign, ExperimentDriver, ExperimentRun, Outcome } from './driver.js';

export interface InProcessDriverOptions extends ThompsonOptions {
  /** Seconds between recomputations of Thompson weights. Default 300, as the store's default. */
  refreshSeconds?: number;
}

interface Snapshot {
  at: number;
  counts: VariantCounts[];
}

class InProcessRun implements ExperimentRun {
  private counts: VariantCounts[];
  /** Cumulative counts after each record, oldest first: the roll-ups as of any moment. */
  private readonly history: Snapshot[] = [];
  private previous: ExperimentAnalysis | undefined;
  private clock = 0;
  private readonly assignOne: (sessionId: string) => Promise<number>;

  constructor(
    private readonly design: ExperimentDesign,
    options: InProcessDriverOptions,
  ) {
    this.counts = design.variants.map((id) => ({ id, exposures: 0, conversions: 0 }));
    if (design.allocation === 'FIXED') {
      const weights = design.weights ?? design.variants.map(() => 1);
      this.assignOne = async (sessionId) => assignByWeights(design.id, sessionId, weights);
    } else {
      const allocator = createThompsonAllocator({
        ...options,
        experimentId: design.id,
        now: () => this.clock,
        readCounts: (asOf) => this.countsBefore(asOf.getTime()),
      });
      this.assignOne = (sessionId) => allocator.assign(sessionId);
    }
  }

  /** The roll-ups counting events strictly before `at`. */
  private countsBefore(at: number): VariantCounts[] {
    let lo = 0;
    let hi = this.history.length;
    // mid is below history.length, and so is lo - 1 at the end (the last entry recorded before `at`, if any).
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.history[mid]?.at ?? Infinity) < at) lo = mid + 1;
      else hi = mid;
    }
    return this.history[lo - 1]?.counts ?? this.design.variants.map((id) => ({ id, exposures: 0, conversions: 0 }));
  }

  async assign(sessionIds: readonly string[], at: Date): Promise<number[]> {
    this.clock = at.getTime();
    const out: number[] = [];
    for (const id of sessionIds) out.push(await this.assignOne(id));
    return out;
  }

  async record(outcomes: readonly Outcome[], at: Date): Promise<void> {
    const next = this.counts.map((c) => ({ ...c }));
    for (const o of outcomes) {
      const c = next[o.variant];
      if (!c) throw new Error(`an outcome of variant ${o.variant}, which the design does not have`);
      c.exposures += 1;
      if (o.converted) c.conversions += 1;
    }
    this.counts = next;
    this.history.push({ at: at.getTime(), counts: next });
  }

  async analyze(): Promise<ExperimentAnalysis> {
    this.previous = analyzeExperiment(this.counts, { minSample: this.design.minSample }, this.previous);
    return this.previous;
  }
}

/** A driver over the pure functions of src/experiments. */
export function createInProcessDriver(options: InProcessDriverOptions = {}): ExperimentDriver {
  return {
    name: 'in-process (src/experiments called directly)',
    start: async (design) => new InProcessRun(design, options),
    close: async () => {},
  };
}
