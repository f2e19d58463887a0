/**
 * The shapes DescriptionService takes and hands out. The schema's types
 * (Description, GenerationError, DescriptionStreamEvent, the inputs) expose
 * them field for field and register these enums.
 */
import type { Attempt } from '../storage/types.js';
import type { StoredCheck } from '../storage/publication-types.js';

export enum DescriptionSource {
  GENERATED = 'GENERATED',
  CACHED = 'CACHED',
  REFERENCE = 'REFERENCE',
}

export enum DescriptionWarningCode {
  LOCALE_UNSUPPORTED = 'LOCALE_UNSUPPORTED',
  PERSONALIZATION_IGNORED = 'PERSONALIZATION_IGNORED',
}

/** Mirrors DESCRIPTION_STATUSES in src/publication/lifecycle.ts (a test holds them equal). */
export enum DescriptionStatus {
  DRAFT = 'DRAFT',
  IN_REVIEW = 'IN_REVIEW',
  APPROVED = 'APPROVED',
  PUBLISHED = 'PUBLISHED',
  REJECTED = 'REJECTED',
  SUPERSEDED = 'SUPERSEDED',
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

/** Where a description may be published: product × locale × channel × personalization segment. */
export interface DescriptionSlotFields {
  locale: string;
  channel: string;
  /** "" for the base text. */
  segment: string;
}

/** A product description with its provenance and, when stored, its place in the publication lifecycle. */
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
  /** True when generation failed or was rate limited and this is what could be served instead. */
  stale: boolean;
  createdAt: string;
  /** Null for the human reference. */
  status: DescriptionStatus | null;
  /** The version this text is (1: as generated); null for the human reference. */
  version: number | null;
  /** The version last published. */
  publishedVersion: number | null;
  /** Null for the human reference. */
  slot: DescriptionSlotFields | null;
  /** The fact check stored with this version (Description.check serves it). */
  storedCheck?: StoredCheck | null;
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
