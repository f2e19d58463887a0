/**
 * One verdict per generated text, from its check findings. The quality
 * breaker and the quality metrics read nothing else, so when a richer check
 * (a fact check with its own PASS / REVIEW / BLOCK) joins the flags, only
 * this function changes.
 */

export type Verdict = 'PASS' | 'REVIEW' | 'BLOCK';

export const VERDICTS: readonly Verdict[] = ['PASS', 'REVIEW', 'BLOCK'];

/**
 * Findings that make a text unfit to show: it repeats its instructions or
 * copies the reference it is scored against. An inclusive-language finding
 * only asks a person to look (REVIEW): the wording may be right for the product.
 */
const BLOCKING_CODES: ReadonlySet<string> = new Set(['PROMPT_ECHO', 'REFERENCE_LEAK']);
const REVIEW_CODES: ReadonlySet<string> = new Set(['INCLUSIVE_LANGUAGE']);

/** What `verdictOf` reads: the stored description's flags (capability warnings among them are ignored). */
export interface Verdictable {
  readonly flags: ReadonlyArray<{ readonly code: string }>;
}

/** BLOCK if any finding blocks, else REVIEW if any asks for review, else PASS. */
export function verdictOf(description: Verdictable): Verdict {
  let verdict: Verdict = 'PASS';
  for (const { code } of description.flags) {
    if (BLOCKING_CODES.has(code)) return 'BLOCK';
    if (REVIEW_CODES.has(code)) verdict = 'REVIEW';
  }
  return verdict;
}
