/**
 * The shapes DescriptionService takes and hands out. The schema's types
 * (Description, GenerationError, DescriptionStreamEvent, the inputs) expose
 * them field for field and register these enums.
 */
import type { Attempt } from '../storage/types.js';

export enum DescriptionSource {
  GENERATED = 'GENERATED',
  CACHED = 'CACHED',
  REFERENCE = 'REFERENCE',
}

export enum DescriptionWarningCode {
  LOCALE_UNSUPPORTED = 'LOCALE_UNSUPPORTED',
  PERSONALIZATION_IGNORED = 'PERSONALIZATION_IGNORED',
}

export enum StreamEventType {
  TOKEN = 'TOKEN',
  DONE = 'DONE',
}

/** A finding of the responsible-AI and integrity checks. */
export interface ContentFlag {
  code: string;
  category: string;
  message: string;
  start: number | null;
  end: number | null;
  suggestion: string | null;
}

/** A product description with its provenance. */
export interface Description {
  id: string;
  productId: string;
  text: string;
  /** Provider id, or "reference" for the human reference. */
  provider: string;
  model: string;
  promptVersion: string;
  personalization: { segment: string | null; tone: string | null; locale: string | null; keywords: string[] } | null;
  finishReason: string;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  estimatedCostUsd: number | null;
  attempts: Attempt[];
  flags: ContentFlag[];
  warnings: Array<{ code: DescriptionWarningCode; message: string }>;
  attributeCoverage: number | null;
  source: DescriptionSource;
  /** True when this is a fallback because generation failed. */
  stale: boolean;
  createdAt: string;
}

/** A failed item of a generation; the other items are unaffected. */
export interface GenerationError {
  productId: string;
  code: string;
  message: string;
  reason?: string | null;
  attempts: Attempt[];
}

/** One event of a description stream. */
export interface DescriptionStreamEvent {
  type: StreamEventType;
  index: number;
  token: string | null;
  description: Description | null;
  replay: boolean;
}

/** A personalization as a client sends it. */
export interface PersonalizationFields {
  segment?: string | null;
  tone?: string | null;
  locale?: string | null;
  keywords?: string[] | null;
}

/** Generation parameters as a client sends them. */
export interface GenerationParamsFields {
  maxTokens?: number | null;
  temperature?: number | null;
  topP?: number | null;
  seed?: number | null;
  stop?: string[] | null;
  promptVersion?: string | null;
}
