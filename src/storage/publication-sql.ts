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
import { oneRow, str, toDescription, type Row } from './rows.js';
import { descriptionInsert } from './description-sql.js';
import type {
  ActorRecord,
  AdmitInput,
  ChangeResult,
  EventRecord,
  GeneratedInput,
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

/**
 * The predicate of the partial status indexes (migration 9), spelled as
 * there: SQLite uses a partial index only for a query whose WHERE holds the
 * index's own term, and cannot see it implied by a status list or by bound
 * parameters.
 */
const NOT_SUPERSEDED = (alias: string) => `${alias}.status <> 'SUPERSEDED'`;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

const STATE_COLUMNS = (s: string, as: string) =>
  [
    'seq',
    'description_id',
    'product_id',
    'locale',
    'channel',
    'segment',
    'status',
    'version',
    'published_version',
    'verdict',
    'complete',
    'published_by',
    'updated_at',
  ]
    .map((c) => `${s}.${c} AS ${as}${c}`)
    .join(', ');
const VERSION_COLUMNS = (v: string, as: string) =>
  ['description_id', 'version', 'text', 'author_name', 'author_role', 'verdict', 'findings', 'note', 'created_at']
    .map((c) => `${v}.${c} AS ${as}${c}`)
    .join(', ');

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
    slot: {
      productId: String(r[`${p}product_id`]),
      locale: String(r[`${p}locale`]),
      channel: String(r[`${p}channel`]),
      segment: String(r[`${p}segment`]),
    },
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
    check: verdict
      ? { verdict, findings: typeof findings === 'string' ? (JSON.parse(findings) as StoredCheck['findings']) : [] }
      : null,
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

const toEntry = (r: Row): PublicationEntry => ({
  description: toDescription(r),
  state: toState(r, 's_'),
  version: toVersion(r, 'v_'),
});

const slotWhere = (alias: string) =>
  `${alias}.product_id = ? AND ${alias}.locale = ? AND ${alias}.channel = ? AND ${alias}.segment = ?`;
const slotParams = (s: Slot) => [s.productId, s.locale, s.channel, s.segment];

function* entry(descriptionId: string): Steps<PublicationEntry | null> {
  const [row] = yield* run(`${entrySelect('current')} WHERE s.description_id = ?`, [descriptionId]);
  return row ? toEntry(row) : null;
}

function* liveOf(slot: Slot, except: string): Steps<PublicationState | null> {
  const [row] = yield* run(
    `SELECT * FROM publication_states s WHERE ${slotWhere('s')} AND s.status = 'PUBLISHED' AND s.description_id <> ?`,
    [...slotParams(slot), except],
  );
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
}

/** Records a change's events in one INSERT; returns them as they read back, in order. */
function* record(events: readonly EventInput[], at: string): Steps<EventRecord[]> {
  if (events.length === 0) return [];
  const rows = yield* run(
    `INSERT INTO publication_events (description_id, product_id, action, from_status, to_status, version, actor_name, actor_role, note, created_at)
      VALUES ${events.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} RETURNING seq`,
    events.flatMap((e) => [
      e.descriptionId,
      e.productId,
      e.action,
      e.from,
      e.to,
      e.version,
      e.actor.name,
      e.actor.role,
      e.note,
      at,
    ]),
  );
  // Both backends number a multi-row insert's rows in the order of its VALUES; RETURNING's own order is not promised.
  const seqs = rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
  return events.map((e, i) => ({
    seq: seqAt(seqs, i),
    descriptionId: e.descriptionId,
    productId: e.productId,
    action: e.action,
    from: e.from,
    to: e.to,
    version: e.version,
    actorName: e.actor.name,
    actorRole: e.actor.role,
    note: e.note,
    createdAt: at,
  }));
}

/** The i-th number of the rows an insert of as many events gave back. */
function seqAt(seqs: readonly number[], i: number): number {
  const seq = seqs[i];
  if (seq === undefined) throw new Error(`publication events: ${seqs.length} rows came back for event ${i + 1}`);
  return seq;
}

/** The entry of a description whose state row this transaction has just read or written under its product's lock. */
function* entryHeld(descriptionId: string): Steps<PublicationEntry> {
  const held = yield* entry(descriptionId);
  if (!held) throw new Error(`publication: no state for description ${descriptionId} under its product's lock`);
  return held;
}

const findingsJson = (check: StoredCheck | null) => (check ? JSON.stringify(check.findings) : null);
/** A check as it reads back from its columns. */
const storedCheck = (check: StoredCheck | null): StoredCheck | null =>
  check ? { verdict: check.verdict, findings: check.findings } : null;

/** The INSERTs of a DRAFT state (returning its seq) and of version 1, each doing nothing where its row exists. */
function draftStatements(
  d: AdmitInput['description'],
  slot: Slot,
  check: StoredCheck | null,
  complete: boolean,
  at: string,
): { state: Statement; version: Statement } {
  return {
    state: {
      sql: `INSERT INTO publication_states (description_id, product_id, locale, channel, segment, status, version, verdict, complete, updated_at)
        VALUES (?, ?, ?, ?, ?, 'DRAFT', 1, ?, ?, ?) ON CONFLICT (description_id) DO NOTHING RETURNING seq`,
      params: [
        d.id,
        d.productId,
        slot.locale,
        slot.channel,
        slot.segment,
        check?.verdict ?? null,
        complete ? 1 : 0,
        at,
      ],
    },
    version: {
      sql: `INSERT INTO description_versions (description_id, version, text, author_name, author_role, verdict, findings, note, created_at)
        VALUES (?, 1, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (description_id, version) DO NOTHING`,
      params: [
        d.id,
        d.text,
        `${d.provider}/${d.model}`,
        GENERATOR_ROLE,
        check?.verdict ?? null,
        findingsJson(check),
        d.createdAt,
      ],
    },
  };
}

/** A new draft's entry as draftStatements write it (its state numbered `seq`), and its CREATE event to record. */
function draftEntry(
  d: AdmitInput['description'],
  slot: Slot,
  check: StoredCheck | null,
  complete: boolean,
  actor: ActorRecord,
  at: string,
  seq: number,
): { entry: PublicationEntry; created: EventInput } {
  const state: PublicationState = {
    seq,
    descriptionId: d.id,
    slot: { productId: d.productId, locale: slot.locale, channel: slot.channel, segment: slot.segment },
    status: 'DRAFT',
    version: 1,
    publishedVersion: null,
    verdict: check?.verdict ?? null,
    complete,
    publishedBy: null,
    updatedAt: at,
  };
  const version: VersionRecord = {
    descriptionId: d.id,
    version: 1,
    text: d.text,
    authorName: `${d.provider}/${d.model}`,
    authorRole: GENERATOR_ROLE,
    check: storedCheck(check),
    note: null,
    createdAt: d.createdAt,
  };
  return {
    entry: { description: d, state, version },
    created: {
      descriptionId: d.id,
      productId: d.productId,
      action: 'CREATE',
      from: null,
      to: 'DRAFT',
      version: 1,
      actor,
      note: null,
    },
  };
}

/**
 * A DRAFT state and version 1 for a stored description, unless it has one
 * (a replica's start-up sweep may adopt a description between its insert
 * and its admission). Returns the entry as stored, built from what was
 * written, and its CREATE event to record; null when it had a state.
 */
function* insertDraft(
  d: AdmitInput['description'],
  slot: Slot,
  check: StoredCheck | null,
  complete: boolean,
  actor: ActorRecord,
  at: string,
): Steps<{ entry: PublicationEntry; created: EventInput } | null> {
  const draft = draftStatements(d, slot, check, complete, at);
  const [inserted] = yield* run(draft.state.sql, draft.state.params);
  if (!inserted) return null;
  yield* run(draft.version.sql, draft.version.params);
  return draftEntry(d, slot, check, complete, actor, at, Number(inserted.seq));
}

/** In one read: the slot's live text, and the generated drafts no person has touched yet, which make way for a new one. */
const slotRivals = (slot: Slot, except: string): Statement => ({
  sql: `SELECT * FROM publication_states s WHERE s.status IN ('PUBLISHED', 'DRAFT', 'IN_REVIEW') AND ${NOT_SUPERSEDED('s')} AND ${slotWhere('s')} AND s.description_id <> ?
    AND (s.status = 'PUBLISHED' OR (s.version = 1 AND s.verdict IS NOT NULL))`,
  params: [...slotParams(slot), except],
});

function* storeCheck(descriptionId: string, version: number, check: StoredCheck): Steps<void> {
  yield* run('UPDATE description_versions SET verdict = ?, findings = ? WHERE description_id = ? AND version = ?', [
    check.verdict,
    findingsJson(check),
    descriptionId,
    version,
  ]);
  yield* run('UPDATE publication_states SET verdict = ? WHERE description_id = ?', [check.verdict, descriptionId]);
}

/** `entry` with `check` stored on its current version. */
const withCheck = (entry: PublicationEntry, check: StoredCheck): PublicationEntry => ({
  ...entry,
  state: { ...entry.state, verdict: check.verdict },
  version: { ...entry.version, check: storedCheck(check) },
});

/** Writes the plan's new version, or its check on the current version; returns the version as it then stands. */
function* writeVersion(current: PublicationEntry, plan: Plan, at: string): Steps<PublicationEntry['version']> {
  const id = current.state.descriptionId;
  const { state } = current;
  let version = current.version;
  if (plan.newVersion) {
    const { text, check } = plan.newVersion;
    version = {
      descriptionId: id,
      version: state.version + 1,
      text,
      authorName: plan.actor.name,
      authorRole: plan.actor.role,
      check: storedCheck(check),
      note: plan.note,
      createdAt: at,
    };
    yield* run(
      `INSERT INTO description_versions (description_id, version, text, author_name, author_role, verdict, findings, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, version.version, text, plan.actor.name, plan.actor.role, check.verdict, findingsJson(check), plan.note, at],
    );
  } else if (plan.check) {
    yield* run('UPDATE description_versions SET verdict = ?, findings = ? WHERE description_id = ? AND version = ?', [
      plan.check.verdict,
      findingsJson(plan.check),
      id,
      version.version,
    ]);
    version = { ...version, check: storedCheck(plan.check) };
  }
  return version;
}

/**
 * Runs a plan on an entry read or written in this transaction: the new
 * version or check, the slot's last publication superseded, the status, and
 * `earlier` events with the plan's own. Returns the entry as written.
 */
function* apply(
  current: PublicationEntry,
  live: PublicationState | null,
  plan: Plan,
  at: string,
  earlier: readonly EventInput[] = [],
): Steps<ChangeResult> {
  const { state } = current;
  const id = state.descriptionId;
  const version = yield* writeVersion(current, plan, at);
  const publishing = plan.action === 'PUBLISH';
  const next: PublicationState = {
    ...state,
    status: plan.to,
    version: version.version,
    verdict: plan.newVersion?.check.verdict ?? plan.check?.verdict ?? state.verdict,
    complete: plan.newVersion ? true : state.complete,
    publishedVersion: publishing ? version.version : state.publishedVersion,
    publishedBy: publishing ? plan.actor.role : state.publishedBy,
    updatedAt: at,
  };
  // The old publication leaves first: the partial unique index admits one PUBLISHED row per slot at every statement.
  const superseded = publishing && live ? live : null;
  if (superseded)
    yield* run(`UPDATE publication_states SET status = 'SUPERSEDED', updated_at = ? WHERE description_id = ?`, [
      at,
      superseded.descriptionId,
    ]);
  yield* run(
    `UPDATE publication_states SET status = ?, version = ?, verdict = ?, complete = ?, published_version = ?, published_by = ?, updated_at = ? WHERE description_id = ?`,
    [next.status, next.version, next.verdict, next.complete ? 1 : 0, next.publishedVersion, next.publishedBy, at, id],
  );
  const events: EventInput[] = [
    ...earlier,
    {
      descriptionId: id,
      productId: state.slot.productId,
      action: plan.action,
      from: state.status,
      to: plan.to,
      version: next.version,
      actor: plan.actor,
      note: plan.note,
    },
  ];
  if (superseded) {
    const note = `superseded by ${id} (version ${next.version})`;
    events.push({
      descriptionId: superseded.descriptionId,
      productId: state.slot.productId,
      action: 'SUPERSEDE',
      from: 'PUBLISHED',
      to: 'SUPERSEDED',
      version: superseded.version,
      actor: plan.actor,
      note,
    });
  }
  return { entry: { ...current, state: next, version }, events: yield* record(events, at) };
}

export function* change(
  dialect: Dialect,
  descriptionId: string,
  planner: Planner,
  at: string,
): Steps<ChangeResult | null> {
  const [found] = yield* run('SELECT product_id FROM publication_states WHERE description_id = ?', [descriptionId]);
  if (!found) return null;
  yield* lockProduct(dialect, String(found.product_id));
  const current = yield* entryHeld(descriptionId);
  const live = yield* liveOf(current.state.slot, descriptionId);
  const plan = planner({ entry: current, live });
  if (!plan) return { entry: current, events: [] };
  return yield* apply(current, live, plan, at);
}

/** A generated description's admission into its slot, after its product is locked: see PublicationStore.admit. */
function* admitLocked(input: AdmitInput, planner: Planner, at: string): Steps<ChangeResult> {
  const { description: d, slot } = input;
  const pending: EventInput[] = [];
  let current: PublicationEntry;
  let checkStored = true;
  const created = yield* insertDraft(d, slot, input.check, input.complete, input.actor, at);
  if (created) {
    current = created.entry;
    pending.push(created.created);
  } else {
    // Adopted by a sweep in the meantime: finish what the sweep left, unless it already triaged it.
    current = yield* entryHeld(d.id);
    if (current.state.status !== 'DRAFT') return { entry: current, events: [] };
    if (current.state.verdict === null && input.check) {
      yield* storeCheck(d.id, 1, input.check);
      current = withCheck(current, input.check);
    } else checkStored = false;
  }
  const rivals = slotRivals(slot, d.id);
  const found = (yield* run(rivals.sql, rivals.params)).map((r) => toState(r));
  return yield* admitAmong(input, current, pending, checkStored, found, planner, at);
}

/**
 * The rest of an admission, once the draft is stored: the untouched drafts
 * among `rivals` superseded, the planner run against the live one, the plan
 * applied and every event recorded. `checkStored`: whether input.check is
 * what this transaction stored, so that a plan carrying it needs no second write.
 */
function* admitAmong(
  input: AdmitInput,
  current: PublicationEntry,
  pending: EventInput[],
  checkStored: boolean,
  rivals: PublicationState[],
  planner: Planner,
  at: string,
): Steps<ChangeResult> {
  const d = input.description;
  const untouched = rivals.filter((s) => s.status !== 'PUBLISHED');
  if (untouched.length > 0) {
    yield* run(
      `UPDATE publication_states SET status = 'SUPERSEDED', updated_at = ? WHERE description_id IN (${marks(untouched.length)})`,
      [at, ...untouched.map((s) => s.descriptionId)],
    );
  }
  for (const s of untouched) {
    pending.push({
      descriptionId: s.descriptionId,
      productId: d.productId,
      action: 'SUPERSEDE',
      from: s.status,
      to: 'SUPERSEDED',
      version: 1,
      actor: input.actor,
      note: `replaced by the newer generated text ${d.id}`,
    });
  }
  const live = rivals.find((s) => s.status === 'PUBLISHED') ?? null;
  const plan = planner({ entry: current, live });
  if (!plan) return { entry: current, events: yield* record(pending, at) };
  const { check, ...rest } = plan;
  return yield* apply(current, live, checkStored && check === input.check ? rest : plan, at, pending);
}

export function* admit(dialect: Dialect, input: AdmitInput, planner: Planner, at: string): Steps<ChangeResult> {
  yield* lockProduct(dialect, input.description.productId);
  return yield* admitLocked(input, planner, at);
}

/** A new generated description stored and admitted in one transaction: see PublicationStore.storeGenerated. */
export function* storeGenerated(
  dialect: Dialect,
  input: GeneratedInput,
  planner: Planner,
  at: string,
): Steps<ChangeResult> {
  const insert = descriptionInsert(input.description);
  const d = insert.record;
  const admission: AdmitInput = { ...input, description: d };
  yield* lockProduct(dialect, d.productId);
  if (dialect === 'sqlite') {
    yield* run(insert.sql, insert.params);
    return yield* admitLocked(admission, planner, at);
  }
  // PostgreSQL: the three INSERTs and the slot's read in one statement, one round trip. It comes after the
  // product's lock, so that its snapshot holds the slot as the last admission left it; its read cannot see its
  // own inserts, and needs not (a new description has no rival in its slot yet).
  const draft = draftStatements(d, input.slot, input.check, input.complete, at);
  const rivals = slotRivals(input.slot, d.id);
  const rows = yield* run(
    `WITH new_description AS (${insert.sql}), new_state AS (${draft.state.sql}), new_version AS (${draft.version.sql})
      SELECT (SELECT seq FROM new_state) AS draft_seq, r.* FROM (SELECT 1) AS one LEFT JOIN (${rivals.sql}) r ON true`,
    [...insert.params, ...draft.state.params, ...draft.version.params, ...rivals.params],
  );
  const { entry: current, created } = draftEntry(
    d,
    input.slot,
    input.check,
    input.complete,
    input.actor,
    at,
    Number(oneRow(rows, 'the new draft').draft_seq),
  );
  const found = rows.filter((r) => r.description_id !== null).map((r) => toState(r));
  return yield* admitAmong(admission, current, [created], true, found, planner, at);
}

/** Descriptions without a state, oldest first. */
export function* orphans(limit: number): Steps<AdmitInput['description'][]> {
  const rows = yield* run(
    'SELECT d.* FROM descriptions d WHERE NOT EXISTS (SELECT 1 FROM publication_states s WHERE s.description_id = d.id) ORDER BY d.seq LIMIT ?',
    [limit],
  );
  return rows.map(toDescription);
}

export function* adopt(
  items: ReadonlyArray<{ description: AdmitInput['description']; slot: Slot; complete: boolean }>,
  actor: ActorRecord,
  at: string,
): Steps<number> {
  const created: EventInput[] = [];
  for (const item of items) {
    const draft = yield* insertDraft(item.description, item.slot, null, item.complete, actor, at);
    if (draft) created.push(draft.created);
  }
  yield* record(created, at);
  return created.length;
}

export function* untriaged(limit: number): Steps<Array<{ entry: PublicationEntry; newerInSlot: boolean }>> {
  const newer = `, (SELECT count(*) FROM publication_states s2 JOIN descriptions d2 ON d2.id = s2.description_id
      WHERE s2.product_id = s.product_id AND s2.locale = s.locale AND s2.channel = s.channel AND s2.segment = s.segment AND d2.seq > d.seq) AS newer`;
  const rows = yield* run(
    `${entrySelect('current', newer)} WHERE s.status = 'DRAFT' AND ${NOT_SUPERSEDED('s')} AND s.verdict IS NULL ORDER BY s.seq LIMIT ?`,
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
  return (yield* run(
    `${entrySelect('live')} WHERE s.status = 'PUBLISHED' AND ${NOT_SUPERSEDED('s')} AND s.product_id IN (${marks(unique.length)})`,
    unique,
  )).map(toEntry);
}

export function* slotsInUse(slots: readonly Slot[]): Steps<boolean[]> {
  if (slots.length === 0) return [];
  const products = [...new Set(slots.map((s) => s.productId))];
  // No DISTINCT: the set below merges a slot's rows, and a slot holds few live ones.
  const rows = yield* run(
    `SELECT s.product_id, s.locale, s.channel, s.segment FROM publication_states s
      WHERE s.status IN (${marks(LIVE_STATUSES.length)}) AND ${NOT_SUPERSEDED('s')} AND s.product_id IN (${marks(products.length)})`,
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
  if (withStatus && f.statuses?.length) {
    add(`s.status IN (${marks(f.statuses.length)})`, ...f.statuses);
    if (!f.statuses.includes('SUPERSEDED')) add(NOT_SUPERSEDED('s'));
  }
  if (f.verdicts?.length) add(`s.verdict IN (${marks(f.verdicts.length)})`, ...f.verdicts);
  if (f.productId) add('s.product_id = ?', f.productId);
  if (f.category) add('lower(p.category) = lower(?)', f.category);
  if (f.provider) add('d.provider = ?', f.provider);
  if (f.model) add('d.model = ?', f.model);
  if (f.locale) add('s.locale = ?', f.locale);
  if (f.channel) add('s.channel = ?', f.channel);
  return { sql: clauses.join(' AND '), params };
}

export function* queue(
  filter: QueueFilter,
  first: number,
  afterSeq: number | null,
): Steps<{ rows: PublicationEntry[]; hasNextPage: boolean }> {
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
  const counts: Record<DescriptionStatus, number> = {
    DRAFT: 0,
    IN_REVIEW: 0,
    APPROVED: 0,
    PUBLISHED: 0,
    REJECTED: 0,
    SUPERSEDED: 0,
  };
  for (const r of rows) counts[String(r.status) as DescriptionStatus] = Number(r.n);
  return counts;
}

export function* history(productId: string, slot: Omit<Slot, 'productId'> | null): Steps<HistoryRecords> {
  const inSlot = slot ? ` AND ${slotWhere('s')}` : ' AND s.product_id = ?';
  const params = slot ? slotParams({ productId, ...slot }) : [productId];
  const entries = (yield* run(`${entrySelect('current')} WHERE 1 = 1${inSlot} ORDER BY s.seq`, params)).map(toEntry);
  const versions = (yield* run(
    `SELECT v.* FROM description_versions v JOIN publication_states s ON s.description_id = v.description_id WHERE 1 = 1${inSlot} ORDER BY s.seq, v.version`,
    params,
  )).map((r) => toVersion(r));
  const events = (yield* run(
    `SELECT e.* FROM publication_events e JOIN publication_states s ON s.description_id = e.description_id WHERE 1 = 1${inSlot} ORDER BY e.seq`,
    params,
  )).map(toEvent);
  return { entries, versions, events };
}
