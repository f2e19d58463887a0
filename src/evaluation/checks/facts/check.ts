/**
 * checkFacts: a description against its product's own record. Pure: no I/O,
 * no clock; the vocabulary is compiled once (vocabulary.ts) and each
 * product's profile once per product object (record.ts).
 */
import { readText } from './context.js';
import { productProfile } from './record.js';
import { audienceFindings } from './rules/audience.js';
import { claimFindings } from './rules/claims.js';
import { colourFindings } from './rules/colours.js';
import { pronounFindings, repeatFindings, truncationFindings } from './rules/defects.js';
import { detailFindings } from './rules/details.js';
import { languageFindings } from './rules/language.js';
import { materialFindings } from './rules/materials.js';
import { priceFindings } from './rules/price.js';
import { sizeFindings } from './rules/sizes.js';
import type { FactCheckProduct, FactCheckResult, FactFinding, FactVerdict } from './types.js';
import { defaultFactVocabulary, type FactVocabulary } from './vocabulary.js';

export interface FactCheckOptions {
  /** The slot's locale (BCP 47, e.g. "en-GB"); its language is what the text must be in. Default: "en". */
  readonly locale?: string;
  /** Compiled vocabulary. Default: the bundled vocab/ files. */
  readonly vocabulary?: FactVocabulary;
}

/** The verdict of a list of findings: BLOCK if any blocks, REVIEW if any, else PASS. */
export function verdictOf(findings: readonly FactFinding[]): FactVerdict {
  if (findings.some((f) => f.severity === 'BLOCK')) return 'BLOCK';
  return findings.length > 0 ? 'REVIEW' : 'PASS';
}

/** Check `text` against `product`'s record. */
export function checkFacts(text: string, product: FactCheckProduct, options: FactCheckOptions = {}): FactCheckResult {
  const vocabulary = options.vocabulary ?? defaultFactVocabulary();
  const locale = options.locale?.trim() || 'en';
  const ctx = readText(text, productProfile(product, vocabulary), vocabulary, locale);
  const findings = [
    ...materialFindings(ctx),
    ...colourFindings(ctx),
    ...sizeFindings(ctx),
    ...audienceFindings(ctx),
    ...priceFindings(ctx),
    ...claimFindings(ctx),
    ...detailFindings(ctx),
    ...truncationFindings(ctx),
    ...repeatFindings(ctx),
    ...pronounFindings(ctx),
    ...languageFindings(ctx, locale),
  ].sort((a, b) => a.start - b.start || a.end - b.end || a.code.localeCompare(b.code));
  return { verdict: verdictOf(findings), findings };
}
