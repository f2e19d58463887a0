/**
 * Integrity checks for generated text: does it echo its prompt, or copy a
 * long run of the human reference it will be scored against? Either inflates
 * overlap metrics without being an honest description.
 */
import { findRun, longestCommonRun, sentenceTokens, wordTokens, type Token } from './text-tokens.js';

export interface LeakageOptions {
  /** The prompt the text was generated from. Default: none (no echo check). */
  readonly prompt?: string;
  /** The reference description the text is scored against. Default: none (no leak check). */
  readonly reference?: string;
  /** Shortest shared word run with the reference that counts as a leak. Default `8` (an 8-gram). */
  readonly minLeakWords?: number;
  /** Shortest shared word run with the prompt (reference part removed) that counts as an echo. Default `8`. */
  readonly minEchoWords?: number;
  /** Shortest prompt instruction sentence whose verbatim repetition counts as an echo. Default `4` words. */
  readonly minInstructionWords?: number;
}

export interface LeakageFinding {
  readonly code: 'PROMPT_ECHO' | 'REFERENCE_LEAK';
  readonly message: string;
  /** Offsets of the repeated run in the checked text (JavaScript string indices). */
  readonly span: { readonly start: number; readonly end: number };
  /** Number of words in the repeated run. */
  readonly words: number;
}

/**
 * Find prompt echo and reference leakage in `text`; at most one finding of each
 * kind (the longest). Words are compared lower-cased, punctuation ignored, and
 * a shared run never spans two sentences.
 */
export function checkLeakage(text: string, options: LeakageOptions = {}): LeakageFinding[] {
  const tokens = sentenceTokens(text);
  const findings: LeakageFinding[] = [];
  if (options.prompt) {
    const echo = findEcho(tokens, options);
    if (echo) findings.push(echo);
  }
  if (options.reference) {
    const run = longestCommonRun(tokens, sentenceTokens(options.reference));
    if (run.length >= (options.minLeakWords ?? 8)) {
      findings.push({
        code: 'REFERENCE_LEAK',
        message: `copies ${run.length} consecutive words of the reference description`,
        span: spanOf(tokens, run.aStart, run.length),
        words: run.length,
      });
    }
  }
  return findings;
}

function spanOf(tokens: readonly Token[], first: number, count: number): { start: number; end: number } {
  return { start: tokens[first]!.start, end: tokens[first + count - 1]!.end };
}

/**
 * An echo is either a whole instruction sentence of the prompt repeated word
 * for word, or a long run shared with the prompt. The reference text inside
 * the prompt is cut out first, so that copying it is reported once, as a leak.
 */
function findEcho(tokens: readonly Token[], options: LeakageOptions): LeakageFinding | undefined {
  let prompt = options.prompt ?? '';
  if (options.reference && options.reference.trim() !== '') prompt = prompt.split(options.reference.trim()).join('\n');
  const minInstruction = options.minInstructionWords ?? 4;
  // Sentences and clauses ending in ':' are the prompt's instructions.
  for (const sentence of prompt.split(/[.!?:;\n]+/)) {
    const words = wordTokens(sentence);
    if (words.length < minInstruction) continue;
    const at = findRun(tokens, words);
    if (at >= 0) {
      return {
        code: 'PROMPT_ECHO',
        message: `repeats the prompt's instruction "${sentence.trim()}"`,
        span: spanOf(tokens, at, words.length),
        words: words.length,
      };
    }
  }
  const run = longestCommonRun(tokens, sentenceTokens(prompt));
  if (run.length >= (options.minEchoWords ?? 8)) {
    return {
      code: 'PROMPT_ECHO',
      message: `repeats ${run.length} consecutive words of the prompt`,
      span: spanOf(tokens, run.aStart, run.length),
      words: run.length,
    };
  }
  return undefined;
}
