/**
 * The experiment and event aggregates: experiments with their variants, the
 * append-only events the mobile app reports, and the roll-ups the analysis
 * reads (per experiment × variant × hour bucket), kept in the same transaction as
 * the events so that no read ever scans the events. See docs/experiments.md.
 */

export type EventType = 'IMPRESSION' | 'CLICK' | 'ADD_TO_CART' | 'PURCHASE';
export type ExperimentMetric = 'CLICK_RATE' | 'ADD_TO_CART_RATE' | 'PURCHASE_RATE';
export type AllocationKind = 'FIXED' | 'THOMPSON';
export type ExperimentStatus = 'RUNNING' | 'PAUSED' | 'CONCLUDED';

/** Length of one roll-up bucket: the finest time the analysis and Thompson's epochs see. */
export const BUCKET_MS = 3_600_000;

/** The event a metric counts as a conversion, per impression (per session, see docs/experiments.md). */
export const CONVERSION_EVENT: Readonly<Record<ExperimentMetric, EventType>> = {
  CLICK_RATE: 'CLICK',
  ADD_TO_CART_RATE: 'ADD_TO_CART',
  PURCHASE_RATE: 'PURCHASE',
};

export interface ExperimentVariant {
  /** Stable within the experiment: what the app reports back with its events. */
  id: string;
  name: string;
  /** Share of the traffic under FIXED allocation (any positive scale). */
  weight: number;
  /** The stored description each product shows in this variant, by product id. */
  descriptionIds: Record<string, string>;
  /** A recipe variant: how its texts were generated, and the experiment's own channel they wait in. */
  recipe?: VariantRecipe;
}

/** How a recipe variant's texts are generated (GenerateItem's fields), kept with the experiment. */
export interface VariantRecipe {
  provider: string | null;
  policy: string;
  params: Record<string, unknown>;
  promptVersion: string;
  /** The slot's channel the texts are written for: the experiment's own, so no shopper outside it is served them. */
  channel: string;
}

export interface ExperimentInput {
  name: string;
  metric: ExperimentMetric;
  allocation: AllocationKind;
  /** Exposures every variant needs before a stop is recommended; null for the analysis default. */
  minSample: number | null;
  /** THOMPSON: seconds between recomputations of the weights. */
  refreshSeconds: number;
  /** Two or more; the first is the control. */
  variants: ExperimentVariant[];
  productIds: string[];
}

export interface ExperimentRecord extends ExperimentInput {
  id: string;
  status: ExperimentStatus;
  winnerVariantId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One event as stored, after validation. */
export interface EventInput {
  eventId: string;
  type: EventType;
  sessionId: string;
  productId: string;
  descriptionId: string | null;
  experimentId: string | null;
  variantId: string | null;
  /** ISO 8601, as the client reported it. */
  occurredAt: string;
  value: number | null;
}

export interface EventBatch {
  events: readonly EventInput[];
  /** When the gateway received the batch: ISO 8601 (stored) and the roll-up bucket (floor(ms / BUCKET_MS)). */
  receivedAt: string;
  bucket: number;
  /**
   * The conversion event of each experiment whose events are rolled up now
   * (the running ones); events of other experiments are stored only.
   */
  conversions: ReadonlyMap<string, EventType>;
}

/** Per event of a batch, in order: stored now, or already stored (same eventId) and so not counted again. */
export type EventOutcome = 'inserted' | 'duplicate';

export interface RollupRow {
  variantId: string;
  bucket: number;
  /** Sessions first exposed (first IMPRESSION) in the bucket. */
  exposures: number;
  /** Exposed sessions whose first conversion event made them count in the bucket. */
  conversions: number;
}

export interface ExperimentStore {
  create(input: ExperimentInput): Promise<ExperimentRecord>;
  byId(id: string): Promise<ExperimentRecord | null>;
  list(): Promise<ExperimentRecord[]>;
  /** The experiments that are RUNNING or PAUSED and include any of these products. */
  activeForProducts(productIds: readonly string[]): Promise<ExperimentRecord[]>;
  /** Sets the status (and winner); returns the record, or null when there is no such experiment. */
  setStatus(id: string, status: ExperimentStatus, winnerVariantId: string | null): Promise<ExperimentRecord | null>;
  /** The variant each session was first recorded in of its experiment (null where the session has no event yet), in order; one read for any number. */
  sessionVariants(sessions: ReadonlyArray<{ experimentId: string; sessionId: string }>): Promise<Array<string | null>>;
  /** The roll-ups, oldest bucket first; only buckets before `beforeBucket` when given. */
  rollups(experimentId: string, beforeBucket?: number): Promise<RollupRow[]>;
}

export interface EventStore {
  /**
   * Stores the batch in one transaction, idempotent by eventId (the first
   * copy wins, in the batch too), and updates the sessions and roll-ups of
   * the events stored now. One outcome per event, in order.
   */
  record(batch: EventBatch): Promise<EventOutcome[]>;
  /** Stored events, for tests and operations. */
  count(): Promise<number>;
}
