/**
 * Integrity checks for generated text: does it echo its prompt, or copy a
 * long run of the human reference it will be scored against? Either inflates
 * overlap metrics without being an honest description.
 */
import {
  findRun,
  longestCommonRun,
  sentenceTokens,
  wordPositions,
  wordTokens,
  type Token,
  type WordPositions,
} from './text-tokens.js';

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
  return leakageOfTokens(sentenceTokens(text), options);
}

/** `checkLeakage` of a text already split by `sentenceTokens`, for callers that use its words too. */
export function leakageOfTokens(tokens: readonly Token[], options: LeakageOptions = {}): LeakageFinding[] {
  const findings: LeakageFinding[] = [];
  const sources = tokenizedSources(options.prompt ?? '', options.reference ?? '');
  if (options.prompt) {
    const echo = findEcho(tokens, sources, options);
    if (echo) findings.push(echo);
  }
  if (options.reference) {
    const run = longestCommonRun(tokens, sources.reference, sources.referencePositions);
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
  const head = tokens[first];
  const tail = tokens[first + count - 1];
  if (!head || !tail) throw new Error(`leakage check: run of ${count} at ${first} is outside ${tokens.length} tokens`);
  return { start: head.start, end: tail.end };
}

/** The prompt and reference as the checks compare them. */
interface TokenizedSources {
  /** The prompt's instruction sentences, with their words. */
  instructions: Array<{ sentence: string; words: Token[] }>;
  /** The prompt, reference cut out, as sentence tokens. */
  prompt: Token[];
  promptPositions: WordPositions;
  reference: Token[];
  referencePositions: WordPositions;
}

/**
 * Tokenized prompts and references by text. A product's prompt and
 * reference are the same for each of its descriptions, so they are split
 * once rather than per check. Bounded: cleared when full.
 */
const SOURCES = new Map<string, TokenizedSources>();
const MAX_SOURCES = 256;

function tokenizedSources(promptText: string, reference: string): TokenizedSources {
  const key = `${promptText}\u0000${reference}`;
  const cached = SOURCES.get(key);
  if (cached) return cached;
  let prompt = promptText;
  if (reference.trim() !== '') prompt = prompt.split(reference.trim()).join('\n');
  // Sentences and clauses ending in ':' are the prompt's instructions. What
  // follows the last ':' of a line is a value (the product's title,
  // attributes, materials): restating the product's facts is describing it,
  // not echoing the prompt, so values only count through the long-run rule.
  const instructionText = prompt
    .split('\n')
    .map((line) => line.replace(/:[^:]*$/, ':'))
    .join('\n');
  const instructions = instructionText
    .split(/[.!?:;\n]+/)
    .map((sentence) => ({ sentence, words: wordTokens(sentence) }));
  const promptTokens = sentenceTokens(prompt);
  const referenceTokens = sentenceTokens(reference);
  const sources = {
    instructions,
    prompt: promptTokens,
    promptPositions: wordPositions(promptTokens),
    reference: referenceTokens,
    referencePositions: wordPositions(referenceTokens),
  };
  if (SOURCES.size >= MAX_SOURCES) SOURCES.clear();
  SOURCES.set(key, sources);
  return sources;
}

/**
 * An echo is either a whole instruction sentence of the prompt repeated word
 * for word, or a long run shared with the prompt. The reference text inside
 * the prompt is cut out first, so that copying it is reported once, as a leak.
 */
function findEcho(
  tokens: readonly Token[],
  sources: TokenizedSources,
  options: LeakageOptions,
): LeakageFinding | undefined {
  const minInstruction = options.minInstructionWords ?? 4;
  for (const { sentence, words } of sources.instructions) {
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
  const run = longestCommonRun(tokens, sources.prompt, sources.promptPositions);
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
