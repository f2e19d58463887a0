/**
 * The two towers of an ONNX CLIP export, in either standard layout:
 *
 * - split: `onnx/text_model.onnx` (input_ids [, attention_mask] → text_embeds)
 *   and `onnx/vision_model.onnx` (pixel_values → image_embeds);
 * - combined: one `onnx/model.onnx` (input_ids, attention_mask, pixel_values →
 *   logits_per_image, text_embeds, image_embeds).
 *
 * The combined graph always runs both towers, so texts and images are zipped
 * into the same passes; when one side runs out, a one-row placeholder fills
 * it and its output is dropped.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { createOrtSession, type ActiveExecutionProvider, type CreateSessionOptions } from './session.js';
import { chunks, padBatch, pickOutput, rowsOf, textFeeds } from './encoder-inputs.js';
import { cosineSimilarity as cosineOf } from '../vectors.js';

export type ClipLayout = 'split' | 'combined';

export interface ClipTowers {
  layout: ClipLayout;
  executionProvider: ActiveExecutionProvider;
  /** Embeddings of each text row and each CHW image, in order (not normalised for the split layout). */
  embed(textRows: number[][], images: Float32Array[]): Promise<{ text: number[][]; image: number[][] }>;
  /**
   * exp(logit_scale) as the combined graph applies it (logits / cosine on a
   * placeholder pair), or undefined for the split layout.
   */
  probeLogitScale(): Promise<number | undefined>;
  release(): Promise<void>;
}

export interface OpenClipTowersOptions {
  /** 'auto' takes split when both tower files exist, else combined. */
  layout: 'auto' | ClipLayout;
  session: CreateSessionOptions;
  maxBatch: number;
  /** Pixel size [channels, height, width] of one image. */
  imageShape: [number, number, number];
  padId: number;
  /** A short valid text row (e.g. the ids of ''), used as the combined graph's placeholder. */
  placeholderText: number[];
}

function findFile(dir: string, names: string[]): string | undefined {
  return names.map((n) => path.join(dir, n)).find((f) => existsSync(f));
}

function pixelTensor(images: Float32Array[], shape: [number, number, number]): ort.Tensor {
  const size = shape[0] * shape[1] * shape[2];
  const data = new Float32Array(images.length * size);
  images.forEach((img, i) => data.set(img, i * size));
  return new ort.Tensor('float32', data, [images.length, ...shape]);
}

/** Opens the two sessions of the split layout: a text tower and a vision tower, each run in batches of its own. */
async function openSplitTowers(
  textFile: string,
  visionFile: string,
  options: OpenClipTowersOptions,
): Promise<ClipTowers> {
  const { maxBatch, imageShape, padId } = options;
  const text = await createOrtSession(textFile, options.session);
  const vision = await createOrtSession(visionFile, options.session);
  return {
    layout: 'split',
    executionProvider: text.executionProvider === 'cuda' && vision.executionProvider === 'cuda' ? 'cuda' : 'cpu',
    async embed(textRows, images) {
      const t: number[][] = [];
      for (const part of chunks(textRows, maxBatch)) {
        const results = await text.session.run(textFeeds(text.session, padBatch(part, padId)));
        t.push(...rowsOf(pickOutput(text.session, results, 'text_embeds')));
      }
      const v: number[][] = [];
      for (const part of chunks(images, maxBatch)) {
        const results = await vision.session.run({ pixel_values: pixelTensor(part, imageShape) });
        v.push(...rowsOf(pickOutput(vision.session, results, 'image_embeds')));
      }
      return { text: t, image: v };
    },
    probeLogitScale: async () => undefined,
    async release() {
      await text.session.release();
      await vision.session.release();
    },
  };
}

/** Opens the one session of the combined layout, which takes text and images together in each pass. */
async function openCombinedTowers(combinedFile: string, options: OpenClipTowersOptions): Promise<ClipTowers> {
  const { maxBatch, imageShape, padId } = options;
  const combined = await createOrtSession(combinedFile, options.session);
  const s = combined.session;
  const blank = new Float32Array(imageShape[0] * imageShape[1] * imageShape[2]);
  async function run(textRows: number[][], images: Float32Array[]): Promise<ort.InferenceSession.OnnxValueMapType> {
    const feeds = textFeeds(s, padBatch(textRows, padId));
    feeds.pixel_values = pixelTensor(images, imageShape);
    return s.run(feeds);
  }
  return {
    layout: 'combined',
    executionProvider: combined.executionProvider,
    async embed(textRows, images) {
      const t: number[][] = [];
      const v: number[][] = [];
      const passes = Math.max(Math.ceil(textRows.length / maxBatch), Math.ceil(images.length / maxBatch));
      for (let p = 0; p < passes; p++) {
        const tPart = textRows.slice(p * maxBatch, (p + 1) * maxBatch);
        const iPart = images.slice(p * maxBatch, (p + 1) * maxBatch);
        const results = await run(
          tPart.length > 0 ? tPart : [options.placeholderText],
          iPart.length > 0 ? iPart : [blank],
        );
        if (tPart.length > 0) t.push(...rowsOf(pickOutput(s, results, 'text_embeds')));
        if (iPart.length > 0) v.push(...rowsOf(pickOutput(s, results, 'image_embeds')));
      }
      return { text: t, image: v };
    },
    async probeLogitScale() {
      if (!s.outputNames.includes('logits_per_image')) return undefined;
      const results = await run([options.placeholderText], [blank]);
      const [logit] = pickOutput(s, results, 'logits_per_image').data as Float32Array;
      const [text] = rowsOf(pickOutput(s, results, 'text_embeds'));
      const [image] = rowsOf(pickOutput(s, results, 'image_embeds'));
      if (logit === undefined || text === undefined || image === undefined)
        throw new Error('CLIP graph answered the logit-scale probe with an empty output');
      const cos = cosineOf(text, image);
      // Too small a cosine would make the ratio mostly rounding error.
      return Math.abs(cos) > 1e-3 ? logit / cos : undefined;
    },
    async release() {
      await s.release();
    },
  };
}

/** Opens the sessions of a CLIP folder. Throws (with the paths it looked for) when no layout is complete. */
export async function openClipTowers(dir: string, options: OpenClipTowersOptions): Promise<ClipTowers> {
  const textFile = findFile(dir, ['onnx/text_model.onnx', 'text_model.onnx']);
  const visionFile = findFile(dir, ['onnx/vision_model.onnx', 'vision_model.onnx']);
  const combinedFile = findFile(dir, ['onnx/model.onnx', 'model.onnx']);
  const useSplit =
    options.layout === 'split' || (options.layout === 'auto' && textFile !== undefined && visionFile !== undefined);
  if (useSplit) {
    if (!textFile || !visionFile)
      throw new Error(`CLIP folder ${dir} lacks onnx/text_model.onnx or onnx/vision_model.onnx for the split layout`);
    return openSplitTowers(textFile, visionFile, options);
  }
  if (!combinedFile) {
    throw new Error(
      `no CLIP graph in ${dir} (looked for onnx/text_model.onnx + onnx/vision_model.onnx, or onnx/model.onnx)`,
    );
  }
  return openCombinedTowers(combinedFile, options);
}
