/**
 * The publication aggregate's statements, written once for SQLite and
 * PostgreSQL. Each operation is a generator that yields its statements and
 * receives their rows, so that one body serves a synchronous driver
 * (node:sqlite, where a transaction must never span an event-loop turn:
 * another request's write on the same file would wait on it with the loop
 * blocked) and an asynchronous one (pg). See publication-store.ts.
 */
import type { DescriptionStatus, LifecycleAction, Verdict } from '../publication/lifecycle.js';
import type { Slot } from '../publication/slot.js';
import { str, toDescription, type Row } from './rows.js';
import type {
  ActorRecord,
  AdmitInput,
  ChangeResult,
  EventRecord,
  HistoryRecords,
  Plan,
  Planner,
  PublicationEntry,
  PublicationState,
  QueueFilter,
  StoredCheck,
  VersionRecord,
} from './publication-types.js';

export type Dialect = 'sqlite' | 'postgres';

/** One statement with `?` placeholders. */
export interface Statement {
  sql: string;
  params: readonly unknown[];
}

/** An operation: yields statements, is sent each one's rows, returns its result. */
export type Steps<T> = Generator<Statement, T, Row[]>;

function* run(sql: string, params: readonly unknown[] = []): Steps<Row[]> {
  return yield { sql, params };
}

/** The role recorded as author of a generated text. */
const GENERATOR_ROLE = 'generator';

const LIVE_STATUSES: readonly DescriptionStatus[] = ['DRAFT', 'IN_REVIEW', 'APPROVED', 'PUBLISHED'];

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

const STATE_COLUMNS = (s: string, as: string) =>
  ['seq', 'description_id', 'product_id', 'locale', 'channel', 'segment', 'status', 'version', 'published_version', 'verdict', 'complete', 'published_by', 'updated_at']
    .map((c) => `${s}.${c} AS ${as}${c}`)
    .join(', ');
const VERSION_COLUMNS = (v: string, as: string) =>
  ['description_id', 'version', 'text', 'author_name', 'author_role', 'verdict', 'findings', 'note', 'created_at'].map((c) => `${v}.${c} AS ${as}${c}`).join(', ');

/** Entries with their current version (`live`: the published one). */
const entrySelect = (which: 'current' | 'live', extra = '') => `
  SELECT d.*, ${STATE_COLUMNS('s', 's_')}, ${VERSION_COLUMNS('v', 'v_')}${extra}
  FROM publication_states s
  JOIN descriptions d ON d.id = s.description_id
  JOIN description_versions v ON v.description_id = s.description_id AND v.version = ${which === 'live' ? 's.published_version' : 's.version'}`;

function toState(r: Row, p = ''): PublicationState {
  return {
    seq: Number(r[`${p}seq`]),
    descriptionId: String(r[`${p}description_id`]),
    slot: { productId: String(r[`${p}product_id`]), locale: String(r[`${p}locale`]), channel: String(r[`${p}channel`]), segment: String(r[`${p}segment`]) },
    status: String(r[`${p}status`]) as DescriptionStatus,
    version: Number(r[`${p}version`]),
    publishedVersion: num(r[`${p}published_version`]),
    verdict: str(r[`${p}verdict`]) as Verdict | null,
    complete: Number(r[`${p}complete`]) === 1,
    publishedBy: str(r[`${p}published_by`]),
    updatedAt: String(r[`${p}updated_at`]),
  };
}

function toVersion(r: Row, p = ''): VersionRecord {
  const verdict = str(r[`${p}verdict`]) as Verdict | null;
  const findings = r[`${p}findings`];
  return {
    descriptionId: String(r[`${p}description_id`]),
    version: Number(r[`${p}version`]),
    text: String(r[`${p}text`]),
    authorName: String(r[`${p}author_name`]),
    authorRole: String(r[`${p}author_role`]),
    check: verdict ? { verdict, findings: typeof findings === 'string' ? (JSON.parse(findings) as StoredCheck['findings']) : [] } : null,
    note: str(r[`${p}note`]),
    createdAt: String(r[`${p}created_at`]),
  };
}

function toEvent(r: Row): EventRecord {
  return {
    seq: Number(r.seq),
    descriptionId: String(r.description_id),
    productId: String(r.product_id),
    action: String(r.action) as LifecycleAction,
    from: str(r.from_status) as DescriptionStatus | null,
    to: String(r.to_status) as DescriptionStatus,
    version: Number(r.version),
    actorName: String(r.actor_name),
    actorRole: String(r.actor_role),
    note: str(r.note),
    createdAt: String(r.created_at),
  };
}

const toEntry = (r: Row): PublicationEntry => ({ description: toDescription(r), state: toState(r, 's_'), version: toVersion(r, 'v_') });

const slotWhere = (alias: string) => `${alias}.product_id = ? AND ${alias}.locale = ? AND ${alias}.channel = ? AND ${alias}.segment = ?`;
const slotParams = (s: Slot) => [s.productId, s.locale, s.channel, s.segment];

function* entry(descriptionId: string): Steps<PublicationEntry | null> {
  const [row] = yield* run(`${entrySelect('current')} WHERE s.description_id = ?`, [descriptionId]);
  return row ? toEntry(row) : null;
}

function* liveOf(slot: Slot, except: string): Steps<PublicationState | null> {
  const [row] = yield* run(`SELECT * FROM publication_states s WHERE ${slotWhere('s')} AND s.status = 'PUBLISHED' AND s.description_id <> ?`, [...slotParams(slot), except]);
  return row ? toState(row) : null;
}

/** PostgreSQL: every lifecycle write of a product waits for the one before (SQLite's BEGIN IMMEDIATE already admits one writer). */
function* lockProduct(dialect: Dialect, productId: string): Steps<void> {
  if (dialect === 'postgres') yield* run('SELECT id FROM products WHERE id = ? FOR UPDATE', [productId]);
}

interface EventInput {
  descriptionId: string;
  productId: string;
  action: LifecycleAction;
  from: DescriptionStatus | null;
  to: DescriptionStatus;
  version: number;
  actor: ActorRecord;
  note: string | null;
  at: string;
}

function* record(e: EventInput): Steps<EventRecord> {
  const [row] = yield* run(
    `INSERT INTO publication_events (description_id, product_id, action, from_status, to_status, version, actor_name, actor_role, note, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    [e.descriptionId, e.productId, e.action, e.from, e.to, e.version, e.actor.name, e.actor.role, e.note, e.at],
  );
  return toEvent(row);
}

const findingsJson = (check: StoredCheck | null) => (check ? JSON.stringify(check.findings) : null);

/**
 * A DRAFT state and version 1 for a stored description, unless it has one
 * (a replica's start-up sweep may adopt a description between its insert
 * and its admission). Returns the CREATE event, or null when it had one.
 */
function* insertDraft(d: AdmitInput['description'], slot: Slot, check: StoredCheck | null, complete: boolean, actor: ActorRecord, at: string): Steps<EventRecord | null> {
  const inserted = yield* run(
    `INSERT INTO publication_states (description_id, product_id, locale, channel, segment, status, version, verdict, complete, updated_at)
      VALUES (?, ?, ?, ?, ?, 'DRAFT', 1, ?, ?, ?) ON CONFLICT (description_id) DO NOTHING RETURNING seq`,
    [d.id, d.productId, slot.locale, slot.channel, slot.segment, check?.verdict ?? null, complete ? 1 : 0, at],
  );
  if (inserted.length === 0) return null;
  yield* run(
    `INSERT INTO description_versions (description_id, version, text, author_name, author_role, verdict, findings, note, created_at)
      VALUES (?, 1, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (description_id, version) DO NOTHING`,
    [d.id, d.text, `${d.provider}/${d.model}`, GENERATOR_ROLE, check?.verdict ?? null, findingsJson(check), d.createdAt],
  );
  return yield* record({ descriptionId: d.id, productId: d.productId, action: 'CREATE', from: null, to: 'DRAFT', version: 1, actor, note: null, at });
}

function* storeCheck(descriptionId: string, version: number, check: StoredCheck): Steps<void> {
  yield* run('UPDATE description_versions SET verdict = ?, findings = ? WHERE description_id = ? AND version = ?', [check.verdict, findingsJson(check), descriptionId, version]);
  yield* run('UPDATE publication_states SET verdict = ? WHERE description_id = ?', [check.verdict, descriptionId]);
}

/** Runs a plan on an entry read in this transaction: the new version or check, the slot's last publication superseded, the status, the events. */
function* apply(current: PublicationEntry, live: PublicationState | null, plan: Plan, at: string): Steps<ChangeResult> {
  const { state } = current;
  const id = state.descriptionId;
  let version = state.version;
  let complete = state.complete;
  if (plan.newVersion) {
    version += 1;
    complete = true;
    const { text, check } = plan.newVersion;
    yield* run(
      `INSERT INTO description_versions (description_id, version, text, author_name, author_role, verdict, findings, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, version, text, plan.actor.name, plan.actor.role, check.verdict, findingsJson(check), plan.note, at],
    );
    yield* run('UPDATE publication_states SET verdict = ? WHERE description_id = ?', [check.verdict, id]);
  } else if (plan.check) {
    yield* storeCheck(id, version, plan.check);
  }
  const publishing = plan.action === 'PUBLISH';
  // The old publication leaves first: the partial unique index admits one PUBLISHED row per slot at every statement.
  const superseded = publishing && live ? live : null;
  if (superseded) yield* run(`UPDATE publication_states SET status = 'SUPERSEDED', updated_at = ? WHERE description_id = ?`, [at, superseded.descriptionId]);
  yield* run(
    `UPDATE publication_states SET status = ?, version = ?, complete = ?, published_version = ?, published_by = ?, updated_at = ? WHERE description_id = ?`,
    [plan.to, version, complete ? 1 : 0, publishing ? version : state.publishedVersion, publishing ? plan.actor.role : state.publishedBy, at, id],
  );
  const events = [yield* record({ descriptionId: id, productId: state.slot.productId, action: plan.action, from: state.status, to: plan.to, version, actor: plan.actor, note: plan.note, at })];
  if (superseded) {
    const note = `superseded by ${id} (version ${version})`;
    events.push(yield* record({ descriptionId: superseded.descriptionId, productId: state.slot.productId, action: 'SUPERSEDE', from: 'PUBLISHED', to: 'SUPERSEDED', version: superseded.version, actor: plan.actor, note, at }));
  }
  return { entry: (yield* entry(id))!, events };
}

export function* change(dialect: Dialect, descriptionId: string, planner: Planner, at: string): Steps<ChangeResult | null> {
  const [found] = yield* run('SELECT product_id FROM publication_states WHERE description_id = ?', [descriptionId]);
  if (!found) return null;
  yield* lockProduct(dialect, String(found.product_id));
  const current = (yield* entry(descriptionId))!;
  const live = yield* liveOf(current.state.slot, descriptionId);
  const plan = planner({ entry: current, live });
  if (!plan) return { entry: current, events: [] };
  return yield* apply(current, live, plan, at);
}

export function* admit(dialect: Dialect, input: AdmitInput, planner: Planner, at: string): Steps<ChangeResult> {
  const { description: d, slot } = input;
  yield* lockProduct(dialect, d.productId);
  const events: EventRecord[] = [];
  const created = yield* insertDraft(d, slot, input.check, input.complete, input.actor, at);
  if (created) events.push(created);
  else {
    // Adopted by a sweep in the meantime: finish what the sweep left, unless it already triaged it.
    const adopted = (yield* entry(d.id))!;
    if (adopted.state.status !== 'DRAFT') return { entry: adopted, events };
    if (adopted.state.verdict === null && input.check) yield* storeCheck(d.id, 1, input.check);
  }
  // Generated drafts no person has touched yet make way for this one.
  const untouched = yield* run(
    `SELECT description_id, status FROM publication_states s WHERE ${slotWhere('s')} AND s.status IN ('DRAFT', 'IN_REVIEW') AND s.version = 1 AND s.verdict IS NOT NULL AND s.description_id <> ?`,
    [...slotParams(slot), d.id],
  );
  for (const row of untouched) {
    const id = String(row.description_id);
    yield* run(`UPDATE publication_states SET status = 'SUPERSEDED', updated_at = ? WHERE description_id = ?`, [at, id]);
    events.push(yield* record({ descriptionId: id, productId: d.productId, action: 'SUPERSEDE', from: String(row.status) as DescriptionStatus, to: 'SUPERSEDED', version: 1, actor: input.actor, note: `replaced by the newer generated text ${d.id}`, at }));
  }
  const current = (yield* entry(d.id))!;
  const live = yield* liveOf(slot, d.id);
  const plan = planner({ entry: current, live });
  if (!plan) return { entry: current, events };
  const applied = yield* apply(current, live, plan, at);
  return { entry: applied.entry, events: [...events, ...applied.events] };
}

/** Descriptions without a state, oldest first. */
export function* orphans(limit: number): Steps<AdmitInput['description'][]> {
  const rows = yield* run('SELECT d.* FROM descriptions d WHERE NOT EXISTS (SELECT 1 FROM publication_states s WHERE s.description_id = d.id) ORDER BY d.seq LIMIT ?', [limit]);
  return rows.map(toDescription);
}

export function* adopt(items: ReadonlyArray<{ description: AdmitInput['description']; slot: Slot; complete: boolean }>, actor: ActorRecord, at: string): Steps<number> {
  let adopted = 0;
  for (const item of items) if (yield* insertDraft(item.description, item.slot, null, item.complete, actor, at)) adopted++;
  return adopted;
}

export function* untriaged(limit: number): Steps<Array<{ entry: PublicationEntry; newerInSlot: boolean }>> {
  const newer = `, (SELECT count(*) FROM publication_states s2 JOIN descriptions d2 ON d2.id = s2.description_id
      WHERE s2.product_id = s.product_id AND s2.locale = s.locale AND s2.channel = s.channel AND s2.segment = s.segment AND d2.seq > d.seq) AS newer`;
  const rows = yield* run(
    `${entrySelect('current', newer)} WHERE s.status = 'DRAFT' AND s.verdict IS NULL ORDER BY s.seq LIMIT ?`,
    [limit],
  );
  return rows.map((r) => ({ entry: toEntry(r), newerInSlot: Number(r.newer) > 0 }));
}

export function* entries(ids: readonly string[]): Steps<Array<PublicationEntry | null>> {
  if (ids.length === 0) return [];
  const rows = yield* run(`${entrySelect('current')} WHERE s.description_id IN (${marks(ids.length)})`, ids);
  const byId = new Map(rows.map((r) => [String(r.id), toEntry(r)]));
  return ids.map((id) => byId.get(id) ?? null);
}

export function* publishedForProducts(productIds: readonly string[]): Steps<PublicationEntry[]> {
  if (productIds.length === 0) return [];
  const unique = [...new Set(productIds)];
  return (yield* run(`${entrySelect('live')} WHERE s.status = 'PUBLISHED' AND s.product_id IN (${marks(unique.length)})`, unique)).map(toEntry);
}

export function* slotsInUse(slots: readonly Slot[]): Steps<boolean[]> {
  if (slots.length === 0) return [];
  const products = [...new Set(slots.map((s) => s.productId))];
  const rows = yield* run(
    `SELECT DISTINCT product_id, locale, channel, segment FROM publication_states WHERE status IN (${marks(LIVE_STATUSES.length)}) AND product_id IN (${marks(products.length)})`,
    [...LIVE_STATUSES, ...products],
  );
  const used = new Set(rows.map((r) => JSON.stringify([r.product_id, r.locale, r.channel, r.segment])));
  return slots.map((s) => used.has(JSON.stringify(slotParams(s))));
}

/** The queue's WHERE clause; `withStatus` false for the counts per status. */
function queueWhere(f: QueueFilter, withStatus: boolean): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  if (withStatus && f.statuses?.length) add(`s.status IN (${marks(f.statuses.length)})`, ...f.statuses);
  if (f.verdicts?.length) add(`s.verdict IN (${marks(f.verdicts.length)})`, ...f.verdicts);
  if (f.productId) add('s.product_id = ?', f.productId);
  if (f.category) add('lower(p.category) = lower(?)', f.category);
  if (f.provider) add('d.provider = ?', f.provider);
  if (f.model) add('d.model = ?', f.model);
  if (f.locale) add('s.locale = ?', f.locale);
  if (f.channel) add('s.channel = ?', f.channel);
  return { sql: clauses.join(' AND '), params };
}

export function* queue(filter: QueueFilter, first: number, afterSeq: number | null): Steps<{ rows: PublicationEntry[]; hasNextPage: boolean }> {
  const where = queueWhere(filter, true);
  const clauses = [where.sql, afterSeq === null ? '' : 's.seq > ?'].filter(Boolean);
  const rows = yield* run(
    `${entrySelect('current')} JOIN products p ON p.id = s.product_id ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY s.seq LIMIT ?`,
    [...where.params, ...(afterSeq === null ? [] : [afterSeq]), first + 1],
  );
  return { rows: rows.slice(0, first).map(toEntry), hasNextPage: rows.length > first };
}

export function* countByStatus(filter: QueueFilter): Steps<Record<DescriptionStatus, number>> {
  const where = queueWhere(filter, false);
  const rows = yield* run(
    `SELECT s.status AS status, count(*) AS n FROM publication_states s JOIN descriptions d ON d.id = s.description_id JOIN products p ON p.id = s.product_id
      ${where.sql ? `WHERE ${where.sql}` : ''} GROUP BY s.status`,
    where.params,
  );
  const counts: Record<DescriptionStatus, number> = { DRAFT: 0, IN_REVIEW: 0, APPROVED: 0, PUBLISHED: 0, REJECTED: 0, SUPERSEDED: 0 };
  for (const r of rows) counts[String(r.status) as DescriptionStatus] = Number(r.n);
  return counts;
}

export function* history(productId: string, slot: Omit<Slot, 'productId'> | null): Steps<HistoryRecords> {
  const inSlot = slot ? ` AND ${slotWhere('s')}` : ' AND s.product_id = ?';
  const params = slot ? slotParams({ productId, ...slot }) : [productId];
  const entries = (yield* run(`${entrySelect('current')} WHERE 1 = 1${inSlot} ORDER BY s.seq`, params)).map(toEntry);
  const versions = (yield* run(`SELECT v.* FROM description_versions v JOIN publication_states s ON s.description_id = v.description_id WHERE 1 = 1${inSlot} ORDER BY s.seq, v.version`, params)).map((r) => toVersion(r));
  const events = (yield* run(`SELECT e.* FROM publication_events e JOIN publication_states s ON s.description_id = e.description_id WHERE 1 = 1${inSlot} ORDER BY e.seq`, params)).map(toEvent);
  return { entries, versions, events };
}
