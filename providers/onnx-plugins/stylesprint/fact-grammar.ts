/**
 * Decode-time fact grammar (generation_config's `fact_patterns_file`, ours,
 * not HF's). A model trained to open with sentences of a few fixed patterns
 * that restate the product's facts ("It is made of {m} and comes in {c}.")
 * learns the patterns, but a small one loses its place in them where a
 * product's facts are long or many, and writes "with are made of recycled
 * made". With the patterns file, a row's first sentences must follow one of
 * the patterns the model was trained on, each slot filled with the
 * product's own facts: which pattern, which facts, in which order, and
 * where a list ends stay the model's choice (its logits, as every other
 * rule leaves them); what it may not do is break a pattern, state a fact
 * twice in one sentence, put an attribute where a material belongs, or
 * write a fact the product does not have. After the last pattern sentence
 * the grammar lets go, and the rest of the text is free.
 *
 * Slots: {t} the title, as written; {a0} and {a1} one attribute each;
 * {all} and {rest} a list of attributes ("a", "a and b", "a, b and c");
 * {m} a list of materials and {c} of colours. An item appears at most once
 * in a sentence. Sentence k follows one of `sentences[k]` that the
 * product's facts can fill; a sentence none of whose patterns it can fill
 * is left out. Each pattern has a singular and a plural form, picked by the
 * title as the training targets picked them (its last word ends in "s" but
 * not "ss": "Slim Black Jeans"). Each sentence is preceded by one space, as
 * in training (prompt + " " + target).
 *
 * This file holds the patterns and the grammar of one product over text;
 * fact-sentences.ts applies it to a row's tokens. Token text reads
 * non-ASCII bytes as \0, so a product with a non-ASCII character in its
 * facts gets no grammar (the frame of lexicon.ts holds it instead).
 */
import type { ProductFacts } from '../../types.js';
import { ModelFolderError, namedFolderFile, readFolderJson } from '../../onnx/model-folder.js';

const SLOTS = ['t', 'a0', 'a1', 'all', 'rest', 'm', 'c'] as const;
type SlotName = (typeof SLOTS)[number];
type Piece = string | { slot: SlotName };

export interface FactPattern {
  readonly singular: readonly Piece[];
  readonly plural: readonly Piece[];
}

/** A parsed fact_patterns.json: the patterns of each opening sentence, in order. */
export interface FactPatterns {
  readonly sentences: ReadonlyArray<readonly FactPattern[]>;
}

function isSlot(name: string): name is SlotName {
  return (SLOTS as readonly string[]).includes(name);
}

function parsePattern(text: unknown, where: string): Piece[] {
  if (typeof text !== 'string' || text.trim() === '') throw new ModelFolderError(`${where} must be a non-empty string`);
  if (!ascii(text))
    throw new ModelFolderError(
      `${where}: a pattern must be ASCII (token text reads other bytes as \\0); got ${JSON.stringify(text)}`,
    );
  const pieces: Piece[] = [];
  const slot = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = slot.exec(text); m; m = slot.exec(text)) {
    const [, name = ''] = m; // the group always takes part (it may be empty)
    if (!isSlot(name))
      throw new ModelFolderError(
        `${where}: unknown slot {${name}} in ${JSON.stringify(text)}; the slots are ${SLOTS.map((s) => `{${s}}`).join(', ')}`,
      );
    if (m.index > last) pieces.push(text.slice(last, m.index));
    else if (pieces.length > 0)
      throw new ModelFolderError(`${where}: two slots need text between them in ${JSON.stringify(text)}`);
    pieces.push({ slot: name });
    last = slot.lastIndex;
  }
  if (last < text.length) pieces.push(text.slice(last));
  if (pieces.some((p) => typeof p === 'string' && /[{}]/.test(p)))
    throw new ModelFolderError(`${where}: unbalanced brace in ${JSON.stringify(text)}`);
  return pieces;
}

/** Validates the parsed JSON of a fact patterns file (`{ "sentences": [[{ "singular", "plural" }, ...], ...] }`). `source` names it in errors. */
export function parseFactPatterns(json: unknown, source: string): FactPatterns {
  const sentences =
    json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>).sentences : undefined;
  if (!Array.isArray(sentences) || sentences.length === 0)
    throw new ModelFolderError(`${source}: "sentences" must be a non-empty list of lists of patterns`);
  return {
    sentences: sentences.map((list, i) => {
      if (!Array.isArray(list) || list.length === 0)
        throw new ModelFolderError(`${source}: sentences[${i}] must be a non-empty list of patterns`);
      return list.map((p: unknown, j) => {
        const where = `${source}: sentences[${i}][${j}]`;
        if (!p || typeof p !== 'object')
          throw new ModelFolderError(`${where} must be an object with "singular" and "plural"`);
        const o = p as Record<string, unknown>;
        return {
          singular: parsePattern(o.singular, `${where}.singular`),
          plural: parsePattern(o.plural, `${where}.plural`),
        };
      });
    }),
  };
}

/** The model folder's fact patterns named by generation_config's fact_patterns_file; null when it names none. */
export function loadFactPatterns(dir: string, name: string | undefined): FactPatterns | null {
  const file = namedFolderFile(dir, 'fact_patterns_file', name);
  return file ? parseFactPatterns(readFolderJson(file), file) : null;
}

/** Whether a title names a pair or a plural ("Jeans", "Chelsea Boots"): its last word ends in s but not ss (tools/lm/targets.py plural). */
export function isPluralTitle(title: string): boolean {
  const last = (title.match(/[A-Za-z]+/g)?.at(-1) ?? '').toLowerCase();
  return last.endsWith('s') && !last.endsWith('ss');
}

/** Which of the product's lists a slot draws from. */
const ATTRIBUTES = 0;
const MATERIALS = 1;
const COLOURS = 2;
const LISTS = [ATTRIBUTES, MATERIALS, COLOURS] as const;
type ListIndex = (typeof LISTS)[number];
/** The product's attributes, materials and colours, by ListIndex. */
type Lists = readonly [string[], string[], string[]];
const LIST_OF: Record<Exclude<SlotName, 't'>, ListIndex> = {
  a0: ATTRIBUTES,
  a1: ATTRIBUTES,
  all: ATTRIBUTES,
  rest: ATTRIBUTES,
  m: MATERIALS,
  c: COLOURS,
};

type Element =
  | { kind: 'text'; text: string }
  /** `reserve`: items of the same list that later slots of the pattern still need; `fresh`: the first slot of its list in the pattern (its used items start empty). */
  | { kind: 'one' | 'list'; list: ListIndex; reserve: number; fresh: boolean };

/** Where a state is: writing a pattern's text, an item of a slot, or a list separator (after which an item follows). */
const AT_TEXT = 0;
const AT_ITEM = 1;
const AT_SEP = 2;
/** List phases: after its first item (may end, or go on), after an item that followed ", " (must go on), after the item that followed " and " (ends). */
const FIRST = 0;
const MORE = 1;
const LAST = 2;

/** Where the text is in the grammar (fact-sentences.ts follows a row's text with these). */
export interface State {
  readonly s: number;
  readonly p: number;
  readonly e: number;
  /** What is left to write of the current text, item or separator. */
  readonly want: string;
  readonly at: number;
  readonly phase: number;
  /** Items of the current slot's list used so far in the sentence, as bits. */
  readonly used: number;
}

/** The state past the last pattern sentence: the rest of the text is free. */
export const DONE: State = { s: -1, p: -1, e: -1, want: '', at: AT_TEXT, phase: 0, used: 0 };

/** Most items a list may have for the grammar (the used items are the bits of a 31-bit integer). */
const MAX_ITEMS = 30;

function ascii(text: string): boolean {
  return !/[^\p{ASCII}]/u.test(text);
}

function countUnused(used: number, n: number): number {
  let free = 0;
  for (let k = 0; k < n; k++) if (!(used & (1 << k))) free++;
  return free;
}

/** The grammar of one product: its eligible patterns per sentence, compiled with its facts. */
export class FactGrammar {
  private readonly sentences: Element[][][];
  private readonly lists: Lists;

  private constructor(sentences: Element[][][], lists: Lists) {
    this.sentences = sentences;
    this.lists = lists;
  }

  /** The grammar of `facts` under `patterns`; null when there is nothing to hold (no pattern fits, or a fact is not ASCII). */
  static create(patterns: FactPatterns, facts: ProductFacts): FactGrammar | null {
    const clean = (items: readonly string[] | undefined): string[] => [
      ...new Set((items ?? []).map((i) => i.trim()).filter((i) => i !== '')),
    ];
    const lists: Lists = [clean(facts.attributes), clean(facts.materials), clean(facts.colors)];
    const title = facts.title.trim();
    if (title === '' || !ascii(title) || lists.some((l) => l.length > MAX_ITEMS || !l.every(ascii))) return null;
    const plural = isPluralTitle(title);
    const sentences = patterns.sentences
      .map((list) =>
        list
          .map((p) => compile(plural ? p.plural : p.singular, title, lists))
          .filter((c): c is Element[] => c !== null),
      )
      .filter((list) => list.length > 0);
    return sentences.length > 0 ? new FactGrammar(sentences, lists) : null;
  }

  /**
   * How many characters of `text` (a row's output, with its leading space)
   * the pattern sentences take, when it starts with all of them; null when
   * it does not.
   */
  matchLength(text: string): number | null {
    const { open, at } = this.follow(this.start(), text, 0);
    return open.includes(DONE) ? at : null;
  }

  /**
   * Follows `text` from character `from`, where the grammar is in `states`,
   * until the text ends, leaves the grammar, or has written the last pattern
   * sentence. Returns the states there, closed (empty when the text left the
   * grammar, holding DONE when the sentences are written), and where that is.
   */
  follow(states: readonly State[], text: string, from: number): { open: State[]; at: number } {
    let at = from;
    let open = this.close(states);
    while (at < text.length && open.length > 0 && !open.includes(DONE)) {
      let next: State[];
      const st = open.length === 1 ? open[0] : undefined;
      if (st !== undefined) {
        // One way on (inside a pattern's text or an item): as many characters as match, at once.
        const max = Math.min(st.want.length, text.length - at);
        let n = 0;
        while (n < max && text.charCodeAt(at + n) === st.want.charCodeAt(n)) n++;
        next = n === 0 ? [] : [{ ...st, want: st.want.slice(n) }];
        at += n;
      } else {
        next = this.step(open, text.charAt(at));
        at++;
      }
      open = this.close(next);
    }
    return { open, at };
  }

  /** The states at the start of the text. */
  start(): State[] {
    return this.startSentence(0);
  }

  /** Every state reachable from `states` without writing a character: each wants a character, or is DONE. */
  close(states: readonly State[]): State[] {
    const out: State[] = [];
    for (const st of states) this.closeInto(st, out);
    return out;
  }

  /** The states after writing `ch` from (closed) `open`. */
  step(open: readonly State[], ch: string): State[] {
    const out: State[] = [];
    for (const st of open) if (st !== DONE && st.want.charAt(0) === ch) out.push({ ...st, want: st.want.slice(1) });
    return out;
  }

  private closeInto(st: State, out: State[]): void {
    if (st === DONE || st.want !== '') {
      out.push(st);
      return;
    }
    if (st.at === AT_TEXT) return this.enter(st.s, st.p, st.e + 1, st.used, out);
    const el = this.pattern(st.s, st.p)[st.e];
    // A state not at a pattern's text is at a slot.
    if (el === undefined || el.kind === 'text')
      throw new Error(`fact grammar: no slot ${st.e} in pattern ${st.s}.${st.p}`);
    if (st.at === AT_SEP) return this.items(st, el, st.phase, out);
    if (el.kind === 'one' || st.phase === LAST) return this.enter(st.s, st.p, st.e + 1, st.used, out);
    const free = countUnused(st.used, this.lists[el.list].length) - el.reserve;
    if (st.phase === FIRST) this.enter(st.s, st.p, st.e + 1, st.used, out);
    if (free >= 2) out.push({ ...st, want: ', ', at: AT_SEP, phase: MORE });
    if (free >= 1) out.push({ ...st, want: ' and ', at: AT_SEP, phase: LAST });
  }

  /** States that start each unused item of `el`'s list, leaving `el.reserve` for the slots after it. */
  private items(st: State, el: Extract<Element, { list: number }>, phase: number, out: State[]): void {
    const list = this.lists[el.list];
    if (countUnused(st.used, list.length) - 1 < el.reserve) return;
    for (const [k, item] of list.entries()) {
      if (!(st.used & (1 << k))) out.push({ ...st, want: item, at: AT_ITEM, phase, used: st.used | (1 << k) });
    }
  }

  /** The elements of pattern `p` of sentence `s`; a state never names one that is not there. */
  private pattern(s: number, p: number): readonly Element[] {
    const elements = this.sentences[s]?.[p];
    if (elements === undefined) throw new Error(`fact grammar: no pattern ${s}.${p}`);
    return elements;
  }

  private enter(s: number, p: number, e: number, used: number, out: State[]): void {
    const el = this.pattern(s, p)[e];
    if (el === undefined) {
      // Past the pattern's last element: the next sentence.
      for (const st of this.startSentence(s + 1)) out.push(st);
      return;
    }
    if (el.kind === 'text') {
      out.push({ s, p, e, want: el.text, at: AT_TEXT, phase: 0, used });
      return;
    }
    const base: State = { s, p, e, want: '', at: AT_ITEM, phase: FIRST, used: el.fresh ? 0 : used };
    this.items(base, el, FIRST, out);
  }

  private startSentence(s: number): State[] {
    const patterns = this.sentences[s];
    // Past the last sentence.
    if (patterns === undefined) return [DONE];
    const out: State[] = [];
    patterns.forEach((_, p) => this.enter(s, p, 0, 0, out));
    return out;
  }
}

/** One pattern with the product's title written in and its slots typed; null when the product cannot fill it. */
function compile(pieces: readonly Piece[], title: string, lists: Lists): Element[] | null {
  const need: [number, number, number] = [0, 0, 0];
  const elements: Element[] = [];
  let text = ' '; // each sentence is preceded by one space
  let lastList = -1;
  for (const piece of pieces) {
    if (typeof piece === 'string' || piece.slot === 't') {
      text += typeof piece === 'string' ? piece : title;
      continue;
    }
    if (text !== '') elements.push({ kind: 'text', text });
    text = '';
    const list = LIST_OF[piece.slot];
    need[list]++;
    elements.push({
      kind: piece.slot === 'a0' || piece.slot === 'a1' ? 'one' : 'list',
      list,
      reserve: 0,
      fresh: list !== lastList,
    });
    lastList = list;
  }
  if (text !== '') elements.push({ kind: 'text', text });
  if (LISTS.some((list) => need[list] > lists[list].length)) return null;
  // Each slot leaves enough items of its list for the slots after it.
  const later: [number, number, number] = [0, 0, 0];
  for (const el of elements.slice().reverse()) {
    if (el.kind === 'text') continue;
    el.reserve = later[el.list];
    later[el.list]++;
  }
  return elements;
}
