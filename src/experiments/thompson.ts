/**
 * Thompson sampling allocation: traffic shares that follow each variant's
 * posterior probability of being the best, recomputed from the roll-ups once
 * per epoch of `refreshSeconds`. Every replica reads the roll-ups as of the
 * epoch's start and seeds its draws from the experiment id and the epoch, so
 * all of them compute the same weights with no state shared beyond the
 * database.
 */
import { seededRandom } from '../../providers/random.js';
import { assignByWeights, assignmentPoint } from './assignment.js';
import { posterior } from './beta-binomial.js';
import { checkPrior, UNIFORM_PRIOR, type BetaPrior, type VariantCounts } from './types.js';

/** A standard normal draw (Marsaglia's polar method). */
function normal(random: () => number): number {
  for (;;) {
    const u = 2 * random() - 1;
    const v = 2 * random() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/** A Gamma(shape, 1) draw: Marsaglia and Tsang's squeeze method, boosted by U^(1/shape) below shape 1. */
export function gammaSample(shape: number, random: () => number): number {
  if (!(shape > 0 && Number.isFinite(shape)))
    throw new RangeError(`gammaSample needs a finite shape > 0, got ${shape}`);
  if (shape < 1) return gammaSample(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random(); // in (0, 1], so its log is finite
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(alpha, beta) draw, as X / (X + Y) of two Gamma draws. */
export function betaSample({ alpha, beta }: BetaPrior, random: () => number): number {
  const x = gammaSample(alpha, random);
  return x / (x + gammaSample(beta, random));
}

export interface ThompsonOptions {
  /** Posterior draws per recomputation of the weights. Default 10,000. */
  draws?: number;
  /**
   * Share of the traffic spread evenly over the k variants whatever the
   * data: weight = explore / k + (1 − explore) × P(best). It keeps a losing
   * arm measured, so the test of the difference keeps its power. Default 0.3
   * (with two variants, each keeps at least 15%).
   */
  explore?: number;
  /** Prior of each rate. Default Beta(1, 1). */
  prior?: BetaPrior;
}

export const THOMPSON_DEFAULTS = Object.freeze({ draws: 10_000, explore: 0.3, refreshSeconds: 300 });

/**
 * Traffic weights (summing to 1, in variant order) from the share of `draws`
 * joint posterior draws in which each variant has the highest rate, driven by
 * `seed`: the same counts and seed always give the same weights.
 */
export function thompsonWeights(
  counts: readonly VariantCounts[],
  seed: number,
  options: ThompsonOptions = {},
): number[] {
  const { draws = THOMPSON_DEFAULTS.draws, explore = THOMPSON_DEFAULTS.explore, prior = UNIFORM_PRIOR } = options;
  const k = counts.length;
  if (k < 2) throw new RangeError(`Thompson allocation needs at least two variants, got ${k}`);
  if (!Number.isSafeInteger(draws) || draws < 1) throw new RangeError(`draws must be a whole number ≥ 1, got ${draws}`);
  if (!(explore >= 0 && explore <= 1)) throw new RangeError(`explore must be between 0 and 1, got ${explore}`);
  checkPrior(prior);
  const posteriors = counts.map((c) => posterior(c, prior));
  const random = seededRandom(seed);
  const wins = new Array<number>(k).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    let bestValue = -1;
    for (const [i, p] of posteriors.entries()) {
      const value = betaSample(p, random);
      if (value > bestValue) {
        best = i;
        bestValue = value;
      }
    }
    wins[best] = (wins[best] ?? 0) + 1; // best < k
  }
  return wins.map((w) => explore / k + (1 - explore) * (w / draws));
}

export interface ThompsonAllocatorOptions extends ThompsonOptions {
  experimentId: string;
  /**
   * The variants' roll-ups (in variant order) counting only events before
   * `asOf`; the storage layer's query. May be async.
   */
  readCounts: (asOf: Date) => Promise<readonly VariantCounts[]> | readonly VariantCounts[];
  /** Seconds between recomputations of the weights: the epoch length. Default 300. */
  refreshSeconds?: number;
  /** Clock in milliseconds. Default Date.now. */
  now?: () => number;
}

export interface AllocationWeights {
  weights: number[];
  /** floor(now / refreshSeconds): the epoch these weights belong to. */
  epoch: number;
  /** The moment the roll-ups were read as of: the epoch's start. */
  asOf: Date;
}

export interface ThompsonAllocator {
  /** The current epoch's weights, computed on the first call of the epoch; concurrent callers share that computation. */
  weights(): Promise<AllocationWeights>;
  /**
   * The variant index for a session: `previous` when the session already has
   * one (a session keeps its first variant), else the weighted pick at the
   * session's hash point.
   */
  assign(sessionId: string, previous?: number): Promise<number>;
}

/**
 * An allocator for one experiment. It holds only the current epoch's weights;
 * a failed read of the roll-ups rejects its callers and the next call tries
 * again.
 */
export function createThompsonAllocator(options: ThompsonAllocatorOptions): ThompsonAllocator {
  const { experimentId, readCounts, refreshSeconds = THOMPSON_DEFAULTS.refreshSeconds, now = Date.now } = options;
  if (!(refreshSeconds > 0 && Number.isFinite(refreshSeconds)))
    throw new RangeError(`refreshSeconds must be a finite number > 0, got ${refreshSeconds}`);
  const epochMs = refreshSeconds * 1000;
  let current: { epoch: number; result: Promise<AllocationWeights> } | undefined;

  async function compute(epoch: number): Promise<AllocationWeights> {
    const asOf = new Date(epoch * epochMs);
    const counts = await readCounts(asOf);
    // The seed is the hash point of a pseudo-session named for the epoch, scaled to 32 bits.
    const seed = Math.floor(assignmentPoint(experimentId, `thompson-epoch-${epoch}`) * 2 ** 32);
    return { weights: thompsonWeights(counts, seed, options), epoch, asOf };
  }

  const allocator: ThompsonAllocator = {
    weights() {
      const epoch = Math.floor(now() / epochMs);
      if (current?.epoch !== epoch) {
        const entry = { epoch, result: compute(epoch) };
        current = entry;
        entry.result.catch(() => {
          if (current === entry) current = undefined;
        });
      }
      return current.result;
    },
    async assign(sessionId, previous) {
      if (previous !== undefined) {
        if (!Number.isSafeInteger(previous) || previous < 0)
          throw new RangeError(`previous must be a variant index, got ${previous}`);
        return previous;
      }
      const { weights } = await allocator.weights();
      return assignByWeights(experimentId, sessionId, weights);
    },
  };
  return allocator;
}
