/**
 * Image preprocessing that follows a Hugging Face `preprocessor_config.json`
 * (CLIPImageProcessor's steps, in its order): convert to RGB, resize the
 * shortest edge with bicubic filtering, centre crop, rescale, normalise, and
 * lay the result out as CHW float32, the layout `pixel_values` expects.
 *
 * sharp's `cubic` kernel is Catmull-Rom, the same cubic (a = -0.5) that PIL's
 * BICUBIC uses, and both widen it when downscaling. JPEG shrink-on-load is
 * turned off because it would decode at a lower resolution than PIL does.
 */
import sharp from 'sharp';
import { ImageLoadError } from './load.js';

export interface ImagePreprocessConfig {
  doConvertRgb: boolean;
  doResize: boolean;
  /** Resize so the shorter edge has this length (aspect kept), or … */
  shortestEdge: number | null;
  /** … to exactly this size, when the config gives height and width. */
  resizeTo: { height: number; width: number } | null;
  doCenterCrop: boolean;
  crop: { height: number; width: number };
  doRescale: boolean;
  rescaleFactor: number;
  doNormalize: boolean;
  mean: [number, number, number];
  std: [number, number, number];
}

/** OpenAI CLIP's values, which CLIPImageProcessor uses by default. */
export const CLIP_IMAGE_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_IMAGE_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

type Json = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function triple(v: unknown, fallback: [number, number, number]): [number, number, number] {
  if (typeof v === 'number') return [v, v, v];
  if (Array.isArray(v)) {
    const [r, g, b, ...rest] = v as unknown[];
    if (typeof r === 'number' && typeof g === 'number' && typeof b === 'number' && rest.length === 0) return [r, g, b];
  }
  return fallback;
}

function hw(v: unknown): { height: number; width: number } | null {
  if (typeof v === 'number') return { height: v, width: v };
  if (v && typeof v === 'object') {
    const o = v as Json;
    const h = num(o.height);
    const w = num(o.width);
    if (h !== undefined && w !== undefined) return { height: h, width: w };
  }
  return null;
}

/**
 * Reads a preprocessor_config.json object. Missing fields take
 * CLIPImageProcessor's defaults (shortest edge 224, crop 224×224, rescale
 * 1/255, CLIP mean and std). `size` may be `{shortest_edge}`, `{height,
 * width}` or a bare number (older configs, meaning the shortest edge).
 */
export function parsePreprocessorConfig(json: Json = {}): ImagePreprocessConfig {
  const size = json.size;
  let shortestEdge: number | null = null;
  let resizeTo: { height: number; width: number } | null = null;
  const edge = size && typeof size === 'object' ? num((size as Json).shortest_edge) : undefined;
  if (typeof size === 'number') shortestEdge = size;
  else if (edge !== undefined) shortestEdge = edge;
  else resizeTo = hw(size);
  if (shortestEdge === null && resizeTo === null) shortestEdge = 224;
  return {
    doConvertRgb: json.do_convert_rgb !== false,
    doResize: json.do_resize !== false,
    shortestEdge,
    resizeTo,
    doCenterCrop: json.do_center_crop !== false,
    crop: hw(json.crop_size) ?? { height: 224, width: 224 },
    doRescale: json.do_rescale !== false,
    rescaleFactor: num(json.rescale_factor) ?? 1 / 255,
    doNormalize: json.do_normalize !== false,
    mean: triple(json.image_mean, CLIP_IMAGE_MEAN),
    std: triple(json.image_std, CLIP_IMAGE_STD),
  };
}

/** The resized size: HF's rule, where the longer edge is truncated, not rounded. */
export function resizedSize(
  width: number,
  height: number,
  config: ImagePreprocessConfig,
): { width: number; height: number } {
  if (!config.doResize) return { width, height };
  if (config.resizeTo) return { width: config.resizeTo.width, height: config.resizeTo.height };
  const edge = config.shortestEdge ?? 224;
  if (width <= height) return { width: edge, height: Math.trunc((edge * height) / width) };
  return { width: Math.trunc((edge * width) / height), height: edge };
}

export interface PreprocessedImage {
  /** CHW, float32: channel 0 (R) first. */
  data: Float32Array;
  width: number;
  height: number;
}

/**
 * Decodes and preprocesses one image. Rejects with ImageLoadError
 * (IMAGE_UNREADABLE) when the bytes are not an image sharp can decode.
 */
export async function preprocessImage(
  bytes: Buffer,
  config: ImagePreprocessConfig,
  source = 'image',
): Promise<PreprocessedImage> {
  try {
    // Decode once at full resolution, honouring EXIF orientation as HF's
    // load_image does; transparent pixels are laid on white, as its convert_rgb does.
    const decoded = await sharp(bytes, { failOn: 'error' })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { width, height, channels } = decoded.info;
    const target = resizedSize(width, height, config);
    let pipeline = sharp(decoded.data, { raw: { width, height, channels } });
    if (target.width !== width || target.height !== height) {
      pipeline = pipeline.resize(target.width, target.height, {
        kernel: 'cubic',
        fit: 'fill',
        fastShrinkOnLoad: false,
      });
    }
    let outW = target.width;
    let outH = target.height;
    if (config.doCenterCrop) {
      const { height: ch, width: cw } = config.crop;
      // HF pads with zeros when the image is smaller than the crop.
      const padX = Math.max(0, cw - target.width);
      const padY = Math.max(0, ch - target.height);
      if (padX > 0 || padY > 0) {
        pipeline = sharp(await pipeline.raw().toBuffer(), {
          raw: { width: target.width, height: target.height, channels },
        }).extend({
          left: Math.trunc(padX / 2),
          right: padX - Math.trunc(padX / 2),
          top: Math.trunc(padY / 2),
          bottom: padY - Math.trunc(padY / 2),
          background: { r: 0, g: 0, b: 0 },
        });
      }
      const w = Math.max(target.width, cw);
      const h = Math.max(target.height, ch);
      pipeline = pipeline.extract({
        left: Math.trunc((w - cw) / 2),
        top: Math.trunc((h - ch) / 2),
        width: cw,
        height: ch,
      });
      outW = cw;
      outH = ch;
    }
    const pixels = await pipeline.raw().toBuffer();
    return { data: toChw(pixels, outW, outH, channels, config), width: outW, height: outH };
  } catch (cause) {
    if (cause instanceof ImageLoadError) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new ImageLoadError('IMAGE_UNREADABLE', source, `cannot decode image ${source}: ${message}`, { cause });
  }
}

/** HWC bytes → CHW floats, rescaled and normalised (pure). */
export function toChw(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  config: ImagePreprocessConfig,
): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  const scale = config.doRescale ? config.rescaleFactor : 1;
  for (const c of [0, 1, 2] as const) {
    const mean = config.doNormalize ? config.mean[c] : 0;
    const std = config.doNormalize ? config.std[c] : 1;
    // A grey image decoded with one channel feeds the same value to R, G and B.
    const src = channels >= 3 ? c : 0;
    for (let i = 0; i < plane; i++) {
      const value = pixels[i * channels + src];
      if (value === undefined) throw new RangeError(`image pixels: fewer than ${width}×${height}×${channels} values`);
      out[c * plane + i] = (value * scale - mean) / std;
    }
  }
  return out;
}
