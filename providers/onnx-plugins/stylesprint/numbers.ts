/**
 * Decode-time number constraint (generation_config's `fact_numbers_only`,
 * ours, not HF's): every number the output writes must be one of the
 * product's own numbers. A small model copies "70% viscose, 26% polyamide"
 * as "70% viscose, 6% polyamide": it starts a number that no fact has. With
 * the rule on, a digit may only be written where the run of digits it makes
 * still starts one of the product's numbers, and the run may end (any
 * non-digit, EOS included) only where it is one of them, so "6" cannot
 * follow " " here, and "2" must go on to "26".
 *
 * A number is a run of ASCII digits; "1.5" is the numbers 1 and 5. The
 * product's numbers come from its facts (productCopySource), so a product
 * with no numbers gets none in its text. When the rule would leave no token
 * the other rules allowed, it leaves the logits alone, as the lexicon does.
 */
import { keepOnly } from '../../onnx/processors.js';
import { tokenText, type TextTokenizer } from '../../onnx/tokenizer.js';

/** The runs of ASCII digits in `text`, in order. */
export function numbersOf(text: string): string[] {
  return text.match(/[0-9]+/g) ?? [];
}

interface DigitTokens {
  /** Tokens with a digit, and their text. */
  tokens: readonly { id: number; text: string }[];
  /** Per id: 1 when its text starts with a digit. */
  startsWithDigit: Uint8Array;
}

const digitTokens = new WeakMap<TextTokenizer, DigitTokens>();

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

function digitTokensOf(tokenizer: TextTokenizer, size: number): DigitTokens {
  const known = digitTokens.get(tokenizer);
  if (known && known.startsWithDigit.length === size) return known;
  const tokens: { id: number; text: string }[] = [];
  const startsWithDigit = new Uint8Array(size);
  for (let id = 0; id < size; id++) {
    const text = tokenText(tokenizer, id);
    if (!/[0-9]/.test(text)) continue;
    tokens.push({ id, text });
    if (isDigit(text.charCodeAt(0))) startsWithDigit[id] = 1;
  }
  const out = { tokens, startsWithDigit };
  digitTokens.set(tokenizer, out);
  return out;
}

export class NumberConstraint {
  private readonly numbers: ReadonlySet<string>;
  private readonly prefixes: ReadonlySet<string>;

  constructor(
    private readonly tokenizer: TextTokenizer,
    /** The product's facts (or any text): its numbers are the ones allowed. */
    own: string,
  ) {
    const numbers = numbersOf(own);
    this.numbers = new Set(numbers);
    this.prefixes = new Set(numbers.flatMap((n) => Array.from({ length: n.length }, (_, k) => n.slice(0, k + 1))));
  }

  /** Whether `text` may follow an output that ends in the digit run `run` ('' when it ends in none). */
  private fits(run: string, text: string): boolean {
    let cur = run;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (isDigit(c)) cur += text.charAt(i);
      else if (cur !== '') {
        if (!this.numbers.has(cur)) return false;
        cur = '';
      }
    }
    return cur === '' || this.prefixes.has(cur);
  }

  /** After a non-digit: the digit tokens that would break the rule (the same at every such step, so computed once). */
  private afterText: { ids: Int32Array; mask: Uint8Array } | null = null;

  private badAfterText(digits: DigitTokens, size: number): { ids: Int32Array; mask: Uint8Array } {
    if (this.afterText && this.afterText.mask.length === size) return this.afterText;
    const ids: number[] = [];
    const mask = new Uint8Array(size);
    for (const { id, text } of digits.tokens) {
      if (this.fits('', text)) continue;
      ids.push(id);
      mask[id] = 1;
    }
    this.afterText = { ids: Int32Array.from(ids), mask };
    return this.afterText;
  }

  /** Bans, in place, every token that would write a number the product does not have. */
  apply(logits: Float32Array, output: string): void {
    let start = output.length;
    while (start > 0 && isDigit(output.charCodeAt(start - 1))) start--;
    const run = output.slice(start);
    const digits = digitTokensOf(this.tokenizer, logits.length);
    if (run === '' || this.numbers.has(run)) {
      // Only tokens with a digit can break the rule: ban those that do, unless that leaves nothing.
      let bad: Int32Array | number[];
      let badMask: Uint8Array | null = null;
      if (run === '') {
        const after = this.badAfterText(digits, logits.length);
        bad = after.ids;
        badMask = after.mask;
      } else {
        const list: number[] = [];
        for (const { id, text } of digits.tokens) if (!this.fits(run, text)) list.push(id);
        bad = list;
      }
      // Is anything left? Usually yes at once (any finite token without a digit).
      let open = false;
      for (let id = 0; id < logits.length && !open; id++) {
        const v = logits[id];
        open = v !== undefined && v > -Infinity && !(badMask ? badMask[id] === 1 : bad.includes(id));
      }
      if (open) for (const id of bad) logits[id] = -Infinity;
      return;
    }
    // Inside a number that is not yet one of the product's: only digits that go on towards one may follow.
    const keep: number[] = [];
    for (const { id, text } of digits.tokens) {
      const v = logits[id];
      if (digits.startsWithDigit[id] === 1 && v !== undefined && v > -Infinity && this.fits(run, text)) keep.push(id);
    }
    if (keep.length > 0) keepOnly(logits, keep);
  }
}
