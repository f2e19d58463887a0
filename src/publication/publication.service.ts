/**
 * The publication lifecycle's service: what a generated text becomes under
 * the policy, the content team's actions, the start-up sweep of rows stored
 * before the lifecycle, and the notices of each publication. Shared by every
 * request. The rules are lifecycle.ts's; the storage runs them in one
 * transaction per change.
 */
import type { Logger } from 'pino';
import { BadUserInputError, ErrorCode, GatewayError, NotFoundError } from '../errors/index.js';
import { checkFacts, type FactVocabulary } from '../evaluation/checks/facts/index.js';
import type { DescriptionInput, DescriptionRecord, ProductRecord } from '../storage/types.js';
import type {
  ActorRecord,
  ChangeResult,
  Plan,
  Planner,
  PublicationEntry,
  PublicationState,
  PublicationStore,
  QueueFilter,
  StoredCheck,
} from '../storage/publication-types.js';
import {
  actorRole,
  admit,
  checkVersion,
  publishGate,
  systemActor,
  transition,
  type Actor,
  type PublishPolicy,
} from './lifecycle.js';
import type { Slot } from './slot.js';
import type { PublicationBus, PublicationNotice } from './publication-bus.js';
import { PublishedCache, type PublishedCacheOptions } from './published-cache.js';

/** The fact check of a text against its product's record, in a slot's locale. */
export type FactChecker = (product: ProductRecord, text: string, locale: string) => StoredCheck;

/** A FactChecker over one compiled vocabulary (the gateway's, validated at start). */
export function factChecker(vocabulary: FactVocabulary): FactChecker {
  return (product, text, locale) => {
    const result = checkFacts(text, product, { locale, vocabulary });
    return {
      verdict: result.verdict,
      findings: result.findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        start: f.start,
        end: f.end,
        message: f.message,
        expected: f.expected,
      })),
    };
  };
}

/** Limits of what the content team sends. */
export const PUBLICATION_LIMITS = { textChars: 20_000, noteChars: 1000, bulkItems: 100 } as const;

export interface PublicationServiceOptions {
  store: PublicationStore;
  bus: PublicationBus;
  /** Products by id, in order (null where none). */
  products: (ids: readonly string[]) => Promise<Array<ProductRecord | null>>;
  check: FactChecker;
  /** PUBLISH_POLICY. Default "review". */
  policy?: PublishPolicy;
  /** The read path's cache of published texts (published-cache.ts), dropped by the bus's notices; null turns it off. Default: off. */
  readCache?: Omit<PublishedCacheOptions, 'load'> | null;
  logger?: Logger;
}

/** A person's action with an optional note and the version they saw. */
export interface ActionInput {
  note?: string | null;
  expectedVersion?: number | null;
}

export type BulkOutcome = { ok: true; entry: PublicationEntry } | { ok: false; id: string; error: GatewayError };

const POLICY_ACTOR = (policy: PublishPolicy): Actor => systemActor(`publish-policy:${policy}`);
const SWEEP_ACTOR = systemActor('migration');
/** Who stores a generated text when the caller is not named (a catalog job names itself). */
export const GENERATION_ACTOR: ActorRecord = { name: 'generation', role: 'system' };

const record = (actor: Actor): ActorRecord => ({ name: actor.name, role: actorRole(actor) });

function cleanNote(note: string | null | undefined, argument = 'note'): string | null {
  const text = note?.trim() ?? '';
  if (text.length > PUBLICATION_LIMITS.noteChars)
    throw new BadUserInputError(`${argument} is limited to ${PUBLICATION_LIMITS.noteChars} characters`, {
      reason: 'NOTE_TOO_LONG',
      argument,
    });
  return text || null;
}

export class PublicationService {
  private readonly store: PublicationStore;
  private readonly policy: PublishPolicy;
  /** What shoppers' reads are served from; null when off. */
  readonly readCache: PublishedCache | null;

  constructor(private readonly options: PublicationServiceOptions) {
    this.store = options.store;
    this.policy = options.policy ?? 'review';
    this.readCache = options.readCache
      ? new PublishedCache({ ...options.readCache, load: (ids) => this.store.publishedForProducts(ids) })
      : null;
    const cache = this.readCache;
    if (cache) {
      // This process's notices are delivered as the change commits, before the action answers: its own next read sees the change.
      options.bus.onPublished((notice) => cache.drop(notice.productId));
      options.bus.onNoticesLive((live) => cache.setNoticesLive(live));
    }
  }

  /** Calls `listener` for every publish and unpublish, from this process or (with Redis) another. */
  onPublished(listener: (notice: PublicationNotice) => void): () => void {
    return this.options.bus.onPublished(listener);
  }

  /**
   * A freshly generated text: stored, checked, put in its slot, and
   * published at once or queued for review as the policy decides, in one
   * transaction. The entry holds the stored record.
   */
  async storeGenerated(
    description: DescriptionInput,
    product: ProductRecord,
    slot: Slot,
    requestedBy: ActorRecord = GENERATION_ACTOR,
  ): Promise<PublicationEntry> {
    const { check, complete, planner } = this.admission(description, product, slot);
    const result = await this.store.storeGenerated({ description, slot, check, complete, actor: requestedBy }, planner);
    this.notify(result);
    return result.entry;
  }

  /** As storeGenerated, for a generated text already stored (tools, and rows a crash left without a state). */
  async admitGenerated(
    description: DescriptionRecord,
    product: ProductRecord,
    slot: Slot,
    requestedBy: ActorRecord = GENERATION_ACTOR,
  ): Promise<PublicationEntry> {
    const { check, complete, planner } = this.admission(description, product, slot);
    const result = await this.store.admit({ description, slot, check, complete, actor: requestedBy }, planner);
    this.notify(result);
    return result.entry;
  }

  /** A generated text's check, completeness, and the policy's planner over them. */
  private admission(
    description: DescriptionInput,
    product: ProductRecord,
    slot: Slot,
  ): { check: StoredCheck; complete: boolean; planner: Planner } {
    const check = this.options.check(product, description.text, slot.locale);
    return {
      check,
      complete: description.finishReason !== 'length',
      planner: ({ entry, live }) => this.policyPlan(entry.state, live, check),
    };
  }

  /** The policy's plan for an unchecked or new DRAFT: publish (auto, PASS, complete, no person's text live) or queue. */
  private policyPlan(state: PublicationState, live: PublicationState | null, check: StoredCheck): Plan {
    const actor = POLICY_ACTOR(this.policy);
    const to = admit({
      policy: this.policy,
      verdict: check.verdict,
      complete: state.complete,
      livePublishedBy: live?.publishedBy ?? null,
    });
    const action = to === 'PUBLISHED' ? 'PUBLISH' : 'SUBMIT';
    return {
      action,
      to: transition(action, state.status, actor),
      actor: record(actor),
      note: this.policyNote(to, check, state.complete, live),
      check,
    };
  }

  private policyNote(to: string, check: StoredCheck, complete: boolean, live: PublicationState | null): string {
    if (to === 'PUBLISHED') return 'PUBLISH_POLICY=auto: the check passed and the text is complete';
    if (this.policy === 'review') return 'PUBLISH_POLICY=review: a person approves every text';
    if (!complete) return 'PUBLISH_POLICY=auto: cut off by the token limit';
    if (check.verdict !== 'PASS') return `PUBLISH_POLICY=auto: the check says ${check.verdict}`;
    return `PUBLISH_POLICY=auto: the live text was published by a person (${live?.publishedBy ?? 'unknown'})`;
  }

  async approve(id: string, actor: Actor, input: ActionInput = {}): Promise<PublicationEntry> {
    const note = cleanNote(input.note);
    return this.act(id, ({ entry }) => {
      checkVersion(input.expectedVersion, entry.state.version);
      return { action: 'APPROVE', to: transition('APPROVE', entry.state.status, actor), actor: record(actor), note };
    });
  }

  /** Rejects with a reason (required), also a published text, which leaves the slot at once. */
  async reject(id: string, actor: Actor, input: ActionInput & { reason: string }): Promise<PublicationEntry> {
    const reason = cleanNote(input.reason, 'reason');
    if (!reason)
      throw new BadUserInputError('a rejection needs a reason', { reason: 'REASON_REQUIRED', argument: 'reason' });
    return this.act(id, ({ entry }) => {
      checkVersion(input.expectedVersion, entry.state.version);
      return {
        action: 'REJECT',
        to: transition('REJECT', entry.state.status, actor),
        actor: record(actor),
        note: reason,
      };
    });
  }

  /** Stores `text` as the next version, checked; an edit of a published text leaves the live version live until it is published. */
  async edit(
    id: string,
    actor: Actor,
    input: ActionInput & { text: string; expectedVersion: number },
  ): Promise<PublicationEntry> {
    const note = cleanNote(input.note);
    const text = input.text.trim();
    if (!text) throw new BadUserInputError('text is empty', { reason: 'EMPTY_TEXT', argument: 'text' });
    if (text.length > PUBLICATION_LIMITS.textChars)
      throw new BadUserInputError(`text is limited to ${PUBLICATION_LIMITS.textChars} characters`, {
        reason: 'TEXT_TOO_LONG',
        argument: 'text',
      });
    return this.act(id, ({ entry, product }) => {
      checkVersion(input.expectedVersion, entry.state.version);
      const to = transition('EDIT', entry.state.status, actor);
      return {
        action: 'EDIT',
        to,
        actor: record(actor),
        note,
        newVersion: { text, check: this.options.check(product, text, entry.state.slot.locale) },
      };
    });
  }

  /**
   * Publishes the current version, superseding the slot's last one. The
   * check is rerun first with today's vocabulary: a text cut by its token
   * limit is never published, a BLOCK only with `override` and a note.
   */
  async publish(
    id: string,
    actor: Actor,
    input: ActionInput & { override?: boolean | null } = {},
  ): Promise<PublicationEntry> {
    const note = cleanNote(input.note);
    return this.act(id, ({ entry, product }) =>
      this.publishPlan(entry, product, actor, {
        note,
        override: input.override ?? false,
        expectedVersion: input.expectedVersion ?? null,
      }),
    );
  }

  private publishPlan(
    entry: PublicationEntry,
    product: ProductRecord,
    actor: Actor,
    input: { note: string | null; override: boolean; expectedVersion: number | null },
    passedOnly = false,
  ): Plan {
    const { state } = entry;
    checkVersion(input.expectedVersion, state.version);
    const to = transition('PUBLISH', state.status, actor);
    if (state.status === 'PUBLISHED' && state.publishedVersion === state.version) {
      throw new BadUserInputError(`version ${state.version} is already published`, {
        reason: 'INVALID_TRANSITION',
        action: 'PUBLISH',
        from: state.status,
        to,
      });
    }
    const check = this.options.check(product, entry.version.text, state.slot.locale);
    if (passedOnly) requirePass(check, state.complete);
    publishGate(
      { verdict: check.verdict, complete: state.complete, findings: check.findings },
      { override: input.override, note: input.note },
    );
    const overridden =
      check.verdict === 'BLOCK'
        ? `override of BLOCK (${[...new Set(check.findings.filter((f) => f.severity === 'BLOCK').map((f) => f.code))].join(', ')}): `
        : '';
    return {
      action: 'PUBLISH',
      to,
      actor: record(actor),
      note: overridden || input.note ? `${overridden}${input.note ?? ''}` : null,
      check,
    };
  }

  /** Takes a published text out of its slot (it stays approved); the slot falls back to its base text or the reference. */
  async unpublish(id: string, actor: Actor, input: ActionInput = {}): Promise<PublicationEntry> {
    const note = cleanNote(input.note);
    return this.act(id, ({ entry }) => {
      checkVersion(input.expectedVersion, entry.state.version);
      return {
        action: 'UNPUBLISH',
        to: transition('UNPUBLISH', entry.state.status, actor),
        actor: record(actor),
        note,
      };
    });
  }

  /** Approves each text that passed the check and is complete; the others get NOT_PASSED. One outcome per id, in order. */
  async bulkApprove(ids: readonly string[], actor: Actor, note?: string | null): Promise<BulkOutcome[]> {
    const clean = cleanNote(note);
    return this.bulk(ids, (id) =>
      this.act(id, ({ entry }) => {
        requirePass({ verdict: entry.state.verdict ?? 'REVIEW', findings: [] }, entry.state.complete);
        return {
          action: 'APPROVE',
          to: transition('APPROVE', entry.state.status, actor),
          actor: record(actor),
          note: clean,
        };
      }),
    );
  }

  /** Publishes each approved text whose check, rerun now, passes; the others get NOT_PASSED or their refusal. */
  async bulkPublish(ids: readonly string[], actor: Actor, note?: string | null): Promise<BulkOutcome[]> {
    const clean = cleanNote(note);
    return this.bulk(ids, (id) =>
      this.act(id, ({ entry, product }) =>
        this.publishPlan(entry, product, actor, { note: clean, override: false, expectedVersion: null }, true),
      ),
    );
  }

  /**
   * Reruns the check of each text's current version with today's vocabulary
   * and stores the verdict (a RECHECK in its history). The status stays: a
   * published text that now blocks stays live, for a person to decide, and
   * the queue finds it with `{status: PUBLISHED, verdict: BLOCK}`.
   */
  async recheck(ids: readonly string[], actor: Actor): Promise<BulkOutcome[]> {
    return this.bulk(ids, (id) =>
      this.act(id, ({ entry, product }) => {
        const check = this.options.check(product, entry.version.text, entry.state.slot.locale);
        const was = entry.version.check?.verdict ?? 'unchecked';
        return {
          action: 'RECHECK',
          to: transition('RECHECK', entry.state.status, actor),
          actor: record(actor),
          note: `${was} → ${check.verdict}`,
          check,
        };
      }),
    );
  }

  private async bulk(ids: readonly string[], one: (id: string) => Promise<PublicationEntry>): Promise<BulkOutcome[]> {
    if (ids.length > PUBLICATION_LIMITS.bulkItems)
      throw new BadUserInputError(`at most ${PUBLICATION_LIMITS.bulkItems} ids per call`, {
        reason: 'TOO_MANY_ITEMS',
        argument: 'ids',
      });
    const out: BulkOutcome[] = [];
    // One after the other: items of one slot would otherwise wait on each other's product lock anyway.
    for (const id of ids) {
      try {
        out.push({ ok: true, entry: await one(id) });
      } catch (error) {
        if (!(error instanceof GatewayError))
          this.options.logger?.error({ err: error, descriptionId: id }, 'bulk lifecycle action failed');
        out.push({
          ok: false,
          id,
          error: error instanceof GatewayError ? error : new GatewayError(ErrorCode.INTERNAL, 'Internal server error'),
        });
      }
    }
    return out;
  }

  /** Runs one change planned from the state inside the transaction; notifies after it commits. */
  private async act(
    id: string,
    decide: (current: {
      entry: PublicationEntry;
      live: PublicationState | null;
      product: ProductRecord;
    }) => Plan | null,
  ): Promise<PublicationEntry> {
    const [before] = await this.store.entries([id]);
    if (!before) throw new NotFoundError('description', id);
    const [product] = await this.options.products([before.state.slot.productId]);
    if (!product) throw new NotFoundError('product', before.state.slot.productId);
    const result = await this.store.change(id, ({ entry, live }) => decide({ entry, live, product }));
    if (!result) throw new NotFoundError('description', id);
    // Also what no notice tells (a recheck's verdict or an edit of a live text): this process's next read is fresh.
    this.readCache?.drop(before.state.slot.productId);
    this.notify(result);
    return result.entry;
  }

  private notify(result: ChangeResult): void {
    const { entry, events } = result;
    for (const event of events) {
      if (event.descriptionId !== entry.state.descriptionId) continue;
      const published = event.action === 'PUBLISH';
      if (!published && !(event.from === 'PUBLISHED' && event.to !== 'PUBLISHED')) continue;
      const superseded = events.find((e) => e.action === 'SUPERSEDE' && e.from === 'PUBLISHED');
      this.options.bus.emit({
        type: published ? 'PUBLISHED' : 'UNPUBLISHED',
        descriptionId: entry.state.descriptionId,
        ...entry.state.slot,
        version: event.version,
        text: published ? entry.version.text : null,
        supersededId: published ? (superseded?.descriptionId ?? null) : null,
        actorName: event.actorName,
        actorRole: event.actorRole,
        note: event.note,
        at: event.createdAt,
      });
    }
  }

  entries(ids: readonly string[]): Promise<Array<PublicationEntry | null>> {
    return this.store.entries(ids);
  }

  /** What the products' slots serve now (through the read cache when it is on). */
  publishedForProducts(productIds: readonly string[]): Promise<PublicationEntry[]> {
    return this.readCache ? this.readCache.get(productIds) : this.store.publishedForProducts(productIds);
  }

  slotsInUse(slots: readonly Slot[]): Promise<boolean[]> {
    return this.store.slotsInUse(slots);
  }

  queue(filter: QueueFilter, first: number, afterSeq: number | null) {
    return this.store.queue(filter, first, afterSeq);
  }

  countByStatus(filter: QueueFilter) {
    return this.store.countByStatus(filter);
  }

  history(productId: string, slot: Omit<Slot, 'productId'> | null) {
    return this.store.history(productId, slot);
  }

  /**
   * At start: descriptions without a state (stored before the lifecycle, or
   * when a process died between the two writes) become DRAFTs, and every
   * unchecked DRAFT is checked and triaged, the newest of its slot by the
   * policy, older ones superseded. Safe to run by several replicas at once.
   */
  async sweep(batch = 500): Promise<{ adopted: number; triaged: number }> {
    let adopted = 0;
    for (let n = await this.store.adoptOrphans(batch); n > 0; n = await this.store.adoptOrphans(batch)) adopted += n;
    let triaged = 0;
    const seen = new Set<string>();
    for (;;) {
      const pending = (await this.store.untriaged(batch)).filter((p) => !seen.has(p.entry.state.descriptionId));
      if (pending.length === 0) break;
      const products = await this.options.products([...new Set(pending.map((p) => p.entry.state.slot.productId))]);
      const byId = new Map(products.filter((p): p is ProductRecord => p !== null).map((p) => [p.id, p]));
      for (const { entry, newerInSlot } of pending) {
        seen.add(entry.state.descriptionId);
        const product = byId.get(entry.state.slot.productId);
        if (!product) continue;
        let check: StoredCheck;
        try {
          check = this.options.check(product, entry.version.text, entry.state.slot.locale);
        } catch (error) {
          // One text the check cannot read must not stop the start: it stays an unchecked DRAFT, never shown, and is tried at the next start.
          this.options.logger?.error(
            { err: error, descriptionId: entry.state.descriptionId },
            'publication sweep: the fact check failed on a stored description',
          );
          continue;
        }
        const result = await this.store.change(entry.state.descriptionId, ({ entry: now, live }) => {
          if (now.state.status !== 'DRAFT' || now.state.verdict !== null) return null;
          if (!newerInSlot) return this.policyPlan(now.state, live, check);
          const note = 'a newer text of this slot was stored before the publication lifecycle';
          return {
            action: 'SUPERSEDE',
            to: transition('SUPERSEDE', now.state.status, SWEEP_ACTOR),
            actor: record(SWEEP_ACTOR),
            note,
            check,
          };
        });
        if (result?.events.length) {
          triaged++;
          this.notify(result);
        }
      }
    }
    if (adopted || triaged)
      this.options.logger?.info(
        { adopted, triaged, policy: this.policy },
        'publication sweep: descriptions stored before the lifecycle checked and triaged',
      );
    return { adopted, triaged };
  }

  /** Stops the notices; the store is the storage's, closed with it. */
  async close(): Promise<void> {
    await this.options.bus.close();
  }
}

function requirePass(check: Pick<StoredCheck, 'verdict' | 'findings'>, complete: boolean): void {
  if (check.verdict === 'PASS' && complete) return;
  const why = complete ? `its check says ${check.verdict}` : 'it was cut off by its token limit';
  throw new BadUserInputError(
    `bulk actions take only complete texts that passed the check; ${why}: act on it on its own`,
    { reason: 'NOT_PASSED', verdict: check.verdict, complete },
  );
}
