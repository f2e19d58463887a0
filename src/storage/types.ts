/**
 * The storage interfaces: one per aggregate (the catalog, descriptions, API
 * keys, benchmark runs, publication states, experiments and their events),
 * reached through one `Storage` that `openStorage` opens on SQLite
 * (node:sqlite, the embedded default) or PostgreSQL alike.
 * Every method is async so that a networked database can implement the same
 * shape. Catalog jobs keep their records in Redis (src/jobs/job-store.ts).
 */
import type { BenchmarkStore } from '../evaluation/benchmark/types.js';
import type { EventStore, ExperimentStore } from './experiment-types.js';
import type { DescriptionInput, DescriptionLookup, DescriptionRecord } from './description-types.js';
import type { PublicationStore } from './publication-types.js';

export type {
  Attempt,
  DescriptionFlag,
  DescriptionInput,
  DescriptionLookup,
  DescriptionRecord,
} from './description-types.js';
export type * from './experiment-types.js';

export interface ProductInput {
  sku?: string | null;
  title: string;
  category?: string | null;
  gender?: string | null;
  attributes: string[];
  colors: string[];
  sizes: string[];
  materials: string[];
  imageUrl?: string | null;
  referenceDescription?: string | null;
  price?: number | null;
}

export interface ProductRecord extends Required<ProductInput> {
  id: string;
  /** Insertion order; the keyset behind pagination cursors. */
  seq: number;
  createdAt: string;
  updatedAt: string;
}

export interface ProductFilter {
  category?: string | null;
  search?: string | null;
  /** Every tag must be among the product's attributes. */
  tags?: string[] | null;
}

export interface ProductPage {
  rows: ProductRecord[];
  hasNextPage: boolean;
}

export type UpsertOutcome = { action: 'created' | 'updated' | 'unchanged'; product: ProductRecord };

/** Roles a gateway API key can hold (see src/auth/roles.ts). */
export type ApiKeyRole = 'mobile' | 'personalization' | 'editor' | 'internal';

export interface ApiKeyInput {
  /** Unique among active keys; used to revoke and in logs. */
  name: string;
  role: ApiKeyRole;
  /** The first characters of the key, for display. */
  prefix: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  hash: string;
}

export interface ApiKeyRecord extends ApiKeyInput {
  id: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** Products: imports, reads and pages. */
export interface CatalogStore {
  /** Idempotent by natural key (SKU, else title), in one transaction; one outcome per row, in order. */
  upsertProducts(rows: ProductInput[]): Promise<UpsertOutcome[]>;
  productsByIds(ids: readonly string[]): Promise<Array<ProductRecord | null>>;
  productBySku(sku: string): Promise<ProductRecord | null>;
  listProducts(filter: ProductFilter, first: number, afterSeq: number | null): Promise<ProductPage>;
  countProducts(filter: ProductFilter): Promise<number>;
}

/** Generated descriptions with their provenance. */
export interface DescriptionStore {
  insertDescription(input: DescriptionInput): Promise<DescriptionRecord>;
  descriptionById(id: string): Promise<DescriptionRecord | null>;
  /** The newest matching description per lookup, in order (null where none). */
  latestDescriptions(lookups: readonly DescriptionLookup[]): Promise<Array<DescriptionRecord | null>>;
  /** The newest description of each product, any personalization (null where none). */
  newestDescriptionsForProducts(productIds: readonly string[]): Promise<Array<DescriptionRecord | null>>;
}

/** Gateway API keys, stored hashed. */
export interface ApiKeyStore {
  insert(input: ApiKeyInput): Promise<ApiKeyRecord>;
  /**
   * Stores the key unless one with its hash exists; returns the key stored
   * under that hash, revoked or not (null when only the name is taken by an
   * active key). Concurrent calls with the same key store it once.
   */
  insertIfAbsent(input: ApiKeyInput): Promise<ApiKeyRecord | null>;
  /** Gives a stored key another role (and name). */
  setRole(id: string, role: ApiKeyRole, name: string): Promise<void>;
  byHash(hash: string): Promise<ApiKeyRecord | null>;
  list(): Promise<ApiKeyRecord[]>;
  /** Revokes the active key with this id or name; returns how many were revoked. */
  revoke(idOrName: string): Promise<number>;
  touch(id: string, at: string): Promise<void>;
  countActive(): Promise<number>;
}

/** One open database, migrated, with a store per aggregate on its connection. */
export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  /** True once open and migrated. */
  isOpen(): boolean;
  readonly catalog: CatalogStore;
  readonly descriptions: DescriptionStore;
  readonly apiKeys: ApiKeyStore;
  readonly benchmarks: BenchmarkStore;
  readonly experiments: ExperimentStore;
  readonly events: EventStore;
  /** The publication lifecycle's states, versions and audit trail (publication-types.ts). */
  readonly publication: PublicationStore;
  /** Closes the connection every store shares. */
  close(): Promise<void>;
}
