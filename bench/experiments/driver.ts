/**
 * The seam between the simulated shoppers and the store they shop in. The
 * simulation only talks to an ExperimentDriver, so the same shoppers can
 * drive the pure functions in this process (in-process.ts) or a real
 * server through GraphQL (graphql.ts): createExperiment, Product.description(sessionId)
 * for the assignment, recordEvents for impressions and add-to-carts, and
 * experiment(id) for the daily look, with the server's clock injected so a
 * simulated month passes in seconds.
 */
import type { ExperimentAnalysis, VariantCounts } from '../../src/experiments/index.js';

export type Allocation = 'FIXED' | 'THOMPSON';

export interface ExperimentDesign {
  /** Unique per run: fixed-weight assignment hashes it with the session id. */
  id: string;
  /** Variant ids; the first is the control. */
  variants: string[];
  allocation: Allocation;
  /** FIXED only: one weight per variant. */
  weights?: number[];
  /** Exposures per variant before the analysis may recommend a stop. */
  minSample: number;
}

/** What one session did: it saw its variant once and added to cart or not. */
export interface Outcome {
  sessionId: string;
  variant: number;
  converted: boolean;
}

/** What a look tells the simulation: the decision, the winner, and the counts per variant (control first). */
export type LookResult = Pick<ExperimentAnalysis, 'decision' | 'winnerId'> & { variants: VariantCounts[] };

export interface ExperimentRun {
  /** The variant index each new session is shown at `at`. */
  assign(sessionIds: readonly string[], at: Date): Promise<number[]>;
  /** Records the sessions' events (an impression, and an add-to-cart when converted) at `at`. */
  record(outcomes: readonly Outcome[], at: Date): Promise<void>;
  /** The analysis a person looking at the experiment at `at` would see. */
  analyze(at: Date): Promise<LookResult>;
}

/** A driver; `Run` is what its runs offer beyond ExperimentRun (the graphql driver's names what the store hashed). */
export interface ExperimentDriver<Run extends ExperimentRun = ExperimentRun> {
  /** Names the driver in the report. */
  readonly name: string;
  start(design: ExperimentDesign): Promise<Run>;
  close(): Promise<void>;
}
