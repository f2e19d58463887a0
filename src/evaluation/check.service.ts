import { checkFacts, defaultFactVocabulary, loadFactVocabulary, type FactVocabulary } from './checks/facts/index.js';
import { BadUserInputError } from '../errors/index.js';
import type { ProductRecord } from '../storage/types.js';

// The shapes the schema's DescriptionCheck and CheckFinding types expose (the schema registers the enums).
export enum CheckVerdict {
  PASS = 'PASS',
  REVIEW = 'REVIEW',
  BLOCK = 'BLOCK',
}

export enum CheckSeverity {
  BLOCK = 'BLOCK',
  REVIEW = 'REVIEW',
}

export interface CheckFinding {
  code: string;
  severity: CheckSeverity;
  start: number;
  end: number;
  message: string;
  expected: string | null;
}

export interface DescriptionCheck {
  verdict: CheckVerdict;
  findings: CheckFinding[];
}

/** Limits of checkDescription's input. */
export const CHECK_LIMITS = { chars: 20_000 } as const;

// A BCP 47 tag of language and optional subtags: "en", "en-GB", "pt-BR".
const LOCALE = /^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$/i;

export interface CheckServiceOptions {
  /** A folder of vocabulary files that replace the bundled ones (FACT_CHECK_VOCAB_DIR). Default: the bundled vocabulary. */
  vocabularyDir?: string;
}

/** The fact check for the API: one vocabulary, loaded and validated when the service is built (at start). */
export class CheckService {
  /** The compiled vocabulary, shared with the publication lifecycle (which checks every version it stores) and the benchmark runner, so all read texts alike. */
  readonly vocabulary: FactVocabulary;

  constructor(options: CheckServiceOptions = {}) {
    this.vocabulary = options.vocabularyDir ? loadFactVocabulary(options.vocabularyDir) : defaultFactVocabulary();
  }

  /** Checks client text; bad input is a BAD_USER_INPUT with a `reason`. */
  checkText(product: ProductRecord, text: string, locale: string): DescriptionCheck {
    if (text.trim() === '') throw new BadUserInputError('text is empty', { reason: 'EMPTY_TEXT' });
    if (text.length > CHECK_LIMITS.chars)
      throw new BadUserInputError(`text is limited to ${CHECK_LIMITS.chars} characters`, { reason: 'TEXT_TOO_LONG' });
    if (!LOCALE.test(locale))
      throw new BadUserInputError(
        `locale ${JSON.stringify(locale.slice(0, 40))} is not a language tag such as "en" or "en-GB"`,
        { reason: 'INVALID_LOCALE' },
      );
    return this.check(product, text, locale);
  }

  /** Checks a stored or generated description, whatever its length. */
  check(product: ProductRecord, text: string, locale = 'en'): DescriptionCheck {
    const result = checkFacts(text, product, { locale, vocabulary: this.vocabulary });
    return {
      verdict: CheckVerdict[result.verdict],
      findings: result.findings.map((f) => ({
        code: f.code,
        severity: CheckSeverity[f.severity],
        start: f.start,
        end: f.end,
        message: f.message,
        expected: f.expected,
      })),
    };
  }
}
