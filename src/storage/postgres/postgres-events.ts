import type { PoolClient } from 'pg';
import { oneRow, type Row } from '../rows.js';
import type { EventBatch, EventInput, EventOutcome, EventStore } from '../experiment-types.js';
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
import type { PostgresConnection } from './connection.js';

/** Events per INSERT statement: 10 parameters each, well under PostgreSQL's 65,535 per statement. */
const ROWS_PER_INSERT = 1000;
const EVENT_COLUMNS = 10;

/**
 * Events on PostgreSQL: multi-row INSERT … ON CONFLICT (event_id) DO NOTHING
 * RETURNING event_id in one transaction, then the sessions and roll-ups in
 * the same one. Sessions are first inserted if absent and then read FOR
 * UPDATE in a fixed order, so that two batches touching one session
 * serialize on its row (and never deadlock) and each sees the other's fold.
 */
export class PostgresEventStore implements EventStore {
  constructor(private readonly db: PostgresConnection) {}

  async record(batch: EventBatch): Promise<EventOutcome[]> {
    const { unique, outcomes } = firstCopies(batch.events);
    if (unique.length === 0) return outcomes as EventOutcome[];
    const stored = await this.db.transaction(async (client) => {
      const inserted = new Set<string>();
      for (let i = 0; i < unique.length; i += ROWS_PER_INSERT) {
        for (const id of await insertEvents(client, unique.slice(i, i + ROWS_PER_INSERT), batch.receivedAt))
          inserted.add(id);
      }
      await fold(
        client,
        unique.filter((e) => inserted.has(e.eventId)),
        batch,
      );
      return inserted;
    });
    return recordOutcomes(outcomes, unique, stored);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.pool.query<Row>('SELECT count(*) AS n FROM events');
    return Number(oneRow(rows, 'count(*) of events').n);
  }
}

async function insertEvents(client: PoolClient, events: readonly EventInput[], receivedAt: string): Promise<string[]> {
  const params: unknown[] = [];
  const tuples = events.map((e, i) => {
    params.push(
      e.eventId,
      e.type,
      e.sessionId,
      e.productId,
      e.descriptionId,
      e.experimentId,
      e.variantId,
      e.occurredAt,
      e.value,
      receivedAt,
    );
    return `(${Array.from({ length: EVENT_COLUMNS }, (_, c) => `$${i * EVENT_COLUMNS + c + 1}`).join(', ')})`;
  });
  const { rows } = await client.query<Row>(
    `INSERT INTO events (event_id, type, session_id, product_id, description_id, experiment_id, variant_id, occurred_at, value, received_at)
     VALUES ${tuples.join(', ')} ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    params,
  );
  return rows.map((r) => String(r.event_id));
}

async function fold(client: PoolClient, inserted: readonly EventInput[], batch: EventBatch): Promise<void> {
  const events = rolledUp(inserted, batch);
  if (events.length === 0) return;
  const touched = touchedSessions(events);
  const columns = [
    touched.map((s) => s.experimentId),
    touched.map((s) => s.sessionId),
    touched.map((s) => s.variantId),
  ];
  await client.query(
    `INSERT INTO experiment_sessions (experiment_id, session_id, variant_id, exposed, converted)
     SELECT e, s, v, false, false FROM unnest($1::text[], $2::text[], $3::text[]) AS t(e, s, v) ORDER BY e, s
     ON CONFLICT (experiment_id, session_id) DO NOTHING`,
    columns,
  );
  const { rows } = await client.query<Row>(
    `SELECT experiment_id, session_id, variant_id, exposed, converted FROM experiment_sessions
     WHERE (experiment_id, session_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY experiment_id, session_id FOR UPDATE`,
    columns.slice(0, 2),
  );
  const sessions = new Map<string, SessionState>(
    rows.map((r) => [
      sessionKey(String(r.experiment_id), String(r.session_id)),
      { variantId: String(r.variant_id), exposed: r.exposed === true, converted: r.converted === true },
    ]),
  );
  const { deltas, changed } = foldEvents(events, sessions, batch);
  const keys = [...changed].map((k) => sessionOf(k));
  // foldEvents changes only sessions it was given; the arrays below must stay aligned with keys.
  const updated = [...changed].map((k) => {
    const session = sessions.get(k);
    if (!session) throw new Error(`events: session ${k} changed but was never read`);
    return session;
  });
  if (keys.length > 0) {
    await client.query(
      `UPDATE experiment_sessions s SET exposed = t.x, converted = t.c FROM unnest($1::text[], $2::text[], $3::boolean[], $4::boolean[]) AS t(e, id, x, c)
       WHERE s.experiment_id = t.e AND s.session_id = t.id`,
      [keys.map((k) => k[0]), keys.map((k) => k[1]), updated.map((s) => s.exposed), updated.map((s) => s.converted)],
    );
  }
  if (deltas.length > 0) {
    await client.query(
      `INSERT INTO experiment_rollups (experiment_id, variant_id, bucket, exposures, conversions)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
       ON CONFLICT (experiment_id, bucket, variant_id) DO UPDATE
       SET exposures = experiment_rollups.exposures + excluded.exposures, conversions = experiment_rollups.conversions + excluded.conversions`,
      [
        deltas.map((d) => d.experimentId),
        deltas.map((d) => d.variantId),
        deltas.map((d) => d.bucket),
        deltas.map((d) => d.exposures),
        deltas.map((d) => d.conversions),
      ],
    );
  }
}
