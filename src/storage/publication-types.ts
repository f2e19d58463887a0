/**
 * The publication aggregate's storage interface (tables from migration 6):
 * each description's lifecycle state in its slot, its versions with their
 * checks, and the audit trail of every change. The rules live in
 * src/publication/; this layer runs what a `Planner` decides, inside one
 * transaction per change.
 */
import type { DescriptionStatus, LifecycleAction, Verdict } from '../publication/states.js';
import type { Slot } from '../publication/slot.js';
import type { DescriptionInput, DescriptionRecord } from './description-types.js';

export interface StoredFinding {
  code: string;
  severity: string;
  start: number;
  end: number;
  message: string;
  expected: string | null;
}

/** The fact check of one version, as it was when stored. */
export interface StoredCheck {
  verdict: Verdict;
  findings: StoredFinding[];
}

export interface PublicationState {
  /** Order of arrival; the review queue's keyset. */
  seq: number;
  descriptionId: string;
  slot: Slot;
  status: DescriptionStatus;
  /** The current version (1: the generated text). */
  version: number;
  /** The version last published (live while the status is PUBLISHED). */
  publishedVersion: number | null;
  /** The current version's verdict; null until it is checked (rows stored before the lifecycle, until the start-up sweep). */
  verdict: Verdict | null;
  /** False when the current version is a generation cut by its token limit. */
  complete: boolean;
  /** Role of whoever published the last published version (`system` for the policy). */
  publishedBy: string | null;
  updatedAt: string;
}

export interface VersionRecord {
  descriptionId: string;
  version: number;
  text: string;
  /** The key's name for a person's edit; `provider/model` for the generated text. */
  authorName: string;
  /** The key's role, or `generator` for the generated text. */
  authorRole: string;
  check: StoredCheck | null;
  note: string | null;
  createdAt: string;
}

export interface EventRecord {
  seq: number;
  descriptionId: string;
  productId: string;
  action: LifecycleAction;
  from: DescriptionStatus | null;
  to: DescriptionStatus;
  version: number;
  actorName: string;
  actorRole: string;
  note: string | null;
  createdAt: string;
}

/** A description with its state and one of its versions (the current one, or the live one for shopper reads). */
export interface PublicationEntry {
  description: DescriptionRecord;
  state: PublicationState;
  version: VersionRecord;
}

export interface ActorRecord {
  name: string;
  role: string;
}

/** One change, as `src/publication/` decides it. */
export interface Plan {
  action: LifecycleAction;
  /** The status after the change (the same for an edit of a published text or a recheck). */
  to: DescriptionStatus;
  actor: ActorRecord;
  note: string | null;
  /** An edit: the new current version, checked. */
  newVersion?: { text: string; check: StoredCheck };
  /** A fresh check of the current version (at publish, and when the start-up sweep first checks a row). */
  check?: StoredCheck;
}

/**
 * Decides a change from the state read inside the transaction (the
 * description's, and the slot's published one other than it): a Plan, null
 * for nothing to do, or a thrown client error, which rolls back. Runs
 * synchronously, inside the transaction.
 */
export type Planner = (current: { entry: PublicationEntry; live: PublicationState | null }) => Plan | null;

export interface ChangeResult {
  /** The description after the change. */
  entry: PublicationEntry;
  /** What was recorded, in order (a publish also supersedes the slot's last one). */
  events: EventRecord[];
}

export interface AdmitInput {
  description: DescriptionRecord;
  slot: Slot;
  check: StoredCheck | null;
  complete: boolean;
  actor: ActorRecord;
}

/** A generated description not stored yet, to store and admit in one transaction. */
export interface GeneratedInput extends Omit<AdmitInput, 'description'> {
  description: DescriptionInput;
}

export interface QueueFilter {
  statuses?: readonly DescriptionStatus[] | null;
  verdicts?: readonly Verdict[] | null;
  productId?: string | null;
  /** Case-insensitive, as the catalog filter. */
  category?: string | null;
  provider?: string | null;
  model?: string | null;
  locale?: string | null;
  channel?: string | null;
}

export interface QueuePage {
  rows: PublicationEntry[];
  hasNextPage: boolean;
}

export interface HistoryRecords {
  /** The product's descriptions in the asked-for slot (or all), oldest first, each with its current version. */
  entries: PublicationEntry[];
  /** Every version of those descriptions, by description and version. */
  versions: VersionRecord[];
  /** Every recorded change of those descriptions, in order. */
  events: EventRecord[];
}

export interface PublicationStore {
  /**
   * Stores a new description's state (DRAFT, version 1 with its check) and
   * runs `planner` on it in the same transaction (the publication policy).
   * Older generated drafts of the slot that no person has touched are
   * superseded: the queue holds one machine text per slot.
   */
  admit(input: AdmitInput, planner: Planner): Promise<ChangeResult>;
  /** Stores a new generated description and admits it as `admit` does, in one transaction; the entry holds the stored record. */
  storeGenerated(input: GeneratedInput, planner: Planner): Promise<ChangeResult>;
  /** Runs one planned change; NOT_FOUND-free: null when the description has no state. */
  change(descriptionId: string, planner: Planner): Promise<ChangeResult | null>;
  /** Gives up to `limit` descriptions without a state (stored before migration 6, or when a crash came between the two writes) a DRAFT one, unchecked; returns how many. */
  adoptOrphans(limit: number): Promise<number>;
  /** Up to `limit` unchecked DRAFTs, oldest first, each with whether a newer description exists in its slot. */
  untriaged(limit: number): Promise<Array<{ entry: PublicationEntry; newerInSlot: boolean }>>;
  /** Each description's entry with its current version, in order (null where it has none). */
  entries(descriptionIds: readonly string[]): Promise<Array<PublicationEntry | null>>;
  /** The published descriptions of these products, each with its live version. */
  publishedForProducts(productIds: readonly string[]): Promise<PublicationEntry[]>;
  /** Per slot, whether it holds a description that is DRAFT, IN_REVIEW, APPROVED or PUBLISHED. */
  slotsInUse(slots: readonly Slot[]): Promise<boolean[]>;
  queue(filter: QueueFilter, first: number, afterSeq: number | null): Promise<QueuePage>;
  /** Descriptions per status matching the filter's other fields. */
  countByStatus(filter: QueueFilter): Promise<Record<DescriptionStatus, number>>;
  history(productId: string, slot: Omit<Slot, 'productId'> | null): Promise<HistoryRecords>;
}
