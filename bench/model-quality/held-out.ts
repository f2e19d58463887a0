/**
 * The small text checks the model-quality bench and the bundled-model test
 * share (the catalog itself is read with src/seed.ts). Pure.
 */
import type { ProductFacts } from '../../providers/types.js';
import { wordsOf } from '../../providers/onnx-plugins/stylesprint/lexicon.js';
import { productCopySource } from '../../providers/onnx-plugins/stylesprint/prompt-copy.js';
import {
  FactGrammar,
  isPluralTitle,
  type FactPatterns,
} from '../../providers/onnx-plugins/stylesprint/fact-grammar.js';

/** Lower-cased words (letters and digits, with an inner apostrophe). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
}

/** Word n-grams of `text`, each as its words joined by single spaces. */
export function ngrams(text: string, n: number): string[] {
  const w = words(text);
  return Array.from({ length: Math.max(0, w.length - n + 1) }, (_, i) => w.slice(i, i + n).join(' '));
}

const FUNCTION_WORDS = new Set(['and', 'with', 'the', 'for', 'of', 'in', 'a', 'an', 'to', 'on']);

/** The product's title and attribute words of three letters or more, function words left out. */
export function productWords(p: ProductFacts): Set<string> {
  return new Set(words([p.title, ...p.attributes].join(' ')).filter((w) => w.length >= 3 && !FUNCTION_WORDS.has(w)));
}

/** Whether `text` names at least one of the product's title or attribute words. */
export function mentionsProduct(text: string, p: ProductFacts): boolean {
  const own = productWords(p);
  return words(text).some((w) => own.has(w));
}

const squash = (text: string): string => words(text).join(' ');

/** Whether `text` states the product's whole title (words compared lower-cased, punctuation ignored). */
export function statesTitle(text: string, p: ProductFacts): boolean {
  return ` ${squash(text)} `.includes(` ${squash(p.title)} `);
}

/** How many of the listed attributes, colours and materials `text` states word for word, of how many. */
export function factsStated(text: string, p: ProductFacts): { stated: number; listed: number } {
  const t = ` ${squash(text)} `;
  const listed = [...p.attributes, ...(p.colors ?? []), ...(p.materials ?? [])].map(squash).filter(Boolean);
  return { stated: listed.filter((f) => t.includes(` ${f} `)).length, listed: listed.length };
}

function list(items: readonly string[] | undefined | null): string {
  const xs = (items ?? []).filter(Boolean);
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

/** The template baseline: the facts in one fixed sentence, no model. */
export function templateDescription(p: ProductFacts): string {
  let s = `The ${p.title} is a ${p.category ?? 'wardrobe'} piece: ${list(p.attributes)}`;
  if (p.colors?.length) s += `, in ${list(p.colors)}`;
  if (p.materials?.length) s += `, made of ${list(p.materials)}`;
  return `${s}.`;
}

/** Runs of letters, lower-cased: digits and punctuation split words, so "uv400" is "uv". */
export function letterWords(text: string): string[] {
  return text.toLowerCase().match(/\p{L}+/gu) ?? [];
}

/**
 * The letter words of `text` that `known` does not know. The bench's `known`
 * is WordNet plus every word of the catalog's human text, a dictionary
 * independent of the model's own lexicon.
 */
export function unknownWords(text: string, known: (word: string) => boolean): string[] {
  return letterWords(text).filter((w) => !known(w));
}

/** The words of a product's facts (title, attributes, colours, materials) by the lexicon's rule: what the runtime counts as the product's own. */
function factWordSet(p: ProductFacts): Set<string> {
  return new Set(wordsOf(productCopySource(p)));
}

/**
 * Words that state a fact about a product: the words of the training
 * products' materials and colours that no training description uses for a
 * product without them ("merino", "navy"; not "light" or "with"). The bundled
 * lexicon's `fact_words` by the same rule (tools/lm/targets.py). Words by the
 * lexicon's rule (runs of a-z).
 */
export function factWordsOf(train: readonly { facts: ProductFacts; description: string }[]): Set<string> {
  const candidates = new Set(
    train.flatMap((p) => wordsOf([...(p.facts.colors ?? []), ...(p.facts.materials ?? [])].join(' '))),
  );
  for (const p of train) {
    const own = factWordSet(p.facts);
    for (const w of wordsOf(p.description)) if (!own.has(w)) candidates.delete(w);
  }
  return candidates;
}

/**
 * Words of four letters or more written again within the next two words
 * ("layering and layering", "washed washed"), as written; with `window` 1,
 * any word written twice in a row ("washed washed", "and and"), which is the
 * runtime's no_repeat_word_window 1 (so "wear after wear" is not one).
 */
export function repeatedWords(text: string, window: 1 | 2 = 2): string[] {
  const pattern = window === 1 ? /\b([a-z]+)\W+\1\b/gi : /\b([a-z]{4,})\W+(?:[a-z]+\W+)?\1\b/gi;
  return [...text.matchAll(pattern)].map((m) => m[0]);
}

/**
 * The words of the first `sentences` sentences of `text` that are neither the
 * product's own nor `frame`'s (the fact-sentence patterns' words): what the
 * model put into its fact sentences from elsewhere.
 */
export function offFrameWords(text: string, p: ProductFacts, frame: ReadonlySet<string>, sentences: number): string[] {
  const own = factWordSet(p);
  const head = text.split(/[.!?]/).slice(0, sentences).join(' ');
  return wordsOf(head).filter((w) => !own.has(w) && !frame.has(w));
}

/** The fact words in `text` that the product's own facts do not have: another product's material or colour. */
export function foreignFactWords(text: string, p: ProductFacts, factWords: ReadonlySet<string>): string[] {
  const own = factWordSet(p);
  return wordsOf(text).filter((w) => factWords.has(w) && !own.has(w));
}

/**
 * Whether `text` (a provider's output, its leading space trimmed) opens with
 * sentences of `patterns` filled with the product's facts (fact-grammar.ts),
 * then ends or goes on after a space: fact sentences that keep to the
 * patterns the model was trained on. Null when the product gets no grammar.
 */
export function followsPatterns(text: string, p: ProductFacts, patterns: FactPatterns): boolean | null {
  const grammar = FactGrammar.create(patterns, p);
  if (!grammar) return null;
  const spaced = ' ' + text;
  const n = grammar.matchLength(spaced);
  return n !== null && (n === spaced.length || spaced[n] === ' ');
}

/** The words of `text` that only the other grammatical number writes (the lexicon's number_words: "it" for "Jeans", "they" for "Dress"), the product's own words aside. */
export function otherNumberWords(
  text: string,
  p: ProductFacts,
  numberWords: { singular: ReadonlySet<string>; plural: ReadonlySet<string> },
): string[] {
  const other = isPluralTitle(p.title) ? numberWords.singular : numberWords.plural;
  const own = factWordSet(p);
  return wordsOf(text).filter((w) => other.has(w) && !own.has(w));
}
