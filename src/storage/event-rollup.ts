/**
 * How a batch of new events changes the sessions and roll-ups, pure, so
 * that SQLite and PostgreSQL apply the same rule. A session counts as an
 * exposure once, in the bucket of its first IMPRESSION, and as a conversion
 * once, in the bucket where it has both an impression and the experiment's
 * conversion event (whichever arrives second), so conversions never exceed
 * exposures and a retried or reordered batch counts the same.
 */
import type { EventBatch, EventInput, EventOutcome } from './experiment-types.js';

export interface SessionState {
  variantId: string;
  exposed: boolean;
  converted: boolean;
}

export interface RollupDelta {
  experimentId: string;
  variantId: string;
  bucket: number;
  exposures: number;
  conversions: number;
}

export interface SessionKey {
  experimentId: string;
  sessionId: string;
}

export const sessionKey = (experimentId: string, sessionId: string): string => `${experimentId}\u0000${sessionId}`;

/** The experiment and session ids a `sessionKey` was made of. */
export const sessionOf = (key: string): [experimentId: string, sessionId: string] =>
  key.split('\u0000') as [string, string];

/** The first copy of each eventId in the batch; later copies are duplicates without asking the database. */
export function firstCopies(events: readonly EventInput[]): {
  unique: EventInput[];
  outcomes: Array<EventOutcome | undefined>;
} {
  const seen = new Set<string>();
  const unique: EventInput[] = [];
  const outcomes: Array<EventOutcome | undefined> = events.map((e) => {
    if (seen.has(e.eventId)) return 'duplicate';
    seen.add(e.eventId);
    unique.push(e);
    return undefined;
  });
  return { unique, outcomes };
}

/** Every event's outcome: the batch's own repeats as `firstCopies` found them, each first copy by whether the store inserted its eventId. */
export function recordOutcomes(
  outcomes: ReadonlyArray<EventOutcome | undefined>,
  unique: readonly EventInput[],
  inserted: ReadonlySet<string>,
): EventOutcome[] {
  // One unique event per undefined outcome, in order.
  let u = 0;
  return outcomes.map((o) => {
    if (o) return o;
    const event = unique[u++];
    if (event === undefined) throw new Error(`events: more new outcomes than the ${unique.length} unique events`);
    return inserted.has(event.eventId) ? 'inserted' : 'duplicate';
  });
}

/** The events of the batch that roll up (an experiment and variant, and the experiment running). */
export function rolledUp(
  events: readonly EventInput[],
  batch: EventBatch,
): Array<EventInput & { experimentId: string; variantId: string }> {
  return events.filter(
    (e): e is EventInput & { experimentId: string; variantId: string } =>
      e.experimentId !== null && e.variantId !== null && batch.conversions.has(e.experimentId),
  );
}

/** The sessions these events touch, each once, sorted so that concurrent batches lock rows in one order; with the variant of the session's first event here. */
export function touchedSessions(events: ReturnType<typeof rolledUp>): Array<SessionKey & { variantId: string }> {
  const first = new Map<string, SessionKey & { variantId: string }>();
  for (const e of events) {
    const key = sessionKey(e.experimentId, e.sessionId);
    if (!first.has(key))
      first.set(key, { experimentId: e.experimentId, sessionId: e.sessionId, variantId: e.variantId });
  }
  return [...first.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

/**
 * Applies the new events to the sessions' states (changed in place) and
 * returns the roll-up increments and the keys of the sessions that changed.
 * A session's variant is the one it was first recorded in, whatever later
 * events say.
 */
export function foldEvents(
  events: ReturnType<typeof rolledUp>,
  sessions: Map<string, SessionState>,
  batch: EventBatch,
): { deltas: RollupDelta[]; changed: Set<string> } {
  const deltas = new Map<string, RollupDelta>();
  const changed = new Set<string>();
  const add = (experimentId: string, variantId: string, field: 'exposures' | 'conversions') => {
    const key = sessionKey(experimentId, variantId);
    let delta = deltas.get(key);
    if (!delta)
      deltas.set(key, (delta = { experimentId, variantId, bucket: batch.bucket, exposures: 0, conversions: 0 }));
    delta[field] += 1;
  };
  for (const e of events) {
    const key = sessionKey(e.experimentId, e.sessionId);
    const state = sessions.get(key);
    if (!state) continue;
    const converts = batch.conversions.get(e.experimentId) === e.type;
    if (e.type === 'IMPRESSION' && !state.exposed) {
      state.exposed = true;
      changed.add(key);
      add(e.experimentId, state.variantId, 'exposures');
      if (state.converted) add(e.experimentId, state.variantId, 'conversions');
    } else if (converts && !state.converted) {
      state.converted = true;
      changed.add(key);
      if (state.exposed) add(e.experimentId, state.variantId, 'conversions');
    }
  }
  // Sorted, so that concurrent batches update roll-up rows in one order.
  const order = (d: RollupDelta) => sessionKey(d.experimentId, d.variantId);
  return { deltas: [...deltas.values()].sort((a, b) => (order(a) < order(b) ? -1 : 1)), changed };
}
