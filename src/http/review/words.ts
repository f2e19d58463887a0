/**
 * What the review page says when the gateway refuses something: words a
 * merchandiser understands, keyed by the stable code and reason the API
 * answers with (the page prints those in small type beside the words, for
 * whoever they ask for help). Pure, so the tests read the same table.
 */

export interface Refusal {
  code: string;
  reason?: string | undefined;
  message?: string | undefined;
}

const BY_REASON: Record<string, string> = {
  STALE_VERSION:
    'Someone else changed this text while you were working on it. Their version is shown now; your words are kept in the editor so you can compare and save again.',
  INVALID_TRANSITION:
    'This text can no longer take that step: its status changed (someone else may have acted on it). The page shows its status now.',
  CHECK_BLOCKED:
    'The fact check blocks this text: it contradicts the product record or makes a risky claim (see the findings). Edit it, or publish anyway with a note saying why.',
  INCOMPLETE: 'This text was cut off by the length limit. Edit it into a complete text before publishing.',
  OVERRIDE_NEEDS_NOTE: 'Publishing a blocked text needs a note saying why.',
  NOT_PASSED: 'Left for one-by-one review: the fact check did not pass it.',
};

const BY_CODE: Record<string, string> = {
  UNAUTHENTICATED: 'The gateway needs an editor key, or refused the one given. Paste an editor key.',
  FORBIDDEN: 'This key may not review texts: ask for a key with the editor role.',
  NOT_FOUND: 'This text no longer exists.',
  RATE_LIMITED: 'Too many requests just now: wait a moment and try again.',
  PUBLISH_BLOCKED: 'This text cannot be published as it is.',
  BAD_USER_INPUT: 'The gateway did not accept that.',
  SHUTTING_DOWN: 'The gateway is restarting: try again in a moment.',
  TIMEOUT: 'The gateway took too long to answer: try again.',
  NETWORK: 'The gateway could not be reached: check the connection and try again.',
};

/** The sentence for a refusal; the gateway's own message when neither table knows it. */
export function explainRefusal(refusal: Refusal): string {
  return (
    (refusal.reason && BY_REASON[refusal.reason]) ||
    BY_CODE[refusal.code] ||
    refusal.message ||
    'Something went wrong on the gateway.'
  );
}
