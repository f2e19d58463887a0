/**
 * Decode-time copy help (generation_config's `prompt_copy_bias`, ours, not
 * HF's). A small model that has learned to name the product from its prompt
 * often starts a word it has rarely seen ("Ab" of "Abstract") and then loses
 * its place among the sub-word pieces ("Abractract"). When the word the
 * output is in the middle of also starts a word of the prompt, every token
 * that spells a next piece of that prompt word gets the bias added to its
 * logit. Where the word occurs more than once, the occurrences that share
 * the longest run of text with the output's end count.
 *
 * The match is on text, not on token ids, because the model may spell the
 * start of a word with other tokens than the prompt's ("Ab" against "A" +
 * "b"). Once the word is whole, tokens that would go on with it lose the
 * bias, and where the fact's phrase goes on ("Long-Sleeve Rib" → "Top") the
 * next word's pieces gain it. Which fact to name is the model's own choice:
 * the bias never starts one, and the provider copies from the product's facts
 * (productCopySource), not from the prompt's instructions, so it helps finish
 * a name the model chose to write and cannot make it recite the prompt. It is
 * added, not forced: a model sure of another piece keeps it. Off (0) unless
 * the model folder asks for it.
 */
import type { ProductFacts } from '../../types.js';
import { byteLevelChars, tokenText, type TextTokenizer } from '../../onnx/tokenizer.js';

/**
 * The copy source for a product: its title, attributes, colours and materials,
 * one per line, so that copying never reaches into the prompt's instructions
 * ("the following product", "about 40 words") and a phrase ends with its fact.
 */
export function productCopySource(product: ProductFacts): string {
  return [product.title, ...product.attributes, ...(product.colors ?? []), ...(product.materials ?? [])].join('\n');
}

/** Where a copied word ends: white space or punctuation that ends a phrase. */
const WORD_END = /[\s,.;:!?()"]/;
/** WORD_END for the ASCII characters, by code (the decoding loop asks for every character it scans). */
const ASCII_WORD_END = Uint8Array.from({ length: 128 }, (_, c) => (WORD_END.test(String.fromCharCode(c)) ? 1 : 0));

/** Whether the character at `i` of `text` ends a word (WORD_END). */
function endsWord(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c < 128 ? ASCII_WORD_END[c] === 1 : WORD_END.test(text.charAt(i));
}
/** How far back the output's text is compared with the prompt's to choose between occurrences. */
const MAX_RUN = 64;

export interface CopyStep {
  /** Ids that spell a next piece of the prompt's word. */
  ids: number[];
  /** The output's word is a whole word of the prompt (where it shares the longest run): the word should end here. */
  complete: boolean;
}

/** No piece to bias (shared: callers only read it). */
const NO_STEP: CopyStep = Object.freeze({ ids: [], complete: false });

export class PromptCopy {
  constructor(
    /** The text to copy from: the product's facts one per line, or the whole prompt. */
    private readonly prompt: string,
    private readonly vocab: WordPieces,
    readonly bias: number,
    /**
     * Words the bias carries on into a longer word of the source only in its
     * first line (the product's title: "Or" + "ganic Cotton Shopper"), never
     * into its other words: with the bundled model, the lexicon's words of up
     * to three letters, so that "made of" does not become "made office" nor
     * "comes in" "comes indigo". Default: none.
     */
    private readonly keepWhole: (word: string) => boolean = () => false,
  ) {
    const lineEnd = prompt.indexOf('\n');
    this.titleEnd = lineEnd < 0 ? prompt.length : lineEnd;
  }

  /** Where the source's first line ends. */
  private readonly titleEnd: number;

  /**
   * How the word at the end of `output` goes on as the prompt spells it,
   * judged at the prompt occurrences that share the longest run of text with
   * the output. No ids and not complete when `output` does not end inside a
   * word, or the word does not start a word of the prompt.
   */
  step(output: string): CopyStep {
    let start = output.length;
    while (start > 0 && !endsWord(output, start - 1)) start--;
    if (start === output.length) return NO_STEP;
    const word = output.slice(start);
    const titleOnly = this.keepWhole(word.toLowerCase());
    let best = -1;
    const rests: string[] = [];
    const phrases: string[] = [];
    for (let at = this.prompt.indexOf(word); at !== -1; at = this.prompt.indexOf(word, at + 1)) {
      if (at > 0 && !endsWord(this.prompt, at - 1)) continue; // not the start of a prompt word
      let end = at + word.length;
      while (end < this.prompt.length && !endsWord(this.prompt, end)) end++;
      if (titleOnly && end > at + word.length && at >= this.titleEnd) continue; // a short word stays whole outside the title
      // How much of the text before the word the output shares with the prompt here.
      let run = 0;
      while (run < MAX_RUN && at - run > 0 && start - run > 0 && this.prompt[at - run - 1] === output[start - run - 1])
        run++;
      if (run > best) {
        best = run;
        rests.length = 0;
        phrases.length = 0;
      }
      if (run !== best) continue;
      if (end > at + word.length) {
        rests.push(this.prompt.slice(at + word.length, end));
        continue;
      }
      // The word is complete here; where the prompt's phrase goes on after one space, its next word is a continuation too.
      if (this.prompt[end] !== ' ' || end + 1 >= this.prompt.length || endsWord(this.prompt, end + 1)) continue;
      let next = end + 1;
      while (next < this.prompt.length && !endsWord(this.prompt, next)) next++;
      phrases.push(this.prompt.slice(end, next));
    }
    if (best < 0) return NO_STEP;
    const ids: number[] = [];
    for (const rest of rests.length > 0 ? rests : phrases) {
      // A phrase's next word starts with its space: a piece is that space and at least one character.
      for (let k = rests.length > 0 ? 1 : 2; k <= rest.length; k++) {
        const id = this.vocab.pieceId(rest.slice(0, k));
        if (id !== undefined && !ids.includes(id)) ids.push(id);
      }
    }
    return { ids, complete: rests.length === 0 };
  }

  /**
   * Adds the bias to the logits of the next pieces of the prompt's word; when
   * the word is complete, subtracts it from every token that would go on with
   * the word instead of ending it. In place.
   */
  apply(logits: Float32Array, output: string): void {
    const { ids, complete } = this.step(output);
    addTo(logits, ids, this.bias);
    if (!complete) return;
    addTo(logits, markedIds(this.vocab.continuesWord(logits.length)), -this.bias);
  }
}

/** What PromptCopy needs from a tokenizer. */
export interface WordPieces {
  /** The id of the token that spells `piece` inside a word, if the vocabulary has one. */
  pieceId(piece: string): number | undefined;
  /** Per id below `size`: 1 when the token goes on with the word before it (it starts with neither space nor punctuation). */
  continuesWord(size: number): Uint8Array;
}

const marked = new WeakMap<Uint8Array, Int32Array>();

/** The ids a mask marks (memoised per mask). */
/** Adds `delta` to the logits of `ids`; an id past the vocabulary is a token the tokenizer cannot have made. */
function addTo(logits: Float32Array, ids: Iterable<number>, delta: number): void {
  for (const id of ids) {
    const v = logits[id];
    if (v === undefined) throw new RangeError(`prompt copy: token ${id} is past the ${logits.length} logits`);
    logits[id] = v + delta;
  }
}

function markedIds(mask: Uint8Array): Int32Array {
  let ids = marked.get(mask);
  if (!ids) marked.set(mask, (ids = Int32Array.from(mask.keys()).filter((id) => mask[id] === 1)));
  return ids;
}

const pieces = new WeakMap<TextTokenizer, WordPieces>();

/**
 * The word pieces of a tokenizer, memoised per tokenizer: byte-level BPE
 * vocabularies hold a piece in their byte-mapped form, SentencePiece and
 * others as plain text. Special tokens never count as pieces.
 */
export function wordPieces(tokenizer: TextTokenizer): WordPieces {
  const known = pieces.get(tokenizer);
  if (known) return known;
  const special = new Set([...tokenizer.special.eos, tokenizer.special.pad, tokenizer.special.bos]);
  const map = tokenizer.tokenBytes ? byteLevelChars() : null;
  const utf8 = new TextEncoder();
  const memo = new Map<string, number | undefined>();
  let mask: Uint8Array | null = null;
  const out: WordPieces = {
    pieceId(piece) {
      if (memo.has(piece)) return memo.get(piece);
      const form = map ? Array.from(utf8.encode(piece), (b) => map[b]).join('') : piece.replace(/^ /, '▁');
      const id = tokenizer.tokenToId(form);
      const found = id === undefined || special.has(id) ? undefined : id;
      if (memo.size < 100_000) memo.set(piece, found);
      return found;
    },
    continuesWord(size) {
      if (mask && mask.length === size) return mask;
      mask = new Uint8Array(size);
      for (let id = 0; id < size; id++) {
        const first = special.has(id) ? undefined : tokenText(tokenizer, id)[0];
        mask[id] = first !== undefined && !WORD_END.test(first) ? 1 : 0;
      }
      return mask;
    },
  };
  pieces.set(tokenizer, out);
  return out;
}
