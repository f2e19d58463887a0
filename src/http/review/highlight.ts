/**
 * The review page's text with its findings: the text cut into pieces at
 * every finding's start and end, each piece with the findings that cover it.
 * Pure, so the page (in the browser) and the tests share it. Spans are
 * UTF-16 offsets, as the fact check reports them and as JavaScript slices.
 */

/** What the page needs of a finding: where it is. */
export interface Span {
  start: number;
  end: number;
}

export interface Piece {
  text: string;
  /** Indexes into the findings given, in their order; empty for plain text. */
  findings: number[];
}

/**
 * Pieces that join back to `text`. A span outside the text is clipped to it,
 * an empty one (a finding about the whole text, such as TRUNCATED at its end)
 * covers nothing and is only listed by the page, and overlapping spans give
 * pieces marked by each finding that covers them.
 */
export function highlightPieces(text: string, findings: readonly Span[]): Piece[] {
  const clip = (n: number) => Math.min(Math.max(Math.trunc(n), 0), text.length);
  const spans = findings.map((f) => ({ start: clip(f.start), end: clip(f.end) }));
  const cuts = [...new Set([0, text.length, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const pieces: Piece[] = [];
  for (const [i, to] of cuts.entries()) {
    const from = cuts[i - 1];
    if (from === undefined) continue;
    const covering = spans.flatMap((s, index) => (s.start <= from && to <= s.end && s.start < s.end ? [index] : []));
    const last = pieces.at(-1);
    if (last && last.findings.length === 0 && covering.length === 0) last.text += text.slice(from, to);
    else pieces.push({ text: text.slice(from, to), findings: covering });
  }
  return pieces;
}
