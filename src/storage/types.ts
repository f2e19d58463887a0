/**
 * The storage interface. SQLite (node:sqlite) is the embedded default; every
 * method is async so that a networked database can implement the same shape.
 */

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

export interface Attempt {
  provider: string;
  model: string;
  /** A ProviderError kind, or null for the attempt that succeeded. */
  errorKind: string | null;
  latencyMs: number;
}

export interface DescriptionFlag {
  code: string;
  category: string;
  message: string;
  start?: number | null;
  end?: number | null;
  suggestion?: string | null;
}

export interface DescriptionInput {
  productId: string;
  text: string;
  provider: string;
  model: string;
  promptVersion: string;
  /** Canonical key of the personalization (see personalizationKey()). */
  personalizationKey: string;
  personalization: Record<string, unknown> | null;
  parameters: Record<string, unknown>;
  finishReason: string;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  estimatedCostUsd: number | null;
  attempts: Attempt[];
  flags: DescriptionFlag[];
  attributeCoverage: number | null;
}

export interface DescriptionRecord extends DescriptionInput {
  id: string;
  createdAt: string;
}

export interface DescriptionLookup {
  productId: string;
  personalizationKey: string;
  /** When set, only descriptions from this provider. */
  provider?: string | null;
}

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

export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  /** True once open and migrated. */
  isOpen(): boolean;
  upsertProducts(rows: ProductInput[]): Promise<UpsertOutcome[]>;
  productsByIds(ids: readonly string[]): Promise<Array<ProductRecord | null>>;
  productBySku(sku: string): Promise<ProductRecord | null>;
  listProducts(filter: ProductFilter, first: number, afterSeq: number | null): Promise<ProductPage>;
  countProducts(filter: ProductFilter): Promise<number>;
  insertDescription(input: DescriptionInput): Promise<DescriptionRecord>;
  descriptionById(id: string): Promise<DescriptionRecord | null>;
  /** The newest matching description per lookup, in order (null where none). */
  latestDescriptions(lookups: readonly DescriptionLookup[]): Promise<Array<DescriptionRecord | null>>;
  /** The newest description of each product, any personalization (null where none). */
  newestDescriptionsForProducts(productIds: readonly string[]): Promise<Array<DescriptionRecord | null>>;
  insertApiKey(input: ApiKeyInput): Promise<ApiKeyRecord>;
  /**
   * Stores the key unless one with its hash exists; returns the key stored
   * under that hash, revoked or not (null when only the name is taken by an
   * active key). Concurrent calls with the same key store it once.
   */
  provisionApiKey(input: ApiKeyInput): Promise<ApiKeyRecord | null>;
  /** Gives a stored key another role (and name). */
  setApiKeyRole(id: string, role: ApiKeyRole, name: string): Promise<void>;
  apiKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Revokes the active key with this id or name; returns how many were revoked. */
  revokeApiKey(idOrName: string): Promise<number>;
  touchApiKey(id: string, at: string): Promise<void>;
  countActiveApiKeys(): Promise<number>;
  close(): Promise<void>;
}
