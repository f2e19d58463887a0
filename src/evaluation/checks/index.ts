/**
 * Responsible-AI and integrity checks for a product description: inclusive
 * language, prompt echo, reference leakage and attribute coverage. Pure
 * functions; the bundled inclusive-language rules are validated once, on first use.
 * See docs/evaluation.md.
 */
import { coverageOfTokens } from './coverage.js';
import { checkInclusiveLanguage, type InclusiveLanguageRules } from './inclusive-language.js';
import { leakageOfTokens, type LeakageOptions } from './leakage.js';
import { sentenceTokens } from './text-tokens.js';

export { attributeCoverage } from './coverage.js';
export {
  checkInclusiveLanguage,
  compileInclusiveLanguageRules,
  defaultInclusiveLanguageRules,
  loadInclusiveLanguageRules,
  type InclusiveLanguageContext,
  type InclusiveLanguageFlag,
  type InclusiveLanguageRule,
  type InclusiveLanguageRules,
} from './inclusive-language.js';
export { checkLeakage, type LeakageFinding, type LeakageOptions } from './leakage.js';

/** Codes of the findings `checkDescription` reports. */
export type FlagCode = 'INCLUSIVE_LANGUAGE' | 'PROMPT_ECHO' | 'REFERENCE_LEAK';

export interface Flag {
  readonly code: FlagCode;
  /** Inclusive-language category ("gendered", "body-shape", "age", "skin-tone", "appropriation", "ableist") or "integrity". */
  readonly category: string;
  readonly message: string;
  /** Where in the text (JavaScript string offsets), when the finding has a place. */
  readonly span?: { readonly start: number; readonly end: number };
  readonly suggestion?: string;
}

/** A finding as the gateway stores and serves it: its place as start and end offsets, null where it has none. */
export interface FlagRecord {
  code: FlagCode;
  category: string;
  message: string;
  start: number | null;
  end: number | null;
  suggestion: string | null;
}

export function flagRecord(f: Flag): FlagRecord {
  return {
    code: f.code,
    category: f.category,
    message: f.message,
    start: f.span?.start ?? null,
    end: f.span?.end ?? null,
    suggestion: f.suggestion ?? null,
  };
}

export interface DescriptionCheckInput {
  /** The description to check. */
  readonly text: string;
  /** The prompt it was generated from; enables the PROMPT_ECHO check. */
  readonly prompt?: string;
  /** The reference description; enables the REFERENCE_LEAK check. */
  readonly reference?: string;
  /** Product attributes; enables attribute coverage (and "unisex" turns on the gendered-wording rule). */
  readonly attributes?: readonly string[];
  /** Product gender ("women", "men", "unisex", "kids"); absent counts as no gender. */
  readonly gender?: string | null;
}

export interface DescriptionCheckOptions {
  /** Inclusive-language rules. Default: the bundled rules/inclusive-language.json. */
  readonly rules?: InclusiveLanguageRules;
  /** Thresholds for the echo and leak checks (defaults: 8-word runs, 4-word instructions). */
  readonly leakage?: Omit<LeakageOptions, 'prompt' | 'reference'>;
}

export interface DescriptionCheckResult {
  /** Every finding, inclusive-language ones in text order first. */
  readonly flags: Flag[];
  /** Share of attributes mentioned (0–1), or null when no attributes were given. */
  readonly attributeCoverage: number | null;
}

/** Run every check that the input enables. */
export function checkDescription(
  input: DescriptionCheckInput,
  options: DescriptionCheckOptions = {},
): DescriptionCheckResult {
  const flags: Flag[] = checkInclusiveLanguage(input.text, {
    gender: input.gender ?? null,
    attributes: input.attributes ?? [],
    ...(options.rules ? { rules: options.rules } : {}),
  }).map((f) => ({
    code: 'INCLUSIVE_LANGUAGE' as const,
    category: f.category,
    message: `"${f.match}": ${f.explanation}`,
    span: f.span,
    suggestion: f.suggestion,
  }));
  // Split once: the leak and echo checks and the coverage read the same words.
  const tokens = sentenceTokens(input.text);
  for (const finding of leakageOfTokens(tokens, {
    ...options.leakage,
    ...(input.prompt !== undefined ? { prompt: input.prompt } : {}),
    ...(input.reference !== undefined ? { reference: input.reference } : {}),
  })) {
    flags.push({ code: finding.code, category: 'integrity', message: finding.message, span: finding.span });
  }
  return {
    flags,
    attributeCoverage:
      input.attributes && input.attributes.length > 0 ? coverageOfTokens(tokens, input.attributes) : null,
  };
}
