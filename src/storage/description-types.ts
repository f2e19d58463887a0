/**
 * Generated descriptions as stored, with their provenance: their own file so
 * that the publication aggregate's types (publication-types.ts) can name a
 * description without importing the Storage interface that names them.
 */

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
