import type { EventBatch, EventOutcome, EventStore } from '../experiment-types.js';
import {
  firstCopies,
  foldEvents,
  recordOutcomes,
  rolledUp,
  sessionKey,
  sessionOf,
  touchedSessions,
  type SessionState,
} from '../event-rollup.js';
import type { SqliteConnection } from './connection.js';

const INSERT_EVENT = `INSERT INTO events (event_id, type, session_id, product_id, description_id, experiment_id, variant_id, occurred_at, value, received_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`;
const SELECT_SESSION =
  'SELECT variant_id, exposed, converted FROM experiment_sessions WHERE experiment_id = ? AND session_id = ?';
const UPSERT_SESSION = `INSERT INTO experiment_sessions (experiment_id, session_id, variant_id, exposed, converted) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (experiment_id, session_id) DO UPDATE SET exposed = excluded.exposed, converted = excluded.converted`;
const ADD_ROLLUP = `INSERT INTO experiment_rollups (experiment_id, variant_id, bucket, exposures, conversions) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (experiment_id, bucket, variant_id) DO UPDATE SET exposures = exposures + excluded.exposures, conversions = conversions + excluded.conversions`;

/**
 * Events on SQLite: the whole batch in one BEGIN IMMEDIATE transaction on
 * cached prepared statements (synchronous, so nothing interleaves), the
 * sessions and roll-ups updated in the same transaction.
 */
export class SqliteEventStore implements EventStore {
  constructor(private readonly db: SqliteConnection) {}

  async record(batch: EventBatch): Promise<EventOutcome[]> {
    const { unique, outcomes } = firstCopies(batch.events);
    if (unique.length === 0) return outcomes as EventOutcome[];
    const result = this.db.transaction(() => {
      const insert = this.db.sql(INSERT_EVENT);
      const inserted = unique.filter((e) => {
        const { changes } = insert.run(
          e.eventId,
          e.type,
          e.sessionId,
          e.productId,
          e.descriptionId,
          e.experimentId,
          e.variantId,
          e.occurredAt,
          e.value,
          batch.receivedAt,
        );
        return Number(changes) === 1;
      });
      this.fold(inserted, batch);
      return new Set(inserted.map((e) => e.eventId));
    });
    this.db.wrote();
    return recordOutcomes(outcomes, unique, result);
  }

  /** Inside the transaction: the touched sessions read, folded, and written back with the roll-up increments. */
  private fold(inserted: EventBatch['events'], batch: EventBatch): void {
    const events = rolledUp(inserted, batch);
    if (events.length === 0) return;
    const select = this.db.sql(SELECT_SESSION);
    const sessions = new Map<string, SessionState>();
    const fresh = new Set<string>();
    for (const s of touchedSessions(events)) {
      const key = sessionKey(s.experimentId, s.sessionId);
      const row = select.get(s.experimentId, s.sessionId);
      if (row)
        sessions.set(key, {
          variantId: String(row.variant_id),
          exposed: Number(row.exposed) === 1,
          converted: Number(row.converted) === 1,
        });
      else {
        sessions.set(key, { variantId: s.variantId, exposed: false, converted: false });
        fresh.add(key);
      }
    }
    const { deltas, changed } = foldEvents(events, sessions, batch);
    const upsert = this.db.sql(UPSERT_SESSION);
    for (const [key, state] of sessions) {
      if (!fresh.has(key) && !changed.has(key)) continue;
      const [experimentId, sessionId] = sessionOf(key);
      upsert.run(experimentId, sessionId, state.variantId, state.exposed ? 1 : 0, state.converted ? 1 : 0);
    }
    const add = this.db.sql(ADD_ROLLUP);
    for (const d of deltas) add.run(d.experimentId, d.variantId, d.bucket, d.exposures, d.conversions);
  }

  async count(): Promise<number> {
    return Number(this.db.sql('SELECT count(*) AS n FROM events').get()?.n);
  }
}
