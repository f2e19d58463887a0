/**
 * A token trie over vocabulary phrases: one pass over a text finds every
 * phrase of every vocabulary file, however many there are. Phrase words meet
 * text words on their stems (text.ts). In a phrase, `*` stands for any one
 * word, `...` for up to three, and `{Cap}` for a word with a capital letter.
 */
import { tokenize, type FactToken } from './text.js';

const MAX_GAP = 3;

interface Node<P> {
  next?: Map<string, Node<P>>;
  any?: Node<P>;
  cap?: Node<P>;
  gap?: Node<P>;
  payloads?: P[];
}

export interface PhraseMatch<P> {
  /** First token (index into the text's tokens). */
  readonly start: number;
  /** One past the last token. */
  readonly end: number;
  readonly payload: P;
}

/** The stems of a phrase's words, wildcards kept as written. */
export function phraseWords(phrase: string): string[] {
  const words: string[] = [];
  for (const part of phrase.trim().split(/\s+/)) {
    if (part === '*' || part === '...' || part === '{Cap}') words.push(part);
    else for (const t of tokenize(part).tokens) words.push(t.stem);
  }
  return words;
}

export class PhraseIndex<P> {
  private readonly root: Node<P> = {};

  /** Adds a phrase; a phrase of no words, or one that starts or ends with a wildcard, is refused (a TypeError naming it). */
  add(phrase: string, payload: P): void {
    const words = phraseWords(phrase);
    const wild = (w: string | undefined): boolean => w === '*' || w === '...' || w === '{Cap}';
    if (words.length === 0 || wild(words[0]) || words.at(-1) === '...' || words.at(-1) === '*') {
      throw new TypeError(`phrase ${JSON.stringify(phrase)} must start with a word and end with a word or {Cap}`);
    }
    let node = this.root;
    for (const w of words) {
      if (w === '*') node = node.any ??= {};
      else if (w === '...') node = node.gap ??= {};
      else if (w === '{Cap}') node = node.cap ??= {};
      else {
        node.next ??= new Map();
        let child = node.next.get(w);
        if (!child) node.next.set(w, (child = {}));
        node = child;
      }
    }
    (node.payloads ??= []).push(payload);
  }

  /** Every match of every phrase, in no particular order. */
  matchAll(tokens: readonly FactToken[]): PhraseMatch<P>[] {
    const out: PhraseMatch<P>[] = [];
    for (const i of tokens.keys()) this.walk(tokens, i, i, this.root, out);
    return out;
  }

  private walk(tokens: readonly FactToken[], start: number, at: number, node: Node<P>, out: PhraseMatch<P>[]): void {
    if (node.payloads) for (const payload of node.payloads) out.push({ start, end: at, payload });
    const token = tokens[at];
    if (token === undefined || (at > start && !token.joined)) return;
    const child = node.next?.get(token.stem);
    if (child) this.walk(tokens, start, at + 1, child, out);
    if (node.any) this.walk(tokens, start, at + 1, node.any, out);
    if (node.cap && token.capital) this.walk(tokens, start, at + 1, node.cap, out);
    // A gap skips up to MAX_GAP words of the same clause; a gap node never ends a phrase.
    if (node.gap) {
      for (let skip = 0; skip <= MAX_GAP; skip++) {
        const skipped = tokens[at + skip];
        if (skipped === undefined || (skip > 0 && !skipped.joined)) break;
        this.walk(tokens, start, at + skip, node.gap, out);
      }
    }
  }
}

/**
 * Longest matches first, none overlapping: the way a reader takes
 * "forest green" as one colour, not "forest" and "green".
 */
export function longestMatches<M extends { start: number; end: number }>(matches: readonly M[]): M[] {
  const sorted = [...matches].sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const taken: M[] = [];
  const used = new Set<number>();
  for (const m of sorted) {
    let free = true;
    for (let i = m.start; i < m.end; i++) if (used.has(i)) free = false;
    if (!free) continue;
    for (let i = m.start; i < m.end; i++) used.add(i);
    taken.push(m);
  }
  return taken.sort((a, b) => a.start - b.start);
}
