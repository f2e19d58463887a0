/**
 * Experiments through the API: creating and stopping them, assigning a
 * session to a variant, recording the app's events and analysing the
 * roll-ups. The statistics are the pure functions beside this file; the
 * only shared state is the database, so every replica assigns a session
 * alike. See docs/experiments.md ("Through the API").
 */
import { BadUserInputError, ErrorCode, GatewayError, NotFoundError } from '../errors/index.js';
import { BUCKET_MS, CONVERSION_EVENT } from '../storage/experiment-types.js';
import type { BulkOutcome, PublicationService } from '../publication/index.js';
import type { Actor } from '../publication/lifecycle.js';
import type {
  EventInput,
  EventOutcome,
  EventType,
  ExperimentRecord,
  ExperimentStore,
  RollupRow,
  Storage,
} from '../storage/types.js';
import { analyzeLooks, ANALYSIS_DEFAULTS, type ExperimentAnalysis } from './analysis.js';
import { assignByWeights } from './assignment.js';
import { createThompsonAllocator, type ThompsonAllocator } from './thompson.js';
import type { VariantCounts } from './types.js';
import type { PublicationEntry } from '../storage/publication-types.js';
import { checkExperiment, type ExperimentSpec } from './experiment-input.js';
import { recipeVariants, type RecipeGenerator } from './recipes.js';
import type { ActorRecord } from '../storage/publication-types.js';
import {
  checkEvent,
  isClientId,
  MAX_CLIENT_ID_LENGTH,
  MAX_EVENTS_PER_CALL,
  type EventRefusal,
  type EventSpec,
} from './event-input.js';

/** Buckets per look: the analysis looks once a day, as the people reading it do. */
export const BUCKETS_PER_LOOK = 24;

/** What experiments need of the publication lifecycle: which texts a shopper may see, and publishing a winner. */
export type ExperimentPublication = Pick<PublicationService, 'entries' | 'publishedForProducts' | 'bulkPublish'>;

/** Most descriptions one bulkPublish call takes (PUBLICATION_LIMITS.bulkItems). */
const PUBLISH_CHUNK = 100;

export interface ExperimentServiceOptions {
  /** Clock in ms (roll-up buckets, Thompson epochs, the events' time window). Default Date.now. */
  now?: () => number;
  /** Generates recipe variants' texts (the description service). Default none: a recipe variant is refused (RECIPES_NOT_AVAILABLE). */
  generator?: RecipeGenerator;
}

/** A session's read of one product's description (Product.description(sessionId)). */
export interface AssignmentKey {
  productId: string;
  sessionId: string;
}

/** The text served to a session in an experiment, and why. */
export interface Served {
  entry: PublicationEntry;
  assignment: Assignment;
}

/** The variant a session sees of one product. */
export interface Assignment {
  experimentId: string;
  variantId: string;
  /** The stored description shown. */
  descriptionId: string;
  /** True when the variant has no admissible text for this product (none, or not approved or published) and the control's is shown instead. */
  servedControl: boolean;
}

export type EventResult =
  { eventId: string; status: 'ACCEPTED' | 'DUPLICATE' } | ({ eventId: string; status: 'REJECTED' } & EventRefusal);

/** Takes `count` events from the caller's event bucket (EVENT_RATE_LIMITS). */
export type EventBudget = (count: number) => Promise<{ allowed: boolean; retryAfterSeconds: number }>;

/** One day's look: the cumulative counts per variant at the end of the day. */
export interface Look {
  /** The end of the look's last bucket. */
  at: Date;
  counts: VariantCounts[];
}

export interface ExperimentReport {
  experiment: ExperimentRecord;
  analysis: ExperimentAnalysis;
  /** Oldest first; empty before any exposure. */
  looks: Look[];
}

export class ExperimentService {
  private readonly now: () => number;
  /** Thompson allocators by experiment id: each recomputes its weights once per epoch from the roll-ups. */
  private readonly allocators = new Map<string, ThompsonAllocator>();

  constructor(
    private readonly storage: Pick<Storage, 'experiments' | 'events' | 'descriptions' | 'catalog'>,
    private readonly publication: ExperimentPublication,
    private readonly options: ExperimentServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Checks the design, generates the recipe variants' texts (each through the publication policy), and stores the experiment, running. */
  async create(spec: ExperimentSpec, requestedBy?: ActorRecord): Promise<ExperimentRecord> {
    const checked = await checkExperiment(spec, { ...this.storage, publication: this.publication });
    const variants = await recipeVariants(checked, spec, {
      catalog: this.storage.catalog,
      ...(this.options.generator ? { generator: this.options.generator } : {}),
      ...(requestedBy ? { requestedBy } : {}),
    });
    return this.storage.experiments.create({ ...checked, variants });
  }

  byId(id: string): Promise<ExperimentRecord | null> {
    return this.storage.experiments.byId(id);
  }

  list(): Promise<ExperimentRecord[]> {
    return this.storage.experiments.list();
  }

  /** PAUSED: no session is assigned (products show their usual text); events of sessions already in it still count. */
  async pause(id: string): Promise<ExperimentRecord> {
    return this.move(id, 'RUNNING', 'PAUSED', null);
  }

  async resume(id: string): Promise<ExperimentRecord> {
    return this.move(id, 'PAUSED', 'RUNNING', null);
  }

  /**
   * Ends the experiment with a winner: the one named, else the analysis's
   * (STOP_WINNER), else the control. With `publishWinner`, the winner's
   * texts are published through the lifecycle (each APPROVED one, or a
   * PUBLISHED one with a newer version; the check is rerun first), one
   * outcome per text; texts already live are left as they are.
   */
  async conclude(
    id: string,
    options: { publishWinner: boolean; winnerVariantId?: string | null; actor?: Actor },
  ): Promise<{ experiment: ExperimentRecord; published: BulkOutcome[] }> {
    const report = await this.report(id);
    const winner = options.winnerVariantId ?? report.analysis.winnerId ?? report.experiment.variants[0]?.id;
    const variant = report.experiment.variants.find((v) => v.id === winner);
    if (!variant)
      throw new BadUserInputError(`experiment ${JSON.stringify(id)} has no variant ${JSON.stringify(winner)}`, {
        reason: 'UNKNOWN_VARIANT',
      });
    if (report.experiment.status === 'CONCLUDED')
      throw new BadUserInputError(`experiment ${JSON.stringify(id)} is already concluded`, {
        reason: 'ALREADY_CONCLUDED',
      });
    const actor = options.actor ?? null;
    if (options.publishWinner && !actor)
      throw new BadUserInputError('publishing a winner needs the person who concludes', { reason: 'NO_ACTOR' });
    const experiment = await this.storage.experiments.setStatus(id, 'CONCLUDED', variant.id);
    if (!experiment) throw new NotFoundError('experiment', id);
    const published: BulkOutcome[] = [];
    if (!options.publishWinner || !actor) return { experiment, published };
    const entries = await this.publication.entries(Object.values(variant.descriptionIds));
    const toPublish = entries.filter(
      (e): e is PublicationEntry =>
        !!e &&
        (e.state.status === 'APPROVED' ||
          (e.state.status === 'PUBLISHED' && e.state.version !== e.state.publishedVersion)),
    );
    const note = `experiment ${experiment.name} (${experiment.id}): variant ${variant.id} won`;
    for (let i = 0; i < toPublish.length; i += PUBLISH_CHUNK) {
      published.push(
        ...(await this.publication.bulkPublish(
          toPublish.slice(i, i + PUBLISH_CHUNK).map((e) => e.state.descriptionId),
          actor,
          note,
        )),
      );
    }
    return { experiment, published };
  }

  private async move(
    id: string,
    from: ExperimentRecord['status'],
    to: ExperimentRecord['status'],
    winner: string | null,
  ): Promise<ExperimentRecord> {
    const experiment = await this.storage.experiments.byId(id);
    if (!experiment) throw new NotFoundError('experiment', id);
    if (experiment.status !== from)
      throw new BadUserInputError(
        `experiment ${JSON.stringify(id)} is ${experiment.status.toLowerCase()}, not ${from.toLowerCase()}`,
        { reason: 'BAD_STATUS' },
      );
    const moved = await this.storage.experiments.setStatus(id, to, winner);
    if (!moved) throw new NotFoundError('experiment', id);
    return moved;
  }

  /**
   * Per key, in order: the variant the session is assigned of the product's
   * running experiment, with its text; null when the product is in none.
   * The text is the variant's description when a shopper may see it
   * (published, or approved: approved texts are served only to sessions in
   * the experiment), else the control's, said in `servedControl`; null as
   * well when the control's text is no longer admissible (rejected,
   * superseded), so that the product's usual text is served. A bad session
   * id is a BadUserInputError in its place. A fixed number of reads for any
   * number of keys (the assignment loader's batch): the products'
   * experiments, the sessions' first variants (THOMPSON only), the texts'
   * states.
   */
  async describeMany(keys: readonly AssignmentKey[]): Promise<Array<Served | null | Error>> {
    const good = keys.filter((k) => isClientId(k.sessionId));
    const running = good.length
      ? (await this.storage.experiments.activeForProducts([...new Set(good.map((k) => k.productId))])).filter(
          (e) => e.status === 'RUNNING',
        )
      : [];
    const byProduct = new Map<string, ExperimentRecord>();
    for (const e of running) for (const p of e.productIds) if (!byProduct.has(p)) byProduct.set(p, e);
    const inExperiment = good.flatMap((key) => {
      const experiment = byProduct.get(key.productId);
      return experiment ? [{ key, experiment }] : [];
    });
    const indexes = await this.variantIndexes(
      inExperiment.map(({ key, experiment }) => ({ experiment, sessionId: key.sessionId })),
    );
    const picks = inExperiment.map(({ key, experiment }, i) => {
      const index = indexes[i];
      const variant = index === undefined ? undefined : experiment.variants[index];
      // The input check gave the control a text of every product of the experiment.
      const control = experiment.variants[0]?.descriptionIds[key.productId];
      if (!variant || control === undefined)
        throw new Error(`experiment ${experiment.id}: no variant ${index} or control text for ${key.productId}`);
      return { key, experiment, variant, own: variant.descriptionIds[key.productId], control };
    });
    const shown = picks.length
      ? await this.admissible(
          picks.map((p) => p.key.productId),
          picks.flatMap((p) => (p.own ? [p.own, p.control] : [p.control])),
        )
      : new Map<string, PublicationEntry>();
    const served = new Map<AssignmentKey, Served | null>();
    for (const { key, experiment, variant, own, control } of picks) {
      const entry = (own && shown.get(own)) || shown.get(control);
      served.set(
        key,
        entry
          ? {
              entry,
              assignment: {
                experimentId: experiment.id,
                variantId: variant.id,
                descriptionId: entry.state.descriptionId,
                servedControl: entry.state.descriptionId !== own,
              },
            }
          : null,
      );
    }
    return keys.map((k) =>
      isClientId(k.sessionId)
        ? (served.get(k) ?? null)
        : new BadUserInputError(`sessionId must be 1 to ${MAX_CLIENT_ID_LENGTH} printable characters without spaces`, {
            reason: 'BAD_SESSION_ID',
          }),
    );
  }

  /** Of these descriptions of the products, those a session in an experiment may see: published at their live version, approved at their current one. */
  private async admissible(
    productIds: readonly string[],
    ids: readonly string[],
  ): Promise<Map<string, PublicationEntry>> {
    const wanted = new Set(ids);
    const [published, entries] = await Promise.all([
      this.publication.publishedForProducts([...new Set(productIds)]),
      this.publication.entries([...wanted]),
    ]);
    const out = new Map<string, PublicationEntry>();
    for (const e of published) if (wanted.has(e.state.descriptionId)) out.set(e.state.descriptionId, e);
    for (const e of entries) if (e?.state.status === 'APPROVED') out.set(e.state.descriptionId, e);
    return out;
  }

  /**
   * FIXED: the hash of experiment and session against the weights. THOMPSON:
   * the variant of the session's first stored event when it has one (sticky;
   * one read for all the THOMPSON sessions), else the current epoch's
   * weighted pick at the session's hash point, which every replica computes
   * alike from the roll-ups.
   */
  private async variantIndexes(
    sessions: ReadonlyArray<{ experiment: ExperimentRecord; sessionId: string }>,
  ): Promise<number[]> {
    const thompson = sessions.filter((s) => s.experiment.allocation === 'THOMPSON');
    const stored = await this.storage.experiments.sessionVariants(
      thompson.map((s) => ({ experimentId: s.experiment.id, sessionId: s.sessionId })),
    );
    let t = 0;
    return Promise.all(
      sessions.map(async ({ experiment, sessionId }) => {
        if (experiment.allocation === 'FIXED')
          return assignByWeights(
            experiment.id,
            sessionId,
            experiment.variants.map((v) => v.weight),
          );
        // Read before the first await: the THOMPSON sessions take their stored variants in order.
        const first = stored[t++];
        const before = first ? experiment.variants.findIndex((v) => v.id === first) : -1;
        return this.allocator(experiment).assign(sessionId, before >= 0 ? before : undefined);
      }),
    );
  }

  private allocator(experiment: ExperimentRecord): ThompsonAllocator {
    let allocator = this.allocators.get(experiment.id);
    if (!allocator) {
      allocator = createThompsonAllocator({
        experimentId: experiment.id,
        refreshSeconds: experiment.refreshSeconds,
        now: this.now,
        // Whole buckets before the epoch's start: complete once the hour is past, so every replica reads the same counts.
        readCounts: async (asOf) =>
          totals(
            experiment,
            await this.storage.experiments.rollups(experiment.id, Math.floor(asOf.getTime() / BUCKET_MS)),
          ),
      });
      this.allocators.set(experiment.id, allocator);
    }
    return allocator;
  }

  /**
   * Checks and stores a batch of the app's events: one result per event, in
   * order. Refused events are reported one by one; a retried event is a
   * DUPLICATE and counts once. The caller's event bucket is charged one
   * token per event before anything is stored.
   */
  async record(specs: readonly EventSpec[], budget?: EventBudget): Promise<EventResult[]> {
    if (specs.length > MAX_EVENTS_PER_CALL)
      throw new BadUserInputError(`at most ${MAX_EVENTS_PER_CALL} events per call, got ${specs.length}`, {
        reason: 'TOO_MANY_EVENTS',
      });
    if (specs.length === 0) return [];
    const taken = budget ? await budget(specs.length) : { allowed: true, retryAfterSeconds: 0 };
    if (!taken.allowed)
      throw new GatewayError(
        ErrorCode.RATE_LIMITED,
        `event rate limit reached for this key: retry in ${taken.retryAfterSeconds} s`,
        { retryAfter: taken.retryAfterSeconds, reason: 'EVENT_RATE_LIMIT' },
      );
    const now = this.now();
    const experiments = await this.experimentsOf(specs);
    const checked = specs.map((s) => ({ spec: s, check: checkEvent(s, experiments, now) }));
    const good = checked.map((c) => c.check).filter((c): c is EventInput => 'eventId' in c);
    const conversions = new Map<string, EventType>();
    // Sessions of a paused experiment were assigned before the pause: their events still count.
    for (const e of experiments.values())
      if (e && e.status !== 'CONCLUDED') conversions.set(e.id, CONVERSION_EVENT[e.metric]);
    const outcomes = good.length
      ? await this.storage.events.record({
          events: good,
          receivedAt: new Date(now).toISOString(),
          bucket: Math.floor(now / BUCKET_MS),
          conversions,
        })
      : [];
    let g = 0;
    return checked.map(({ spec, check: c }): EventResult => {
      if (!('eventId' in c)) return { eventId: spec.eventId, status: 'REJECTED', ...c };
      // The store returns one outcome per stored event, in order.
      const outcome: EventOutcome | undefined = outcomes[g++];
      if (outcome === undefined) throw new Error(`events: ${outcomes.length} outcomes for ${good.length} events`);
      return { eventId: c.eventId, status: outcome === 'inserted' ? 'ACCEPTED' : 'DUPLICATE' };
    });
  }

  private async experimentsOf(specs: readonly EventSpec[]): Promise<Map<string, ExperimentRecord | null>> {
    const ids = [...new Set(specs.flatMap((s) => (s.experimentId ? [s.experimentId] : [])))];
    return new Map(await Promise.all(ids.map(async (id) => [id, await this.storage.experiments.byId(id)] as const)));
  }

  /** The analysis as of now (experimentReport). */
  report(id: string): Promise<ExperimentReport> {
    return experimentReport(this.storage.experiments, id);
  }
}

/**
 * The analysis as of now, folded over one look per day so that its decision
 * stays valid under daily looks; the roll-ups are all it reads (the report
 * CLI calls it on the store alone).
 */
export async function experimentReport(
  store: Pick<ExperimentStore, 'byId' | 'rollups'>,
  id: string,
): Promise<ExperimentReport> {
  const experiment = await store.byId(id);
  if (!experiment) throw new NotFoundError('experiment', id);
  const looks = dailyLooks(experiment, await store.rollups(id));
  const options = { minSample: experiment.minSample ?? ANALYSIS_DEFAULTS.minSample };
  const analysis = analyzeLooks(looks.length ? looks.map((l) => l.counts) : [totals(experiment, [])], options);
  return { experiment, analysis, looks };
}

/** Counts per variant (in variant order) summed over the rows. */
function totals(experiment: ExperimentRecord, rows: readonly RollupRow[]): VariantCounts[] {
  const counts = experiment.variants.map((v) => ({ id: v.id, exposures: 0, conversions: 0 }));
  const index = new Map(experiment.variants.map((v, i) => [v.id, i]));
  for (const r of rows) {
    const c = counts[index.get(r.variantId) ?? -1];
    if (!c) continue;
    c.exposures += r.exposures;
    c.conversions += r.conversions;
  }
  return counts;
}

/** Cumulative counts at the end of each day that has roll-ups (rows come oldest bucket first). */
export function dailyLooks(experiment: ExperimentRecord, rows: readonly RollupRow[]): Look[] {
  const looks: Look[] = [];
  const days: Array<{ day: number; rows: RollupRow[] }> = [];
  for (const r of rows) {
    const day = Math.floor(r.bucket / BUCKETS_PER_LOOK);
    const last = days.at(-1);
    if (last?.day === day) last.rows.push(r);
    else days.push({ day, rows: [r] });
  }
  let running = totals(experiment, []);
  for (const { day, rows: dayRows } of days) {
    const today = totals(experiment, dayRows);
    // totals() gives one entry per variant, in the experiment's order, every time.
    running = running.map((c, k) => {
      const t = today[k];
      if (t === undefined) throw new Error(`experiment ${experiment.id}: no counts for variant ${c.id}`);
      return { id: c.id, exposures: c.exposures + t.exposures, conversions: c.conversions + t.conversions };
    });
    looks.push({ at: new Date((day + 1) * BUCKETS_PER_LOOK * BUCKET_MS), counts: running });
  }
  return looks;
}
