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
  close(): Promise<void>;
}
