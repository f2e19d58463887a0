/**
 * One verdict per generated text, from its check findings and its fact
 * check. The quality breaker and the quality metrics read nothing else, so a
 * new check that joins them changes only this function.
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

/** What `verdictOf` reads: the description's flags (capability warnings among them are ignored) and its fact check, when one ran. */
export interface Verdictable {
  readonly flags: ReadonlyArray<{ readonly code: string }>;
  /** The fact check's verdict (src/evaluation/checks/facts). Default: none. */
  readonly factCheck?: { readonly verdict: Verdict } | null;
}

const RANK: Readonly<Record<Verdict, number>> = { PASS: 0, REVIEW: 1, BLOCK: 2 };

/** The worse of the flags' verdict (BLOCK if any blocks, else REVIEW if any asks for review, else PASS) and the fact check's. */
export function verdictOf(description: Verdictable): Verdict {
  let verdict: Verdict = description.factCheck?.verdict ?? 'PASS';
  for (const { code } of description.flags) {
    if (BLOCKING_CODES.has(code)) return 'BLOCK';
    if (REVIEW_CODES.has(code) && RANK[verdict] < RANK.REVIEW) verdict = 'REVIEW';
  }
  return verdict;
}
