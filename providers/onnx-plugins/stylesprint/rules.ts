/**
 * The bundled model's rules on one row's scores, in their order, with the
 * fallbacks that keep a row from stalling when they disagree. The plugin
 * (index.ts) builds a row's rule objects from its product; this file only
 * runs them.
 */
import { banRepeatedNgrams } from '../../onnx/processors.js';
import type { FactSentences } from './fact-sentences.js';
import type { WordConstraint } from './lexicon.js';
import { banBlockedNgrams, type BlockedNgrams } from './novelty.js';
import type { NumberConstraint } from './numbers.js';
import type { PromptCopy } from './prompt-copy.js';

/** The plugin's settings that the rules read at every step. */
export interface StepSettings {
  /** output_no_repeat_ngram_size: no n-gram of the output occurs twice in it (the prompt's may be restated). 0 disables. */
  outputNoRepeatNgramSize: number;
  /** The n-grams no row may complete (novelty.ts); null disables. */
  blockedNgrams: BlockedNgrams | null;
  /** frame_sentences: how many first sentences the lexicon's frame holds. */
  frameSentences: number;
  /** no_repeat_word_window (lexicon.ts's banRepeats). 0 disables. */
  noRepeatWordWindow: number;
}

/** What the rules read of a row: its tokens and text so far, and its rule objects. */
export interface RuleRow {
  tokens: readonly number[];
  padding: number;
  promptLength: number;
  text: string;
  copy: PromptCopy | null;
  words: WordConstraint | null;
  /** The same constraint over the lexicon's frame (frame_sentences), for the row's first sentences. */
  frameWords?: WordConstraint | null;
  /** Sentences the row's text has ended so far ('.', '!' or '?'). */
  sentences?: number;
  numbers?: NumberConstraint | null;
  /** The fact grammar of the row's first sentences (fact_patterns_file), while it holds. */
  grammar?: FactSentences | null;
  settings: StepSettings;
}

// An indexed loop with a checked read, not for-of: V8 iterates a typed array by index far faster, and drops the check.
function anyFinite(logits: Float32Array): boolean {
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v !== undefined && v > -Infinity) return true;
  }
  return false;
}

function anyFiniteOf(logits: Float32Array, ids: readonly number[]): boolean {
  for (const id of ids) {
    const v = logits[id];
    if (v !== undefined && v > -Infinity) return true;
  }
  return false;
}

/** Puts back the values `undo` logged as (id, value) pairs, in reverse, so an id banned twice gets its first value back. */
function takeBack(logits: Float32Array, undo: readonly number[]): void {
  for (let i = undo.length - 2; i >= 0; i -= 2) {
    const id = undo[i];
    const value = undo[i + 1];
    if (id === undefined || value === undefined)
      throw new Error('constrainRow: the undo log holds an odd number of entries');
    logits[id] = value;
  }
}

/** The row's logits as they came, kept while its fact grammar holds (see constrainRow). */
let unconstrained = new Float32Array(0);

/**
 * Every rule on one row's logits, in place: the fact grammar, the copy
 * bias, the novelty ban, the lexicon (its frame in the first
 * frame_sentences sentences), the product's numbers, then the repeat bans
 * (the output's n-grams, then words). If the repeat bans leave nothing the
 * lexicon, the grammar or the number rule allowed, they are taken back, so
 * the word or number in progress is finished anyway (a repeated n-gram
 * beats a word that does not exist or a wrong number). If the grammar and
 * the other rules together leave nothing, the grammar lets the row go and
 * the rules run again without it. `undo` is scratch space the caller may
 * reuse between calls.
 *
 * Returns, when it knows them, the ids that may still have a finite logit
 * (the grammar's few tokens), so that choosing the token need not scan
 * the vocabulary; null otherwise. Valid until the next call.
 */
export function constrainRow(logits: Float32Array, row: RuleRow, undo: number[] = []): readonly number[] | null {
  const grammar = row.grammar?.active ? row.grammar : null;
  if (grammar) {
    if (unconstrained.length < logits.length) unconstrained = new Float32Array(logits.length);
    unconstrained.set(logits);
  }
  const candidates = applyRules(logits, row, undo, grammar);
  if (grammar && !(candidates ? anyFiniteOf(logits, candidates) : anyFinite(logits))) {
    grammar.release();
    logits.set(unconstrained.subarray(0, logits.length));
    return applyRules(logits, row, undo, null);
  }
  return candidates;
}

function applyRules(
  logits: Float32Array,
  row: RuleRow,
  undo: number[],
  grammar: FactSentences | null,
): readonly number[] | null {
  const { settings } = row;
  // The grammar is stricter than the frame, and lets go inside the token that ends its last sentence: the rest of that token is the free text's.
  const held = grammar !== null && grammar.apply(logits, row.text);
  // Tokens wholly inside the grammar write only the patterns' words and the product's own facts (its words and numbers): the lexicon and the number rule would find nothing to ban.
  const within = held && !grammar.endsInside;
  // The copy bias spells the product's words: with a grammar, that writes them, and after it the bias would only pull the free text back to them.
  if (row.copy && !row.grammar) row.copy.apply(logits, row.text);
  if (settings.blockedNgrams) banBlockedNgrams(logits, row.tokens, settings.blockedNgrams, row.padding);
  // The row's first frame_sentences sentences use the lexicon's frame; the rest, the whole lexicon.
  const framed = !held && row.frameWords && (row.sentences ?? 0) < settings.frameSentences;
  const words = framed ? row.frameWords : row.words;
  if (words && !within) words.apply(logits, row.text);
  if (row.numbers && !within) row.numbers.apply(logits, row.text);
  undo.length = 0;
  const log = row.words || row.numbers || held ? undo : undefined;
  const own = settings.outputNoRepeatNgramSize;
  if (own > 0) banRepeatedNgrams(logits, row.tokens, own, row.padding + row.promptLength, log);
  if (words && settings.noRepeatWordWindow > 0) words.banRepeats(logits, row.text, settings.noRepeatWordWindow, log);
  const candidates = held ? grammar.allowed : null;
  if (undo.length > 0 && !(candidates ? anyFiniteOf(logits, candidates) : anyFinite(logits))) takeBack(logits, undo);
  return candidates;
}

/** How many sentence ends ('.', '!', '?') `text` holds from index `from`. */
export function sentenceEnds(text: string, from = 0): number {
  let n = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e || c === 0x21 || c === 0x3f) n++;
  }
  return n;
}
