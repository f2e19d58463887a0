/**
 * Image-text scores from a local ONNX CLIP export (see clip-towers.ts for the
 * layouts). Images are loaded with a byte limit and a timeout and
 * preprocessed as the folder's preprocessor_config.json says; texts are cut
 * to the text tower's positions (77 for CLIP).
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { ImageTextPair, ImageTextScore, ImageTextScorer, ProviderHealth } from '../types.js';
import { ProviderError } from '../types.js';
import { readModelFolder, type JsonObject, type ModelFolder } from './model-folder.js';
import { loadTokenizer, type TextTokenizer } from './tokenizer.js';
import type { ExecutionProviderSetting, SessionLogger } from './session.js';
import { encodeTruncated } from './encoder-inputs.js';
import { openClipTowers, type ClipLayout, type ClipTowers } from './clip-towers.js';
import { imageTextScore, resolveLogitScale, textMaxPositions } from './clip-config.js';
import { cosineSimilarity } from '../vectors.js';
import { parsePreprocessorConfig, preprocessImage } from '../images/preprocess.js';
import { DEFAULT_IMAGE_MAX_BYTES, DEFAULT_IMAGE_TIMEOUT_MS, ImageLoadError, loadImageBytes } from '../images/load.js';

export interface OnnxClipScorerOptions {
  /** The CLIP folder (config.json, tokenizer.json, preprocessor_config.json, onnx/…). Required: no CLIP model is bundled. */
  modelDir: string;
  /** Provider id. Default "onnx-clip". */
  id?: string;
  /** Default 'auto': CUDA when its provider loads, else CPU. */
  executionProvider?: ExecutionProviderSetting;
  /** Intra-op threads for the CPU provider. Default: ONNX Runtime's own choice. */
  intraOpThreads?: number;
  /** Most texts (and most images) per forward pass. Default 16. */
  maxBatch?: number;
  /** Largest image accepted, in bytes. Default 10 MB. */
  imageMaxBytes?: number;
  /** Time allowed to load one image, in ms. Default 5000. */
  imageTimeoutMs?: number;
  /** Whether images may be local paths (not only http(s) URLs). Default true. */
  allowLocalFiles?: boolean;
  /** Hosts image URLs may reach whatever they resolve to (else public addresses only). Default: none. */
  imageAllowHosts?: readonly string[];
  /** 'split' (text_model + vision_model), 'combined' (model.onnx) or 'auto' (split when present). Default 'auto'. */
  layout?: 'auto' | ClipLayout;
  /**
   * The learned logit_scale in log space, as stored in the checkpoint; the
   * multiplier is its exp. Default: config.json's `logit_scale`, else what a
   * combined graph applies, else `logit_scale_init_value` (see clip-config.ts).
   */
  logitScale?: number;
  /** Where session start-up is logged. Default: console. */
  logger?: SessionLogger;
}

/** Images loaded at the same time within one call. */
const IMAGE_CONCURRENCY = 8;

function readOptionalJson(file: string): JsonObject {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as JsonObject) : {};
}

function imageFailure(id: string, err: unknown, source: string): ProviderError {
  if (err instanceof ImageLoadError) {
    return new ProviderError(err.code === 'IMAGE_TIMEOUT' ? 'timeout' : 'bad_request', id, err.message, { cause: err });
  }
  return new ProviderError('bad_request', id, `cannot use image ${source}: ${String(err)}`, { cause: err });
}

/** What a score call reads of its scorer, and the last error it writes back (for health). */
interface Scorer {
  id: string;
  folder: ModelFolder;
  tokenizer: TextTokenizer;
  towers: ClipTowers;
  maxPositions: number;
  logitScale: number;
  /** One image's pixels, preprocessed; rejects as loadImageBytes or preprocessImage do. */
  pixelsOf(source: string, signal?: AbortSignal): Promise<Float32Array>;
  lastError: string | null;
}

/** Each distinct image, loaded IMAGE_CONCURRENCY at a time: its pixels, or the error that pairs with it answer. */
async function loadImages(
  scorer: Scorer,
  sources: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Map<string, Float32Array | ProviderError>> {
  const loaded = new Map<string, Float32Array | ProviderError>();
  for (let i = 0; i < sources.length; i += IMAGE_CONCURRENCY) {
    const part = sources.slice(i, i + IMAGE_CONCURRENCY);
    const settled = await Promise.all(
      part.map(async (src) => {
        const pixels = await scorer
          .pixelsOf(src, signal)
          .catch((reason: unknown) => imageFailure(scorer.id, reason, src));
        return [src, pixels] as const;
      }),
    );
    for (const [src, pixels] of settled) loaded.set(src, pixels);
  }
  return loaded;
}

/** Each input with its embedding; the towers answer one per input, so a missing one is a broken graph. */
function byInput(inputs: readonly string[], rows: readonly number[][]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [i, input] of inputs.entries()) {
    const row = rows[i];
    if (row === undefined) throw new Error(`the towers answered ${rows.length} embeddings for ${inputs.length} inputs`);
    out.set(input, row);
  }
  return out;
}

/** Scores the pairs, each distinct text and image embedded once; a pair answers its image's error, and a failed run fails every pair. */
async function scorePairs(
  scorer: Scorer,
  pairs: readonly ImageTextPair[],
  signal: AbortSignal | undefined,
): Promise<Array<ImageTextScore | ProviderError>> {
  const { id, tokenizer, maxPositions } = scorer;
  const imageSources = [...new Set(pairs.map((p) => p.image))];
  const texts = [...new Set(pairs.map((p) => p.text))];
  const loaded = await loadImages(scorer, imageSources, signal);
  signal?.throwIfAborted();
  const goodImages = imageSources.filter((s) => !(loaded.get(s) instanceof ProviderError));
  let textEmbed: Map<string, number[]>;
  let imageEmbed: Map<string, number[]>;
  try {
    const embeds = await scorer.towers.embed(
      texts.map((t) => encodeTruncated(tokenizer, t, maxPositions)),
      goodImages.map((s) => loaded.get(s) as Float32Array),
    );
    textEmbed = byInput(texts, embeds.text);
    imageEmbed = byInput(goodImages, embeds.image);
  } catch (cause) {
    scorer.lastError = cause instanceof Error ? cause.message : String(cause);
    const err = new ProviderError('unavailable', id, `CLIP ${scorer.folder.name} failed: ${scorer.lastError}`, {
      cause,
    });
    return pairs.map(() => err);
  }
  scorer.lastError = null;
  return pairs.map((p): ImageTextScore | ProviderError => {
    const failed = loaded.get(p.image);
    if (failed instanceof ProviderError) return failed;
    const text = textEmbed.get(p.text);
    const image = imageEmbed.get(p.image);
    // Every pair's text was embedded, and so was its image unless it failed to load (answered above).
    if (text === undefined || image === undefined) throw new Error('scorePairs: a pair was not embedded');
    const cosine = cosineSimilarity(text, image);
    if (Number.isNaN(cosine))
      return new ProviderError('bad_request', id, 'an embedding was all zeros; the cosine is undefined');
    return imageTextScore(cosine, scorer.logitScale);
  });
}

/** Creates an ImageTextScorer over a local ONNX CLIP. Rejects when the folder or sessions cannot load. */
export async function createOnnxClipScorer(options: OnnxClipScorerOptions): Promise<ImageTextScorer> {
  const id = options.id ?? 'onnx-clip';
  const folder = readModelFolder(options.modelDir, {
    onnxFiles: ['onnx/text_model.onnx', 'onnx/model.onnx', 'text_model.onnx', 'model.onnx'],
  });
  const tokenizer = loadTokenizer(folder);
  const preprocess = parsePreprocessorConfig(readOptionalJson(path.join(folder.dir, 'preprocessor_config.json')));
  const maxPositions = textMaxPositions(folder);
  const maxBatch = Math.max(1, options.maxBatch ?? 16);
  const towers = await openClipTowers(folder.dir, {
    layout: options.layout ?? 'auto',
    session: {
      ...(options.executionProvider !== undefined && { executionProvider: options.executionProvider }),
      ...(options.intraOpThreads !== undefined && { intraOpNumThreads: options.intraOpThreads }),
      ...(options.logger !== undefined && { logger: options.logger }),
    },
    maxBatch,
    imageShape: [3, preprocess.crop.height, preprocess.crop.width],
    padId: tokenizer.special.pad,
    placeholderText: encodeTruncated(tokenizer, '', maxPositions),
  });
  const logit = await resolveLogitScale(folder.config, options.logitScale, () => towers.probeLogitScale());
  const loadOptions = {
    maxBytes: options.imageMaxBytes ?? DEFAULT_IMAGE_MAX_BYTES,
    timeoutMs: options.imageTimeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS,
    allowLocalFiles: options.allowLocalFiles ?? true,
    allowHosts: options.imageAllowHosts ?? [],
  };
  const pixelsOf = async (source: string, signal?: AbortSignal): Promise<Float32Array> => {
    const bytes = await loadImageBytes(source, signal ? { ...loadOptions, signal } : loadOptions);
    return (await preprocessImage(bytes, preprocess, source)).data;
  };
  const scorer: Scorer = {
    id,
    folder,
    tokenizer,
    towers,
    maxPositions,
    logitScale: logit.value,
    pixelsOf,
    lastError: null,
  };

  return {
    id,
    kind: 'onnx',
    model: folder.name,
    score: (pairs, callOptions = {}) => scorePairs(scorer, pairs, callOptions.signal),
    async health(): Promise<ProviderHealth> {
      return {
        healthy: scorer.lastError === null,
        configured: true,
        lastError: scorer.lastError,
        details: {
          executionProvider: towers.executionProvider,
          layout: towers.layout,
          logitScale: String(logit.value),
          logitScaleSource: logit.source,
          maxTextPositions: String(maxPositions),
        },
      };
    },
    async close() {
      await towers.release();
    },
  };
}
