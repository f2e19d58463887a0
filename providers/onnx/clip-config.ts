/**
 * What a CLIP folder's config says about text length and the logit scale.
 *
 * The logit scale: HF's config.json only holds `logit_scale_init_value`, the
 * value before training (2.6592 = ln(1/0.07)), while a trained CLIP's learned
 * value is usually about 4.6052 (ln 100). So the learned value is taken, in
 * order, from: the factory option; a `logit_scale` field in config.json (our
 * fixture script writes it; so can any exporter); what a combined graph
 * applies (its logits divided by the cosine); and only then the init value.
 * The source is reported in health details so nobody mistakes one for another.
 */
import type { ImageTextScore } from '../types.js';
import { numberField, type JsonObject, type ModelFolder } from './model-folder.js';

/** CLIP's text positions, when neither config nor tokenizer_config say. */
export const CLIP_DEFAULT_MAX_POSITIONS = 77;
/** HF's default `logit_scale_init_value`: ln(1 / 0.07). */
export const CLIP_DEFAULT_LOGIT_SCALE_INIT = Math.log(1 / 0.07);

function sub(config: JsonObject, key: string): JsonObject {
  const v = config[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
}

/** text_config.max_position_embeddings, else tokenizer_config's model_max_length (when sane), else 77. */
export function textMaxPositions(folder: ModelFolder): number {
  const fromConfig = numberField(sub(folder.config, 'text_config'), 'max_position_embeddings');
  if (fromConfig !== undefined) return fromConfig;
  // Tokenizer configs without a limit write a huge sentinel (1e30).
  const fromTokenizer = numberField(folder.tokenizerConfig, 'model_max_length');
  if (fromTokenizer !== undefined && fromTokenizer > 0 && fromTokenizer <= 100_000) return fromTokenizer;
  return CLIP_DEFAULT_MAX_POSITIONS;
}

export type LogitScaleSource = 'option' | 'config.logit_scale' | 'graph' | 'config.logit_scale_init_value' | 'default';

export interface LogitScale {
  /** Log space, as the checkpoint stores it; the multiplier is exp(value). */
  value: number;
  source: LogitScaleSource;
}

/** Resolves the logit scale; `probe` returns the combined graph's multiplier (not log), or undefined. */
export async function resolveLogitScale(
  config: JsonObject,
  option: number | undefined,
  probe: () => Promise<number | undefined>,
): Promise<LogitScale> {
  if (option !== undefined) return { value: option, source: 'option' };
  const learned = numberField(config, 'logit_scale');
  if (learned !== undefined) return { value: learned, source: 'config.logit_scale' };
  const multiplier = await probe();
  if (multiplier !== undefined && multiplier > 0) return { value: Math.log(multiplier), source: 'graph' };
  const init = numberField(config, 'logit_scale_init_value');
  if (init !== undefined) return { value: init, source: 'config.logit_scale_init_value' };
  return { value: CLIP_DEFAULT_LOGIT_SCALE_INIT, source: 'default' };
}

/** The three scores of one pair from its cosine and the log-space logit scale (pure). */
export function imageTextScore(cosine: number, logitScale: number): ImageTextScore {
  return { cosine, clipScore: 100 * Math.max(cosine, 0), logitScore: Math.exp(logitScale) * cosine };
}
