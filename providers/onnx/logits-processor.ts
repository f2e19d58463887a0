/**
 * The one interface for decoding rules, after Hugging Face transformers'
 * LogitsProcessor: a processor changes one row's scores in place from what
 * the row holds so far, and the decode loop runs a row's list in order
 * before it chooses the token (sampling.ts). The loop knows no rule by name
 * and nothing of what a request is about: the generic rules are in
 * processors.ts, and a rule that only one model needs is a plugin that its
 * model folder names (plugins.ts).
 */

/**
 * The ids a row has seen (prompt and output), each once, also kept in a
 * plain list: the repetition penalty walks it on every token, and a loop over
 * an array costs a fifth of a Set's forEach.
 */
export class SeenIds implements Iterable<number> {
  private readonly set = new Set<number>();
  readonly list: number[] = [];

  constructor(ids: Iterable<number> = []) {
    for (const id of ids) this.add(id);
  }

  add(id: number): void {
    if (this.set.has(id)) return;
    this.set.add(id);
    this.list.push(id);
  }

  has(id: number): boolean {
    return this.set.has(id);
  }

  [Symbol.iterator](): Iterator<number> {
    return this.list[Symbol.iterator]();
  }
}

/** What a processor may read of its row. Read-only: the loop owns it, and it changes after every token. */
export interface RowState {
  /** The tokens fed so far: `padding` pad ids, the prompt, then the output (an EOS that ends the row is never fed). */
  readonly tokens: readonly number[];
  /** Left padding: tokens before this index are not the row's. */
  readonly padding: number;
  /** Prompt tokens after the padding. */
  readonly promptLength: number;
  /** Tokens generated so far. */
  readonly generated: number;
  /** The row's most new tokens (its request's max_new_tokens, cut to the model's context). */
  readonly maxNewTokens: number;
  /** The output's text so far, decoded token by token (stop strings not cut out). */
  readonly text: string;
  /** The ids of the prompt and the output, each once. */
  readonly seen: SeenIds;
}

export interface LogitsProcessor {
  /**
   * Changes the row's scores (last-position logits, one per vocabulary id)
   * in place. May return the ids outside which every score is now
   * -Infinity: when the list is short, the token choice looks at those
   * only instead of the whole vocabulary. A later processor only lowers
   * scores or leaves them (a raised -Infinity would escape the list).
   */
  process(scores: Float32Array, row: RowState): readonly number[] | null | undefined;
  /**
   * The ids whose scores process() may change on this row, now (more will
   * do; ids out of the vocabulary are ignored), or none when it would return
   * a short list. A large vocabulary's blocks' maxima may be computed before
   * the processors run (in the model's own run), and are then mended for
   * these ids only. Without it, the loop computes them again after the
   * processors, in a run of its own.
   */
  touches?(row: RowState): readonly number[];
}

const NONE: readonly number[] = [];

/** Every id that `processors` may change on this row, a list per processor; null when one of them does not say. */
export function touchedIds(processors: readonly LogitsProcessor[], row: RowState): Array<readonly number[]> | null {
  const lists: Array<readonly number[]> = [];
  for (const p of processors) {
    if (!p.touches) return null;
    const ids = p.touches(row);
    if (ids !== NONE && ids.length > 0) lists.push(ids);
  }
  return lists;
}

/** What a processor's touches() gives when it changes nothing on this row. */
export const TOUCHES_NONE = NONE;

/**
 * Runs `processors` on one row's scores, in order. Returns the last short
 * list a processor gave (every finite score is in it), or null.
 */
export function applyProcessors(
  processors: readonly LogitsProcessor[],
  scores: Float32Array,
  row: RowState,
): readonly number[] | null {
  let candidates: readonly number[] | null = null;
  for (const processor of processors) {
    const list = processor.process(scores, row);
    if (list) candidates = list;
  }
  return candidates;
}
