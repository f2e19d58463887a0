/**
 * Deterministic assignment of sessions to variants. A session's place in
 * [0, 1) comes from a hash of the experiment id and the session id, so every
 * replica, and every later version that keeps this function, puts a session
 * in the same variant with no shared state. Changing the weights of a running
 * experiment moves the sessions whose point crosses a boundary: don't.
 */
import { hash } from 'node:crypto';
import { weightedIndex } from '../routing/weighted.js';

/**
 * The session's point in [0, 1): the first 48 bits of
 * SHA-256(experimentId + U+0000 + sessionId), big-endian, over 2^48. The
 * separator cannot occur in either id, so no two pairs of ids share an input.
 * test/fixtures/experiments/assignment.json holds values computed with
 * Python's hashlib that pin this across versions.
 */
export function assignmentPoint(experimentId: string, sessionId: string): number {
  checkId(experimentId, 'experiment id');
  checkId(sessionId, 'session id');
  const digest = hash('sha256', `${experimentId}\u0000${sessionId}`, 'buffer');
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

function checkId(id: string, what: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.includes('\u0000'))
    throw new RangeError(`${what} must be a non-empty string without U+0000, got ${JSON.stringify(id)}`);
}

/** Throws a RangeError unless there are two or more weights, each finite and ≥ 0, with a positive sum. */
export function checkWeights(weights: readonly number[]): void {
  if (weights.length < 2)
    throw new RangeError(`an experiment needs weights for at least two variants, got ${weights.length}`);
  for (const w of weights)
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`variant weights must be finite and ≥ 0, got ${w}`);
  if (!weights.some((w) => w > 0)) throw new RangeError('at least one variant weight must be positive');
}

/**
 * The index of the variant a session gets under `weights` (any positive
 * scale; in variant order): the variant whose share of [0, 1) holds the
 * session's point.
 */
export function assignByWeights(experimentId: string, sessionId: string, weights: readonly number[]): number {
  checkWeights(weights);
  const point = assignmentPoint(experimentId, sessionId);
  return weightedIndex(
    weights,
    (w) => w,
    () => point,
  );
}
