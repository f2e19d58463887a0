/**
 * Decoding settings for one request: the request's own values win, then the
 * provider's options, then the model's generation_config.json, then Hugging
 * Face's defaults. Only Hugging Face's fields: a model's own rules are its
 * plugin's (plugins.ts), configured in the same file. Pure.
 */
import type { GenerationParameters } from '../types.js';
import { ModelFolderError, numberField, type JsonObject } from './model-folder.js';
import type { ProcessorSettings } from './processors.js';
import type { SamplingParams } from './sampling.js';

export interface DecodingDefaults extends Required<SamplingParams>, ProcessorSettings {
  maxNewTokens: number;
}

/** Hugging Face's defaults where generation_config.json says nothing (max_new_tokens is ours: HF's max_length 20 is too short). */
export const HF_DEFAULTS: DecodingDefaults = {
  doSample: false,
  temperature: 1,
  topK: 50,
  topP: 1,
  minP: 0,
  repetitionPenalty: 1,
  maxNewTokens: 128,
  minNewTokens: 0,
  noRepeatNgramSize: 0,
  badWordsIds: [],
  forcedEosTokenId: null,
};

/** generation_config's bad_words_ids: a list of id lists; anything else is an error that names the field. */
function badWordsField(g: JsonObject): number[][] {
  const v = g.bad_words_ids;
  if (v === undefined || v === null) return [];
  const ok =
    Array.isArray(v) &&
    v.every((s) => Array.isArray(s) && s.length > 0 && s.every((id) => Number.isInteger(id) && id >= 0));
  if (!ok)
    throw new ModelFolderError(
      `generation_config's bad_words_ids must be a list of non-empty lists of token ids; got ${JSON.stringify(v)}`,
    );
  return v as number[][];
}

/** Reads the decoding fields of generation_config.json over HF's defaults, then `overrides` over both. */
export function decodingDefaults(
  generationConfig: JsonObject,
  overrides: Partial<DecodingDefaults> = {},
): DecodingDefaults {
  const g = generationConfig;
  const forced = numberField(g, 'forced_eos_token_id');
  const fromFile: DecodingDefaults = {
    doSample: typeof g.do_sample === 'boolean' ? g.do_sample : HF_DEFAULTS.doSample,
    temperature: numberField(g, 'temperature') ?? HF_DEFAULTS.temperature,
    topK: numberField(g, 'top_k') ?? HF_DEFAULTS.topK,
    topP: numberField(g, 'top_p') ?? HF_DEFAULTS.topP,
    minP: numberField(g, 'min_p') ?? HF_DEFAULTS.minP,
    repetitionPenalty: numberField(g, 'repetition_penalty') ?? HF_DEFAULTS.repetitionPenalty,
    maxNewTokens: numberField(g, 'max_new_tokens') ?? HF_DEFAULTS.maxNewTokens,
    minNewTokens: numberField(g, 'min_new_tokens') ?? HF_DEFAULTS.minNewTokens,
    noRepeatNgramSize: numberField(g, 'no_repeat_ngram_size') ?? HF_DEFAULTS.noRepeatNgramSize,
    badWordsIds: badWordsField(g),
    forcedEosTokenId: forced !== undefined && Number.isInteger(forced) && forced >= 0 ? forced : null,
  };
  return { ...fromFile, ...overrides };
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
