/**
 * The fact grammar on a row's tokens (fact-grammar.ts holds the grammar).
 * The grammar is matched on the tokens' text, character by character,
 * through a trie of the vocabulary, so a step costs about as much as the
 * few tokens the grammar allows, not the vocabulary.
 */
import { DONE, type FactGrammar, type State } from './fact-grammar.js';
import { keepOnly } from '../../onnx/processors.js';
import { tokenText, type TextTokenizer } from '../../onnx/tokenizer.js';

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Tokens whose text ends here. */
  ids: number[];
  /** Every token at or below this node, computed when first asked for. */
  all?: number[];
}

const tries = new WeakMap<TextTokenizer, { size: number; root: TrieNode }>();

/** A trie of the vocabulary's token texts (special and empty ones left out), one per tokenizer and vocabulary size. */
function vocabTrie(tokenizer: TextTokenizer, size: number): TrieNode {
  const known = tries.get(tokenizer);
  if (known && known.size === size) return known.root;
  const special = new Set([...tokenizer.special.eos, tokenizer.special.pad, tokenizer.special.bos]);
  const root: TrieNode = { children: new Map(), ids: [] };
  for (let id = 0; id < size; id++) {
    if (special.has(id)) continue;
    const text = tokenText(tokenizer, id);
    if (text === '' || text.includes('\0')) continue;
    let node = root;
    for (const ch of text) {
      let next = node.children.get(ch);
      if (!next) node.children.set(ch, (next = { children: new Map(), ids: [] }));
      node = next;
    }
    node.ids.push(id);
  }
  tries.set(tokenizer, { size, root });
  return root;
}

function subtree(node: TrieNode): number[] {
  if (node.all) return node.all;
  const all = [...node.ids];
  for (const child of node.children.values()) for (const id of subtree(child)) all.push(id);
  node.all = all;
  return all;
}

/**
 * One row's fact sentences: follows the row's text through the grammar and
 * bans every token that would leave it. Once the text has written the last
 * pattern sentence (or has left the grammar, which only a fallback can do),
 * it is off for good.
 */
export class FactSentences {
  /** How much of the row's text the grammar has followed. */
  private consumed = 0;
  private on = true;
  private allowedIds: number[] = [];
  private ends = false;
  /** The states at the end of the text followed so far, closed. */
  private open: State[];

  /**
   * The tokens the last apply() allowed: every other logit is -Infinity.
   * Read it before the next call, which reuses it.
   */
  get allowed(): readonly number[] {
    return this.allowedIds;
  }

  /**
   * Whether one of those tokens ends the last pattern sentence and goes on
   * into free text (". Wear"): only then do the other word rules have
   * anything to check in them.
   */
  get endsInside(): boolean {
    return this.ends;
  }

  constructor(
    private readonly grammar: FactGrammar,
    private readonly tokenizer: TextTokenizer,
  ) {
    this.open = grammar.close(grammar.start());
  }

  /** Whether the grammar still holds the row. */
  get active(): boolean {
    return this.on;
  }

  /** Lets the row go: the rest of its text is free. */
  release(): void {
    this.on = false;
  }

  /**
   * Catches up with `text` (the row's output so far) and sets every token
   * the grammar does not allow next to -Infinity. Returns whether it held
   * the row this step.
   */
  apply(logits: Float32Array, text: string): boolean {
    if (!this.on || !this.follow(text)) return false;
    const allowed = this.allowedIds;
    allowed.length = 0;
    this.ends = false;
    this.walkOpen(vocabTrie(this.tokenizer, logits.length), this.open, allowed);
    if (allowed.length === 0) {
      this.on = false;
      return false;
    }
    keepOnly(logits, allowed);
    return true;
  }

  /** Catches up with `text`; returns whether the grammar still holds. */
  private follow(text: string): boolean {
    const { open, at } = this.grammar.follow(this.open, text, this.consumed);
    this.open = open;
    this.consumed = at;
    if (open.length === 0 || open.includes(DONE)) this.on = false;
    return this.on;
  }

  /** Pushes every token below `node` that the grammar allows from `states` (the text so far spelling the path to `node`). */
  private walk(node: TrieNode, states: readonly State[], out: number[]): void {
    this.walkOpen(node, this.grammar.close(states), out);
  }

  /** walk() from states already closed. */
  private walkOpen(node: TrieNode, open: readonly State[], out: number[]): void {
    if (open.includes(DONE)) {
      // The last sentence ends inside this token: the rest of it is free.
      this.ends = true;
      for (const id of subtree(node)) out.push(id);
      return;
    }
    for (const id of node.ids) out.push(id);
    const only = open.length === 1 ? open[0] : undefined;
    if (only !== undefined) return this.walkAlong(node, only, out);
    const chars = new Set<string>();
    for (const st of open) chars.add(st.want.charAt(0));
    for (const ch of chars) {
      const child = node.children.get(ch);
      if (child) this.walk(child, this.grammar.step(open, ch), out);
    }
  }

  /**
   * walk() for one state, which is most of them (inside a pattern's text or
   * an item): down the trie along the characters it wants, without a state
   * per character; where they run out, walk() goes on from the next states.
   */
  private walkAlong(node: TrieNode, st: State, out: number[]): void {
    const want = st.want;
    let at = node;
    for (let i = 0; i < want.length; i++) {
      const next = at.children.get(want.charAt(i));
      if (!next) return;
      at = next;
      if (i === want.length - 1) return this.walk(at, [{ ...st, want: '' }], out);
      for (const id of at.ids) out.push(id);
    }
  }
}
