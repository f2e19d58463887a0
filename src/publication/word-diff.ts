/**
 * A word-level diff between two versions of a description, for the review
 * history: Myers' O((N+M)·D) shortest edit script over words, spaces and
 * punctuation marks. Pure.
 */

export type DiffOp = 'EQUAL' | 'INSERT' | 'DELETE';

export interface DiffSegment {
  op: DiffOp;
  text: string;
}

/** Words (letters, digits, inner apostrophes and hyphens), runs of whitespace, and single other characters. */
export function diffTokens(text: string): string[] {
  return text.match(/\s+|[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu) ?? [];
}

/** Edits past which two texts are taken as rewritten (one DELETE, one INSERT): it bounds the trace to about this squared. */
const MAX_EDITS = 2000;

/**
 * The segments that turn `before` into `after`: EQUAL runs, and DELETE
 * before INSERT where a run changed. Joining EQUAL and INSERT gives `after`;
 * EQUAL and DELETE give `before`.
 */
export function wordDiff(before: string, after: string, maxEdits = MAX_EDITS): DiffSegment[] {
  const a = diffTokens(before);
  const b = diffTokens(after);
  const ops = editScript(a, b, maxEdits) ?? [
    ...a.map((t) => ['DELETE', t] as const),
    ...b.map((t) => ['INSERT', t] as const),
  ];
  return foldSpaces(merge(ops.map(([op, text]) => ({ op, text }))));
}

type Edit = readonly [DiffOp, string];

function editScript(a: readonly string[], b: readonly string[], maxEdits: number): Edit[] | null {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  // v[offset + k]: the furthest x reached on diagonal k (y = x - k).
  const v = new Int32Array(2 * max + 3);
  // Diagonals -max-1..max+1 all lie inside v, so the fallback is never taken.
  const furthest = (k: number): number => v[offset + k] ?? 0;
  const trace: Int32Array[] = [];
  for (let d = 0; d <= Math.min(max, maxEdits); d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && furthest(k - 1) < furthest(k + 1));
      let x = down ? furthest(k + 1) : furthest(k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d);
    }
  }
  return null;
}

function backtrack(a: readonly string[], b: readonly string[], trace: readonly Int32Array[], edits: number): Edit[] {
  const out: Edit[] = [];
  let x = a.length;
  let y = b.length;
  const word = (words: readonly string[], i: number): string => {
    const w = words[i];
    if (w === undefined) throw new Error(`word diff: no word ${i} of ${words.length}`);
    return w;
  };
  for (let d = edits; d > 0; d--) {
    // trace[d] holds diagonals -d..d as they stood before step d.
    const row = trace[d];
    if (row === undefined) throw new Error(`word diff: no trace for step ${d}`);
    const at = (k: number): number => row[k + d] ?? 0;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push(['EQUAL', word(a, --x)]);
      y--;
    }
    if (x === prevX) out.push(['INSERT', word(b, --y)]);
    else out.push(['DELETE', word(a, --x)]);
  }
  while (x > 0 && y > 0) {
    out.push(['EQUAL', word(a, --x)]);
    y--;
  }
  return out.reverse();
}

/** Adjacent segments of one kind joined; within a changed run, deletions first. */
function merge(segments: readonly DiffSegment[]): DiffSegment[] {
  const out: DiffSegment[] = [];
  let deleted = '';
  let inserted = '';
  const flush = () => {
    if (deleted) out.push({ op: 'DELETE', text: deleted });
    if (inserted) out.push({ op: 'INSERT', text: inserted });
    deleted = inserted = '';
  };
  for (const s of segments) {
    if (s.op === 'DELETE') deleted += s.text;
    else if (s.op === 'INSERT') inserted += s.text;
    else {
      flush();
      const last = out.at(-1);
      if (last?.op === 'EQUAL') last.text += s.text;
      else out.push({ ...s });
    }
  }
  flush();
  return out;
}

/**
 * A space left equal between two changed runs reads as noise ("-old +new
 * -words +words"): it joins both runs, so one phrase reads as replaced by
 * another. After merge() equal and changed runs alternate, so an equal run
 * that is neither first nor last has changes on both sides.
 */
function foldSpaces(segments: readonly DiffSegment[]): DiffSegment[] {
  const out: DiffSegment[] = [];
  segments.forEach((s, i) => {
    if (s.op === 'EQUAL' && /^\s+$/.test(s.text) && i > 0 && i < segments.length - 1)
      out.push({ op: 'DELETE', text: s.text }, { op: 'INSERT', text: s.text });
    else out.push(s);
  });
  return merge(out);
}
