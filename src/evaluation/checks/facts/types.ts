/** The fact check's public types: finding codes, severities and the verdict. */

/** Claims a record must support, by vocabulary group (vocab/claims.json), and the code each reports. */
export const CLAIM_CODES = {
  care: 'CARE_CLAIM',
  origin: 'ORIGIN_CLAIM',
  performance: 'PERFORMANCE_CLAIM',
  durability: 'DURABILITY_CLAIM',
  guarantee: 'GUARANTEE_CLAIM',
  environmental: 'ENVIRONMENTAL_CLAIM',
  discount: 'DISCOUNT_CLAIM',
} as const;
export type ClaimGroup = keyof typeof CLAIM_CODES;

/**
 * Every finding code, with the severity it has when the record states the
 * fact it contradicts. Codes never change meaning; new ones may be added.
 * BLOCK: the text contradicts the record, or makes a claim with legal risk
 * (origin, guarantees, green and ethical claims, prices and discounts).
 * REVIEW: a claim or detail the record does not support, or a text defect.
 */
export const FACT_CODES = {
  MATERIAL_NOT_IN_RECORD: 'BLOCK',
  COMPOSITION_MISMATCH: 'BLOCK',
  COMPOSITION_TOTAL: 'BLOCK',
  COMPOSITION_PARTIAL: 'BLOCK',
  COLOUR_NOT_OFFERED: 'BLOCK',
  SIZE_NOT_OFFERED: 'BLOCK',
  AUDIENCE_MISMATCH: 'BLOCK',
  PRICE_MISMATCH: 'BLOCK',
  DISCOUNT_CLAIM: 'BLOCK',
  ORIGIN_CLAIM: 'BLOCK',
  GUARANTEE_CLAIM: 'BLOCK',
  ENVIRONMENTAL_CLAIM: 'BLOCK',
  CARE_CLAIM: 'REVIEW',
  PERFORMANCE_CLAIM: 'REVIEW',
  DURABILITY_CLAIM: 'REVIEW',
  INVENTED_DETAIL: 'REVIEW',
  TRUNCATED: 'REVIEW',
  REPEATED_WORD: 'REVIEW',
  PRONOUN_NUMBER: 'REVIEW',
  WRONG_LANGUAGE: 'REVIEW',
} as const satisfies Record<string, FactSeverity>;
export type FactCode = keyof typeof FACT_CODES;

export type FactSeverity = 'BLOCK' | 'REVIEW';
export type FactVerdict = 'PASS' | 'REVIEW' | 'BLOCK';

export interface FactFinding {
  readonly code: FactCode;
  readonly severity: FactSeverity;
  /** Offsets into the text (JavaScript string indices): `text.slice(start, end)` is what the finding is about. */
  readonly start: number;
  readonly end: number;
  /** A sentence a merchandiser can act on. */
  readonly message: string;
  /** The record's value the text was checked against ("78% recycled polyamide, 22% elastane"), or null when the record has none. */
  readonly expected: string | null;
}

export interface FactCheckResult {
  /** BLOCK when any finding is BLOCK, else REVIEW when there is any finding, else PASS. */
  readonly verdict: FactVerdict;
  /** In text order. */
  readonly findings: readonly FactFinding[];
}

/**
 * The product facts the check reads: a subset of the stored product record,
 * so that products from elsewhere (a CSV row, a dataset) can be checked too.
 * An empty or missing field means the record does not say, not "none".
 */
export interface FactCheckProduct {
  readonly title: string;
  readonly category?: string | null;
  /** "women", "men", "unisex" or "kids"; other values are read as unknown. */
  readonly gender?: string | null;
  readonly price?: number | null;
  readonly attributes?: readonly string[];
  readonly colors?: readonly string[];
  readonly sizes?: readonly string[];
  /** Free text per part, as the catalog holds it: "75% nylon, 25% spandex", "shell: 100% recycled nylon", "nylon". */
  readonly materials?: readonly string[];
}
