/**
 * The publication store over SQLite or PostgreSQL: the operations of
 * publication-sql.ts, run by a driver on the connection the storage owns
 * (sqlite/sqlite-publication.ts, postgres/postgres-publication.ts). The
 * SQLite driver runs an operation's statements synchronously, a write inside
 * BEGIN IMMEDIATE … COMMIT that never yields to the event loop; the
 * PostgreSQL driver awaits each one, a write on one pooled connection inside
 * BEGIN … COMMIT.
 */
import * as sql from './publication-sql.js';
import type { Dialect, Steps } from './publication-sql.js';
import type {
  ActorRecord,
  AdmitInput,
  GeneratedInput,
  Planner,
  PublicationStore,
  QueueFilter,
} from './publication-types.js';
import { slotOf, DEFAULT_CHANNEL, type Slot } from '../publication/slot.js';

/** Runs operations on the storage's connection; `write` in one transaction. */
export interface PublicationDriver {
  readonly dialect: Dialect;
  read<T>(steps: Steps<T>): Promise<T>;
  write<T>(steps: Steps<T>): Promise<T>;
}

/** Who adopts the descriptions stored before the lifecycle. */
const MIGRATION_ACTOR: ActorRecord = { name: 'migration', role: 'system' };

export class SqlPublicationStore implements PublicationStore {
  constructor(
    private readonly driver: PublicationDriver,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  admit(input: AdmitInput, planner: Planner) {
    return this.driver.write(sql.admit(this.driver.dialect, input, planner, this.now()));
  }

  storeGenerated(input: GeneratedInput, planner: Planner) {
    return this.driver.write(sql.storeGenerated(this.driver.dialect, input, planner, this.now()));
  }

  change(descriptionId: string, planner: Planner) {
    return this.driver.write(sql.change(this.driver.dialect, descriptionId, planner, this.now()));
  }

  async adoptOrphans(limit: number): Promise<number> {
    const found = await this.driver.read(sql.orphans(limit));
    if (found.length === 0) return 0;
    // Rows stored before channels existed belong to the default channel; their personalization gives locale and segment.
    const items = found.map((description) => ({
      description,
      slot: slotOf(
        description.productId,
        description.personalization as { locale?: string; segment?: string } | null,
        DEFAULT_CHANNEL,
      ),
      complete: description.finishReason !== 'length',
    }));
    return this.driver.write(sql.adopt(items, MIGRATION_ACTOR, this.now()));
  }

  untriaged(limit: number) {
    return this.driver.read(sql.untriaged(limit));
  }

  entries(descriptionIds: readonly string[]) {
    return this.driver.read(sql.entries(descriptionIds));
  }

  publishedForProducts(productIds: readonly string[]) {
    return this.driver.read(sql.publishedForProducts(productIds));
  }

  slotsInUse(slots: readonly Slot[]) {
    return this.driver.read(sql.slotsInUse(slots));
  }

  queue(filter: QueueFilter, first: number, afterSeq: number | null) {
    return this.driver.read(sql.queue(filter, first, afterSeq));
  }

  countByStatus(filter: QueueFilter) {
    return this.driver.read(sql.countByStatus(filter));
  }

  history(productId: string, slot: Omit<Slot, 'productId'> | null) {
    return this.driver.read(sql.history(productId, slot));
  }
}
