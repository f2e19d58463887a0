/**
 * Decoding settings for one request: the request's own values win, then the
 * provider's options, then the model's generation_config.json, then Hugging
 * Face's defaults. Pure.
 */
import type { GenerationParameters } from '../types.js';
import { numberField, type JsonObject } from './model-folder.js';
import type { SamplingParams } from './sampling.js';

export interface DecodingDefaults extends SamplingParams {
  maxNewTokens: number;
  /** EOS is suppressed until this many tokens exist (HF's min_new_tokens); benchmarks use it for fixed lengths. */
  minNewTokens: number;
  /**
   * generation_config's `novelty_ngram_size` (ours, not HF's): when > 0 and the
   * model folder has novelty_ngrams.json, no n-gram of that file is completed.
   * 0 turns it off. Default 0.
   */
  noveltyNgramSize: number;
  /** generation_config's `lexicon_file` (ours, not HF's): a file of the model folder; '' turns the word constraint off. */
  lexiconFile: string;
  /** generation_config's `fact_patterns_file` (ours, not HF's): a file of the model folder; '' turns the fact grammar off (fact-grammar.ts). */
  factPatternsFile: string;
}

/** Hugging Face's defaults where generation_config.json says nothing (max_new_tokens is ours: HF's max_length 20 is too short). */
export const HF_DEFAULTS: DecodingDefaults = {
  doSample: false,
  temperature: 1,
  topK: 50,
  topP: 1,
  repetitionPenalty: 1,
  maxNewTokens: 128,
  minNewTokens: 0,
  noRepeatNgramSize: 0,
  outputNoRepeatNgramSize: 0,
  noRepeatWordWindow: 0,
  frameSentences: 0,
  noveltyNgramSize: 0,
  promptCopyBias: 0,
  lexiconFile: '',
  factPatternsFile: '',
  factNumbersOnly: false,
};

/** Reads the decoding fields of generation_config.json over HF's defaults, then `overrides` over both. */
export function decodingDefaults(generationConfig: JsonObject, overrides: Partial<DecodingDefaults> = {}): DecodingDefaults {
  const g = generationConfig;
  const fromFile: DecodingDefaults = {
    doSample: typeof g.do_sample === 'boolean' ? g.do_sample : HF_DEFAULTS.doSample,
    temperature: numberField(g, 'temperature') ?? HF_DEFAULTS.temperature,
    topK: numberField(g, 'top_k') ?? HF_DEFAULTS.topK,
    topP: numberField(g, 'top_p') ?? HF_DEFAULTS.topP,
    repetitionPenalty: numberField(g, 'repetition_penalty') ?? HF_DEFAULTS.repetitionPenalty,
    maxNewTokens: numberField(g, 'max_new_tokens') ?? HF_DEFAULTS.maxNewTokens,
    minNewTokens: numberField(g, 'min_new_tokens') ?? HF_DEFAULTS.minNewTokens,
    noRepeatNgramSize: numberField(g, 'no_repeat_ngram_size') ?? 0,
    outputNoRepeatNgramSize: numberField(g, 'output_no_repeat_ngram_size') ?? 0,
    noRepeatWordWindow: numberField(g, 'no_repeat_word_window') ?? 0,
    frameSentences: numberField(g, 'frame_sentences') ?? 0,
    noveltyNgramSize: numberField(g, 'novelty_ngram_size') ?? 0,
    promptCopyBias: numberField(g, 'prompt_copy_bias') ?? 0,
    lexiconFile: typeof g.lexicon_file === 'string' ? g.lexicon_file : '',
    factPatternsFile: typeof g.fact_patterns_file === 'string' ? g.fact_patterns_file : '',
    factNumbersOnly: g.fact_numbers_only === true,
  };
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...fromFile, ...defined };
}

/**
 * The settings of one request. A temperature of 0 means greedy; any other
 * temperature turns sampling on, so a caller can ask for sampling from a
 * model whose generation_config is greedy.
 */
export function requestDecoding(request: GenerationParameters, defaults: DecodingDefaults): DecodingDefaults {
  const out = { ...defaults };
  if (request.temperature !== undefined) {
    out.doSample = request.temperature > 0;
    if (request.temperature > 0) out.temperature = request.temperature;
  }
  if (request.topP !== undefined) out.topP = request.topP;
  if (request.maxTokens !== undefined) out.maxNewTokens = request.maxTokens;
  return out;
}
