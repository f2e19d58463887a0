/**
 * Decode-time word constraint (generation_config's `lexicon_file`, ours, not
 * HF's). A small model trained on one catalog strings sub-word pieces into
 * words that do not exist ("Gopwnerdiwde", "uvised"). With a lexicon, every
 * word it writes must be a word of the lexicon or of the product it
 * describes: inside a word only tokens that keep it the start of such a word
 * are allowed, and the word may end (white space, punctuation, EOS) only once
 * it is whole. Digits and punctuation are free.
 *
 * A word is a run of ASCII letters after lower-casing; any other character
 * (digit, punctuation, space, a non-ASCII byte) ends it. tools/lm/targets.py
 * writes the lexicon with the same rule.
 *
 * Fact words (the lexicon file's optional `fact_words`) are words that state
 * a fact about a product: a fibre, a colour, a finish ("merino", "navy",
 * "waxed"). They are held back from the shared lexicon, so a row may write
 * one only when its own product's facts have it: the model cannot claim
 * another product's material or colour.
 *
 * The frame (the file's optional `frame_words`) is a second, small lexicon:
 * with generation_config's `frame_sentences`, a row's first sentences may use
 * only its words and the product's own (WordConstraint over the frame).
 * `no_repeat_word_window` (banRepeats) keeps a word from coming back too soon.
 *
 * Cost: the allowed tokens depend only on the letters of the unfinished word,
 * so the mask over the vocabulary is computed once per distinct unfinished
 * word (bounded cache) and shared by all rows; a row's own words (the
 * product's) add a handful of tokens on top.
 */
import { ModelFolderError, namedFolderFile, readFolderJson } from '../../onnx/model-folder.js';
import { wordPieces, type WordPieces } from './prompt-copy.js';
import { tokenText, type TextTokenizer } from '../../onnx/tokenizer.js';

export interface Lexicon {
  /** The words any row may write (fact words excluded). */
  readonly words: ReadonlySet<string>;
  /** Every non-empty prefix of every word (the words included). */
  readonly prefixes: ReadonlySet<string>;
  /** Words a row may write only when its product's own words have them. */
  readonly factWords: ReadonlySet<string>;
  /**
   * The lexicon of the fact sentences (the file's optional `frame_words`):
   * with generation_config's `frame_sentences`, a row's first sentences may
   * use only these words and its product's own. Null when the file has none.
   */
  readonly frame: Lexicon | null;
  /**
   * Words of one grammatical number (the file's optional `number_words`:
   * "it", "comes" singular; "they", "are" plural): a row writes a form's
   * words only when its product's title is of that form (lexiconForNumber).
   * Null when the file has none.
   */
  readonly numberWords?: { readonly singular: ReadonlySet<string>; readonly plural: ReadonlySet<string> } | null;
}

const LETTERS = /[a-z]+/g;

/** The words of `text` by the lexicon's rule: runs of a-z after lower-casing. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(LETTERS) ?? [];
}

/** A lexicon of `words`, less `factWords` (which rows get back only from their own product's words), with `frameWords` as its frame. */
export function lexiconFrom(
  words: Iterable<string>,
  factWords: Iterable<string> = [],
  frameWords: Iterable<string> | null = null,
): Lexicon {
  const facts = new Set([...factWords].filter((w) => /^[a-z]+$/.test(w)));
  const set = new Set<string>();
  const prefixes = new Set<string>();
  for (const w of words) {
    if (!/^[a-z]+$/.test(w) || facts.has(w)) continue;
    set.add(w);
    for (let k = 1; k <= w.length; k++) prefixes.add(w.slice(0, k));
  }
  return { words: set, prefixes, factWords: facts, frame: frameWords ? lexiconFrom(frameWords) : null };
}

function wordList(o: Record<string, unknown>, field: string, source: string, required: boolean): string[] {
  const list = o[field];
  if (list === undefined && !required) return [];
  if (!Array.isArray(list)) throw new ModelFolderError(`${source}: "${field}" must be a list`);
  const bad = (list as unknown[]).find((w) => typeof w !== 'string' || !/^[a-z]+$/.test(w));
  if (bad !== undefined)
    throw new ModelFolderError(
      `${source}: every word of "${field}" must be lower-case letters a-z; got ${JSON.stringify(bad)}`,
    );
  return list as string[];
}

/** Validates the parsed JSON of a lexicon file (`{ "words": [...], "fact_words"?: [...], "frame_words"?: [...] }`). `source` names it in errors. */
export function parseLexicon(json: unknown, source: string): Lexicon {
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new ModelFolderError(`${source}: "words" must be a list`);
  const o = json as Record<string, unknown>;
  const words = wordList(o, 'words', source, true);
  const factWords = wordList(o, 'fact_words', source, false);
  const frameWords = o.frame_words === undefined ? null : wordList(o, 'frame_words', source, true);
  if (frameWords?.length === 0) throw new ModelFolderError(`${source}: "frame_words" is empty`);
  const lexicon = lexiconFrom(words, factWords, frameWords);
  if (lexicon.words.size === 0)
    throw new ModelFolderError(
      `${source}: "words" is empty${factWords.length > 0 ? ' once the fact words are taken out' : ''}`,
    );
  if (o.number_words === undefined) return lexicon;
  const forms = o.number_words;
  if (!forms || typeof forms !== 'object' || Array.isArray(forms))
    throw new ModelFolderError(`${source}: "number_words" must be an object with "singular" and "plural" lists`);
  const singular = new Set(wordList(forms as Record<string, unknown>, 'singular', `${source} number_words`, true));
  const plural = new Set(wordList(forms as Record<string, unknown>, 'plural', `${source} number_words`, true));
  const both = [...singular].find((w) => plural.has(w));
  if (both !== undefined)
    throw new ModelFolderError(`${source}: "number_words" lists ${JSON.stringify(both)} as both singular and plural`);
  return { ...lexicon, numberWords: { singular, plural } };
}

const byNumber = new WeakMap<Lexicon, { singular: Lexicon; plural: Lexicon }>();

/**
 * The lexicon a row of this grammatical number writes with: without the
 * other number's words (number_words), so a product titled in the plural
 * ("Trail Running Shoes") is not told "it comes in" nor "wear it with". The
 * lexicon itself when it has no number words. Memoised, so rows of one
 * number share their masks.
 */
export function lexiconForNumber(lexicon: Lexicon, plural: boolean): Lexicon {
  const forms = lexicon.numberWords;
  if (!forms) return lexicon;
  let pair = byNumber.get(lexicon);
  if (!pair) {
    // The other number's words are not even a start of a word: " it" may not begin "italy", or the model, meaning "it", would write "Wear italy".
    const without = (other: ReadonlySet<string>): Lexicon => {
      const base = lexiconFrom(
        [...lexicon.words].filter((w) => !other.has(w)),
        lexicon.factWords,
      );
      return {
        ...base,
        prefixes: new Set([...base.prefixes].filter((p) => !other.has(p))),
        frame: lexicon.frame,
        numberWords: null,
      };
    };
    pair = { singular: without(forms.plural), plural: without(forms.singular) };
    byNumber.set(lexicon, pair);
  }
  return plural ? pair.plural : pair.singular;
}

/** The model folder's lexicon named by generation_config's lexicon_file; null when it names none. */
export function loadLexicon(dir: string, name: string | undefined): Lexicon | null {
  const file = namedFolderFile(dir, 'lexicon_file', name);
  return file ? parseLexicon(readFolderJson(file), file) : null;
}

/** What a token does to words: letters before its first non-letter, whole words inside, letters after its last. */
interface Shape {
  /** Letters that go on with the unfinished word (lower-cased). */
  lead: string;
  /** The lead has a capital: such a token may start a word but not go on with one ("deniM"). */
  capital: boolean;
  /** Whether the token holds a character that ends a word. */
  ends: boolean;
  /** Whole words between its word-ending characters. */
  inner: string[];
  /** Letters after its last word-ending character: the start of a new word. */
  tail: string;
  /** EOS (allowed only where a word may end) or another special token (left alone). */
  special?: 'eos' | 'other';
}

const isLowerAscii = (c: number): boolean => c >= 0x61 && c <= 0x7a;

function shapeOf(text: string): Shape {
  const lower = text.toLowerCase();
  let i = 0;
  while (i < lower.length && isLowerAscii(lower.charCodeAt(i))) i++;
  const capital = /[A-Z]/.test(text.slice(0, i));
  if (i === lower.length) return { lead: lower, capital, ends: false, inner: [], tail: '' };
  let j = lower.length;
  while (j > i && isLowerAscii(lower.charCodeAt(j - 1))) j--;
  return { lead: lower.slice(0, i), capital, ends: true, inner: wordsOf(lower.slice(i, j)), tail: lower.slice(j) };
}

type Check = (word: string) => boolean;
const NONE: readonly number[] = [];
/** Shortest word that no_repeat_word_window keeps from coming back within the window (any word may not follow itself). */
const MIN_REPEAT_LETTERS = 4;

function allowed(shape: Shape, partial: string, isWord: Check, isPrefix: Check): boolean {
  if (shape.special === 'other') return true;
  if (shape.special === 'eos') return partial === '' || isWord(partial);
  if (shape.capital && partial !== '') return false;
  const first = partial + shape.lead;
  if (!shape.ends) return first === '' || isPrefix(first);
  if (first !== '' && !isWord(first)) return false;
  for (const w of shape.inner) if (!isWord(w)) return false;
  return shape.tail === '' || isPrefix(shape.tail);
}

/** The last `n` words of `text` before `end` (wordsOf's rule), oldest first, without reading the rest of it. */
function lastWords(text: string, end: number, n: number): string[] {
  const out: string[] = [];
  let i = end;
  while (out.length < n && i > 0) {
    while (i > 0 && !isAsciiLetter(text.charCodeAt(i - 1))) i--;
    const stop = i;
    while (i > 0 && isAsciiLetter(text.charCodeAt(i - 1))) i--;
    if (stop > i) out.push(text.slice(i, stop).toLowerCase());
  }
  return out.reverse();
}

function isAsciiLetter(c: number): boolean {
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x7a;
}

/** Sets `ids` to -Infinity; with `undo`, logs each ban's id and the value it replaced. */
function banIds(logits: Float32Array, ids: readonly number[], undo: number[] | undefined): void {
  for (const id of ids) {
    const v = logits[id];
    if (v === undefined || v === -Infinity) continue;
    if (undo) undo.push(id, v);
    logits[id] = -Infinity;
  }
}

/** Sets `key` in a memo of at most `max` entries, dropping the oldest first; returns `value`. */
function remember<T>(memo: Map<string, T>, key: string, value: T, max: number): T {
  if (memo.size >= max) memo.delete(memo.keys().next().value as string);
  memo.set(key, value);
  return value;
}

/** One product's map in a memo shared by products (at most 1,024 products kept, the oldest dropped first). */
function productMemo<T>(memo: Map<string, Map<string, T>>, product: string): Map<string, T> {
  return memo.get(product) ?? remember(memo, product, new Map<string, T>(), 1024);
}

const counted = new WeakMap<ReadonlySet<string>, Map<string, number>>();

/** Prefix → how many of `words` start with it (memoised per set). */
function prefixCounts(words: ReadonlySet<string>): Map<string, number> {
  let counts = counted.get(words);
  if (!counts) {
    counts = new Map();
    for (const w of words)
      for (let k = 1; k <= w.length; k++) counts.set(w.slice(0, k), (counts.get(w.slice(0, k)) ?? 0) + 1);
    counted.set(words, counts);
  }
  return counts;
}

/** A letter trie of the lexicon: walking a token's letters from the unfinished word's node allocates nothing. */
interface TrieNode {
  next: Map<number, TrieNode>;
  word: boolean;
}

function buildTrie(words: Iterable<string>): TrieNode {
  const root: TrieNode = { next: new Map(), word: false };
  for (const w of words) {
    let node = root;
    for (let i = 0; i < w.length; i++) {
      const c = w.charCodeAt(i);
      let child = node.next.get(c);
      if (!child) node.next.set(c, (child = { next: new Map(), word: false }));
      node = child;
    }
    node.word = true;
  }
  return root;
}

function walk(node: TrieNode | undefined, letters: string): TrieNode | undefined {
  for (let i = 0; node && i < letters.length; i++) node = node.next.get(letters.charCodeAt(i));
  return node;
}

/** A node of the token trie: the tokens whose letters (before any word end) spell the path to it. */
interface TokenNode {
  next: Map<number, TokenNode>;
  /** Tokens that are only these letters: the word goes on. */
  within: number[];
  /** Tokens that are these letters and then end the word. */
  ending: number[];
}

/** The tokens allowed after one unfinished word: a mask, and the list when it is short. */
export interface AllowedTokens {
  mask: Uint8Array;
  /** The allowed ids when they are at most half of the vocabulary; null otherwise. */
  ids: Int32Array | null;
  /** The banned ids when ids is null. */
  banned: Int32Array | null;
}

/** Per (lexicon, tokenizer, vocabulary size): token shapes and the shared masks by unfinished word. */
class LexiconVocab {
  readonly shapes: Shape[];
  /** Per token: its inner words and the start of its tail are the lexicon's (precomputed for the masks). */
  private readonly restOk: Uint8Array;
  /** Tokens that end a word before any letter, EOS included: what may follow a whole word. */
  readonly endFirst: number[] = [];
  /** Tokens that end a word and start another, by the letters they start it with. */
  readonly byTail = new Map<string, number[]>();
  private readonly trie: TrieNode;
  /** The tokens' letters before any word-ending character, as a trie (capitalised pieces left out). */
  private readonly tokenTrie: TokenNode = { next: new Map(), within: [], ending: [] };
  /** Tokens by a whole word inside them (between two word-ending characters), built on first use. */
  private byInner: Map<string, number[]> | null = null;
  /** The tokens allowed after a whole word that add no letter to it (EOS, spaces and punctuation starting a valid rest). */
  private readonly afterWord: Int32Array;
  /** Tokens that add no letter and end no word (empty pieces), and special tokens other than EOS. */
  private readonly noLetters: number[] = [];
  private readonly masks = new Map<string, AllowedTokens>();
  /** WordConstraint's own-word results, by the product's words, then by the unfinished word (bounded). */
  readonly ownMemo = new Map<string, Map<string, readonly number[]>>();
  /** WordConstraint.banRepeats' token lists, by the product's words, then by the word and the word in progress (bounded). */
  readonly repeatMemo = new Map<string, Map<string, readonly number[]>>();
  private readonly maxMasks: number;

  constructor(
    readonly lexicon: Lexicon,
    tokenizer: TextTokenizer,
    readonly size: number,
  ) {
    const eos = new Set(tokenizer.special.eos);
    const special = new Set([tokenizer.special.pad, tokenizer.special.bos]);
    this.trie = buildTrie(lexicon.words);
    this.restOk = new Uint8Array(size);
    this.shapes = Array.from({ length: size }, (_, id) => {
      if (eos.has(id)) {
        this.endFirst.push(id);
        return { lead: '', capital: false, ends: true, inner: [], tail: '', special: 'eos' };
      }
      if (special.has(id)) {
        this.noLetters.push(id);
        return { lead: '', capital: false, ends: true, inner: [], tail: '', special: 'other' };
      }
      const shape = shapeOf(tokenText(tokenizer, id));
      if (shape.ends && shape.lead === '') this.endFirst.push(id);
      if (shape.tail) {
        const list = this.byTail.get(shape.tail);
        if (list) list.push(id);
        else this.byTail.set(shape.tail, [id]);
      }
      if (shape.lead && !shape.capital) {
        // Capitalised pieces never go on with a word, so they stay out of the token trie.
        let node = this.tokenTrie;
        for (let i = 0; i < shape.lead.length; i++) {
          const c = shape.lead.charCodeAt(i);
          let child = node.next.get(c);
          if (!child) node.next.set(c, (child = { next: new Map(), within: [], ending: [] }));
          node = child;
        }
        (shape.ends ? node.ending : node.within).push(id);
      } else if (!shape.lead && !shape.ends) this.noLetters.push(id);
      this.restOk[id] =
        shape.inner.every((w) => lexicon.words.has(w)) && (shape.tail === '' || lexicon.prefixes.has(shape.tail))
          ? 1
          : 0;
      return shape;
    });
    this.afterWord = Int32Array.from(
      this.endFirst.filter((id) => this.shape(id).special === 'eos' || this.restOk[id] === 1),
    );
    // About 32 MB of masks at most, whatever the vocabulary.
    this.maxMasks = Math.max(64, Math.floor(32_000_000 / Math.max(1, size)));
  }

  /** Token `id`'s shape; every id below the vocabulary's size has one. */
  shape(id: number): Shape {
    const shape = this.shapes[id];
    if (shape === undefined) throw new RangeError(`lexicon: token ${id} is past the vocabulary of ${this.size}`);
    return shape;
  }

  /**
   * The tokens whose letters, from the start of a word, are `letters` cut
   * after its (k+1)-th letter, for each k: ending the word there, or not.
   * Stops at the first cut no token spells.
   */
  spellings(letters: string): Array<{ ending: readonly number[]; within: readonly number[] }> {
    const out: Array<{ ending: readonly number[]; within: readonly number[] }> = [];
    let node: TokenNode | undefined = this.tokenTrie;
    for (let i = 0; i < letters.length; i++) {
      node = node.next.get(letters.charCodeAt(i));
      if (!node) break;
      out.push(node);
    }
    return out;
  }

  /** The tokens that hold `word` whole between two word-ending characters (" linen,"). */
  holding(word: string): readonly number[] {
    if (!this.byInner) {
      const byInner = new Map<string, number[]>();
      this.shapes.forEach((shape, id) => {
        for (const w of shape.inner) {
          const list = byInner.get(w);
          if (list) list.push(id);
          else byInner.set(w, [id]);
        }
      });
      this.byInner = byInner;
    }
    return this.byInner.get(word) ?? NONE;
  }

  /** The tokens allowed after the unfinished word `partial`, by the lexicon alone. Memoised. */
  allowed(partial: string): AllowedTokens {
    const hit = this.masks.get(partial);
    if (hit) return hit;
    const m = new Uint8Array(this.size);
    const okIds: number[] = [];
    const add = (id: number): void => {
      m[id] = 1;
      okIds.push(id);
    };
    const from = partial === '' ? undefined : walk(this.trie, partial);
    if (partial === '') {
      // After a word-ending character (computed once per vocabulary): the shared rule, token by token.
      const { words, prefixes } = this.lexicon;
      const isWord = (w: string): boolean => words.has(w);
      const isPrefix = (w: string): boolean => prefixes.has(w);
      for (const [id, shape] of this.shapes.entries()) if (allowed(shape, '', isWord, isPrefix)) add(id);
    } else if (from) {
      // Inside a word: walk the lexicon's trie and a trie of the tokens' letters together. A
      // token reached here keeps the word a prefix of a lexicon word (the rule of `allowed`), and
      // one that ends the word there is allowed when that is a whole word and its rest is valid.
      const visit = (lex: TrieNode, tok: TokenNode): void => {
        for (const id of tok.within) add(id);
        if (lex.word) for (const id of tok.ending) if (this.restOk[id] === 1) add(id);
        const [small, other] = lex.next.size < tok.next.size ? [lex.next, tok.next] : [tok.next, lex.next];
        for (const c of small.keys()) {
          if (!other.has(c)) continue;
          visit(lex.next.get(c) as TrieNode, tok.next.get(c) as TokenNode);
        }
      };
      visit(from, this.tokenTrie);
      // After a whole word: the same tokens every time (they add no letter to it), precomputed.
      if (from.word) for (const id of this.afterWord) add(id);
      // Empty pieces keep the word as it is; other special tokens are left alone.
      for (const id of this.noLetters) add(id);
    } else {
      // Not the start of any lexicon word (only the product's own words lead here): only special tokens.
      for (const id of this.noLetters) if (this.shape(id).special === 'other') add(id);
    }
    let out: AllowedTokens;
    if (okIds.length <= this.size / 2) {
      out = { mask: m, ids: Int32Array.from(okIds), banned: null };
    } else {
      const banned = new Int32Array(this.size - okIds.length);
      for (let id = 0, k = 0; id < this.size; id++) if (!m[id]) banned[k++] = id;
      out = { mask: m, ids: null, banned };
    }
    return remember(this.masks, partial, out, this.maxMasks);
  }
}

const vocabs = new WeakMap<Lexicon, WeakMap<TextTokenizer, LexiconVocab>>();

function vocabFor(lexicon: Lexicon, tokenizer: TextTokenizer, size: number): LexiconVocab {
  let byTokenizer = vocabs.get(lexicon);
  if (!byTokenizer) vocabs.set(lexicon, (byTokenizer = new WeakMap()));
  let v = byTokenizer.get(tokenizer);
  if (!v || v.size !== size) byTokenizer.set(tokenizer, (v = new LexiconVocab(lexicon, tokenizer, size)));
  return v;
}

/**
 * Builds the per-vocabulary tables (token shapes, tries, the mask after a
 * word-ending character) ahead of the first request: the time goes to the
 * provider's load rather than to the first batch.
 */
export function prepareLexicon(lexicon: Lexicon, tokenizer: TextTokenizer, vocabSize: number): void {
  if (vocabSize <= 0) return;
  for (const l of new Set([lexicon, lexiconForNumber(lexicon, false), lexiconForNumber(lexicon, true)]))
    vocabFor(l, tokenizer, vocabSize).allowed('');
}

/** One row's constraint: the lexicon plus the words of `own` (the product's facts). */
export class WordConstraint {
  private readonly ownWords: Set<string>;
  private readonly ownPrefixes: Set<string>;
  private readonly isWord: Check;
  private readonly isPrefix: Check;
  private vocab: LexiconVocab | null = null;
  /** Scratch for the logits kept across the fill. */
  private kept = new Float32Array(64);
  /** The product's words in the spellings their pieces are looked up in, each with its lower case. */
  private readonly ownSpellings: readonly { text: string; lower: string }[];
  private ownStarters: number[] | null = null;
  private ownStartersAfterLetters: number[] = [];
  private seen: Uint8Array | null = null;
  /** Prefix → how many of the product's own words (those the lexicon lacks) start with it; built on first use. */
  private ownCounts: Map<string, number> | null = null;
  private lexCounts: Map<string, number> | null = null;
  /** banRepeats' last words before the word in progress, and where they end. */
  private doneWords: { end: number; window: number; words: string[] } | null = null;
  /** This product's parts of the vocabulary's memos. */
  private repeatMemo: Map<string, readonly number[]> | null = null;
  private ownMemo: Map<string, readonly number[]> | null = null;
  /** Key of this row's own words in the vocabulary's shared memo: rows for the same product share results. */
  private readonly ownKey: string;
  /** The tokenizer's in-word pieces (shared with the copy bias), to spell the product's words. */
  private readonly pieces: WordPieces;

  /** Words no_repeat_word_window lets repeat: the product's title (a title may start right after its own word, "hand woven, the Woven Straw Bag"). */
  private readonly repeatable: ReadonlySet<string>;

  constructor(
    private readonly lexicon: Lexicon,
    private readonly tokenizer: TextTokenizer,
    own: string,
    title = '',
  ) {
    this.repeatable = new Set(wordsOf(title));
    this.pieces = wordPieces(tokenizer);
    const spellings = own.match(/[A-Za-z]+/g) ?? [];
    // As the product writes them, lower-cased, and capitalised (a sentence may start with one).
    this.ownSpellings = [
      ...new Set(spellings.flatMap((w) => [w, w.toLowerCase(), w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()])),
    ].map((text) => ({ text, lower: text.toLowerCase() }));
    const extra = lexiconFrom(spellings.map((w) => w.toLowerCase()));
    this.ownWords = new Set([...extra.words].filter((w) => !lexicon.words.has(w)));
    this.ownPrefixes = new Set([...extra.prefixes].filter((p) => !lexicon.prefixes.has(p)));
    this.ownKey = [...this.ownWords].sort().join(' ');
    this.isWord = (w) => lexicon.words.has(w) || this.ownWords.has(w);
    this.isPrefix = (p) => lexicon.prefixes.has(p) || this.ownPrefixes.has(p);
  }

  /** The letters of the unfinished word at the end of `output`, lower-cased ('' after a word-ending character). */
  static partial(output: string): string {
    let i = output.length;
    while (i > 0 && isAsciiLetter(output.charCodeAt(i - 1))) i--;
    return output.slice(i).toLowerCase();
  }

  /** Ids the product's own words allow that the lexicon alone does not, after `partial`. Memoised per product. */
  private ownAllowed(partial: string, v: LexiconVocab): readonly number[] {
    if (this.ownWords.size === 0) return NONE;
    this.ownMemo ??= productMemo(v.ownMemo, this.ownKey);
    const hit = this.ownMemo.get(partial);
    if (hit) return hit;
    if (!this.ownStarters) {
      const ids = [...new Set([...this.ownPrefixes].flatMap((p) => v.byTail.get(p) ?? []))];
      // With nothing before them in the token, whether they are allowed does not depend on the word before (once it is whole).
      this.ownStarters = ids.filter(
        (id) => v.shape(id).lead === '' && allowed(v.shape(id), '', this.isWord, this.isPrefix),
      );
      this.ownStartersAfterLetters = ids.filter((id) => v.shape(id).lead !== '');
    }
    const candidates: number[] = [];
    const base = v.allowed(partial).mask;
    if (!this.seen || this.seen.length !== v.size) this.seen = new Uint8Array(v.size);
    const seen = this.seen;
    const add = (id: number): void => {
      if (id >= v.size || seen[id] || base[id]) return; // the lexicon allows it already
      seen[id] = 1;
      if (allowed(v.shape(id), partial, this.isWord, this.isPrefix)) candidates.push(id);
    };
    // Going on with one of the product's words.
    for (const { text: w, lower } of this.ownSpellings) {
      if (w.length <= partial.length || !lower.startsWith(partial)) continue;
      for (let k = partial.length + 1; k <= w.length; k++) {
        const id = this.pieces.pieceId(w.slice(partial.length, k));
        if (id !== undefined) add(id);
      }
    }
    // Ending one of the product's words: what the lexicon allows after a word-ending character.
    if (this.ownWords.has(partial)) {
      const after = v.allowed('').mask;
      for (const id of v.endFirst) {
        if (seen[id] || base[id] || !after[id]) continue;
        seen[id] = 1;
        candidates.push(id);
      }
    }
    // Starting one after a word-ending character: most such tokens start with it (" Lamb"),
    // so the word before must be whole, which is one check for all of them.
    if (partial === '' || this.isWord(partial)) {
      for (const id of this.ownStarters) {
        if (seen[id] || base[id]) continue;
        seen[id] = 1;
        candidates.push(id);
      }
    }
    for (const id of this.ownStartersAfterLetters) add(id);
    seen.fill(0);
    return remember(this.ownMemo, partial, candidates, 4096);
  }

  /** Whether `word` is the start of a longer word this row may write ("wash" of "washed"). */
  private goesOn(word: string): boolean {
    return this.wordsStarting(word) > (this.isWord(word) ? 1 : 0);
  }

  /** How many words this row may write start with `prefix` (the lexicon's and the product's). */
  private wordsStarting(prefix: string): number {
    this.lexCounts ??= prefixCounts(this.lexicon.words);
    this.ownCounts ??= prefixCounts(this.ownWords);
    return (this.lexCounts.get(prefix) ?? 0) + (this.ownCounts.get(prefix) ?? 0);
  }

  /**
   * generation_config's `no_repeat_word_window` (ours): sets to -Infinity
   * every token that would write again a word of four letters or more among
   * the last `window` words of `output`, or any word right after itself,
   * however the tokenizer splits it: a
   * token is banned as soon as its letters leave that word as the only word
   * the row may write from there (" abst" once "abstract" is the only word
   * starting so), and a word that could go on into a longer one ("wash",
   * "washed") is stopped where it would end. In place; with `undo`, each ban
   * also pushes its id and the value it replaced (see constrainRow). `output`
   * is the row's text so far: from call to call it only grows.
   */
  banRepeats(logits: Float32Array, output: string, window: number, undo?: number[]): void {
    if (window <= 0) return;
    if (!this.vocab || this.vocab.size !== logits.length)
      this.vocab = vocabFor(this.lexicon, this.tokenizer, logits.length);
    const v = this.vocab;
    const partial = WordConstraint.partial(output);
    // A row's text only grows, so the words before the one in progress change only when a word ends.
    const end = output.length - partial.length;
    if (!this.doneWords || this.doneWords.end !== end || this.doneWords.window !== window)
      this.doneWords = { end, window, words: lastWords(output, end, window) };
    const done = this.doneWords.words;
    // A token that goes on with the word in progress: the window is the last words before it.
    for (const [i, word] of done.entries()) {
      if (!this.repeats(word, i === done.length - 1)) continue;
      // Written again already (it could have gone on into a longer word): it may not end here.
      if (partial === word) banIds(logits, v.endFirst, undo);
      else if (word.startsWith(partial)) banIds(logits, this.repeatBans(word, partial, v), undo);
    }
    // A token that ends the word in progress first: that word is then the latest of the window.
    if (partial !== '' && !this.isWord(partial)) return;
    const from = partial === '' || done.length < window ? 0 : 1;
    for (const [i, word] of done.entries()) {
      if (i >= from && this.repeats(word, partial === '' && i === done.length - 1))
        banIds(logits, this.repeatBans(word, null, v), undo);
    }
    if (partial !== '' && this.repeats(partial, true)) banIds(logits, this.repeatBans(partial, null, v), undo);
  }

  /**
   * Whether no_repeat_word_window keeps `word` from repeating: any word right
   * after itself ("and and"), else four letters or more and not a title word.
   */
  private repeats(word: string, latest: boolean): boolean {
    return latest || (word.length >= MIN_REPEAT_LETTERS && !this.repeatable.has(word));
  }

  /** Letters that start a word and lead only to `word`, or are the whole of it and end there. */
  private onlyTo(letters: string, word: string): boolean {
    return letters.length > 0 && (letters === word ? !this.goesOn(word) : this.wordsStarting(letters) === 1);
  }

  /**
   * The tokens that would write `word` again (memoised per row): with
   * `partial`, those that go on with the word in progress towards it (or,
   * after a word end, start it without a space); with null, those that end
   * the word in progress and start it (" indigo"; " ind" where only
   * "indigo" starts so) or hold it whole (" indigo,").
   */
  private repeatBans(word: string, partial: string | null, v: LexiconVocab): readonly number[] {
    // Shared by the rows of one product: the lists depend on the lexicon and the product's own words only.
    const memo = (this.repeatMemo ??= productMemo(v.repeatMemo, this.ownKey));
    const key = partial === null ? word : `${word} ${partial}`;
    const known = memo.get(key);
    if (known) return known;
    const ids: number[] = [];
    if (partial !== null) {
      v.spellings(word.slice(partial.length)).forEach(({ ending, within }, i) => {
        const k = partial.length + i + 1;
        if (k === word.length) ids.push(...ending);
        if (this.onlyTo(word.slice(0, k), word)) ids.push(...within);
      });
    } else {
      for (let k = 1; k <= word.length; k++)
        if (this.onlyTo(word.slice(0, k), word)) ids.push(...(v.byTail.get(word.slice(0, k)) ?? NONE));
      ids.push(...v.holding(word));
    }
    return remember(memo, key, ids, 4096);
  }

  /**
   * Sets to -Infinity every token that would make a word outside the lexicon
   * and the product's words. Leaves the logits alone when nothing allowed has
   * a finite logit (another rule banned them all), so a row never stalls. In place.
   */
  apply(logits: Float32Array, output: string): void {
    if (!this.vocab || this.vocab.size !== logits.length)
      this.vocab = vocabFor(this.lexicon, this.tokenizer, logits.length);
    const v = this.vocab;
    const partial = WordConstraint.partial(output);
    const { mask, ids, banned } = v.allowed(partial);
    const own = this.ownAllowed(partial, v);
    if (!anyOpen(logits, own, ids, mask)) return;
    const n = ids ? ids.length : 0;
    if (this.kept.length < n + own.length) this.kept = new Float32Array(2 * (n + own.length));
    const kept = this.kept;
    keep(logits, own, kept, n);
    if (ids) {
      // Few allowed: keep them, fill the rest at once.
      keepIds(logits, ids, kept);
      logits.fill(-Infinity);
      putBackIds(logits, ids, kept);
    } else if (banned) {
      for (let k = 0; k < banned.length; k++) {
        const id = banned[k];
        if (id !== undefined) logits[id] = -Infinity;
      }
    }
    putBack(logits, own, kept, n);
  }
}

// anyOpen scans up to the whole vocabulary at every step: by index, as V8 iterates a
// typed array far faster than with for-of, and the checked read costs it nothing measurable.

const finite = (v: number | undefined): boolean => v !== undefined && v > -Infinity;

/** Whether any id the lexicon allows (`ids`, or else `mask`) or the product's words allow (`own`) has a finite logit. */
function anyOpen(logits: Float32Array, own: readonly number[], ids: Int32Array | null, mask: Uint8Array): boolean {
  for (const id of own) if (finite(logits[id])) return true;
  if (ids) {
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      if (id !== undefined && finite(logits[id])) return true;
    }
    return false;
  }
  for (let id = 0; id < logits.length; id++) if (mask[id] === 1 && finite(logits[id])) return true;
  return false;
}

/** logits[id] for a vocabulary id; throws for any other. */
function logitAt(logits: Float32Array, id: number | undefined): number {
  const v = id === undefined ? undefined : logits[id];
  if (v === undefined) throw new RangeError(`lexicon: token ${id} is past the ${logits.length} logits`);
  return v;
}

/** kept[at + k] = logits[ids[k]], for every k. */
function keep(logits: Float32Array, ids: readonly number[], kept: Float32Array, at: number): void {
  for (const [k, id] of ids.entries()) kept[at + k] = logitAt(logits, id);
}

/** kept[k] = logits[ids[k]], for every k (keep for a typed array of ids, by index for speed). */
function keepIds(logits: Float32Array, ids: Int32Array, kept: Float32Array): void {
  for (let k = 0; k < ids.length; k++) kept[k] = logitAt(logits, ids[k]);
}

/** logits[ids[k]] = kept[k], for every k (keepIds' inverse). */
function putBackIds(logits: Float32Array, ids: Int32Array, kept: Float32Array): void {
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    const v = kept[k];
    if (id === undefined || v === undefined) throw new RangeError(`lexicon: nothing kept for the ${k}th id`);
    logits[id] = v;
  }
}

/** logits[ids[k]] = kept[at + k], for every k (keep's inverse). */
function putBack(logits: Float32Array, ids: readonly number[], kept: Float32Array, at: number): void {
  for (const [k, id] of ids.entries()) {
    const v = kept[at + k];
    if (v === undefined) throw new RangeError(`lexicon: nothing kept for the ${k}th id`);
    logits[id] = v;
  }
}
