/**
 * Reads a model folder in the standard Hugging Face ONNX export layout (what
 * optimum's exporter and the onnx-community repos produce):
 *
 * ```
 * config.json               architecture (model_type, sizes, special token ids)
 * generation_config.json    optional decoding defaults
 * tokenizer.json            the tokenizers-library JSON
 * tokenizer_config.json     special tokens, chat template, clean-up flags
 * onnx/model.onnx           the graph (or model.onnx at the root)
 * ```
 *
 * Shared by the decoder, encoder and CLIP runners; it only reads files and
 * never creates a session.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A JSON object as read from disk; fields are checked where they are used. */
export type JsonObject = Record<string, unknown>;

export interface ModelFolder {
  /** Absolute path of the folder. */
  dir: string;
  /** The folder's base name, used as the provider's `model`. */
  name: string;
  /** Absolute path of the ONNX graph that was found. */
  onnxPath: string;
  config: JsonObject;
  /** `{}` when the folder has no generation_config.json. */
  generationConfig: JsonObject;
  /** The raw tokenizer.json, or null when the folder has none. */
  tokenizerJson: JsonObject | null;
  /** `{}` when the folder has no tokenizer_config.json. */
  tokenizerConfig: JsonObject;
}

export interface ReadModelFolderOptions {
  /**
   * ONNX file names to try, in order, relative to the folder. Default: the
   * decoder names the exporters write (`onnx/model.onnx`, `model.onnx`,
   * `onnx/decoder_model_merged.onnx`, `decoder_model_merged.onnx`).
   */
  onnxFiles?: readonly string[];
  /** Whether a missing tokenizer.json is an error. Default true. */
  requireTokenizer?: boolean;
}

const DEFAULT_ONNX_FILES = [
  'onnx/model.onnx',
  'model.onnx',
  'onnx/decoder_model_merged.onnx',
  'decoder_model_merged.onnx',
] as const;

/**
 * Where a model-file setting may be: as given when it is a path in the folder
 * (`onnx/model_q4.onnx`), else in onnx/ and then at the top; without one, the
 * exporters' usual names.
 */
export function graphCandidates(modelFile?: string): string[] {
  if (!modelFile) return [...DEFAULT_ONNX_FILES];
  return modelFile.includes('/') ? [modelFile] : [`onnx/${modelFile}`, modelFile];
}

/** Thrown when a model folder is missing a file or holds malformed JSON. */
export class ModelFolderError extends Error {
  override readonly name = 'ModelFolderError';
}

function readJson(file: string, required: boolean): JsonObject | null {
  if (!existsSync(file)) {
    if (required) throw new ModelFolderError(`model folder is missing ${path.basename(file)} (looked for ${file})`);
    return null;
  }
  const parsed = readFolderJson(file);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ModelFolderError(`${file} must hold a JSON object`);
  }
  return parsed as JsonObject;
}

/** Reads config, generation config, tokenizer files and finds the ONNX graph. */
export function readModelFolder(dir: string, options: ReadModelFolderOptions = {}): ModelFolder {
  const abs = path.resolve(dir);
  if (!existsSync(abs)) throw new ModelFolderError(`model folder ${abs} does not exist`);
  const candidates = options.onnxFiles ?? DEFAULT_ONNX_FILES;
  const onnxPath = candidates.map((f) => path.join(abs, f)).find((f) => existsSync(f));
  if (!onnxPath) {
    throw new ModelFolderError(`no ONNX graph in ${abs} (looked for ${candidates.join(', ')})`);
  }
  return {
    dir: abs,
    name: path.basename(abs),
    onnxPath,
    config: readJson(path.join(abs, 'config.json'), true) ?? {},
    generationConfig: readJson(path.join(abs, 'generation_config.json'), false) ?? {},
    tokenizerJson: readJson(path.join(abs, 'tokenizer.json'), options.requireTokenizer ?? true),
    tokenizerConfig: readJson(path.join(abs, 'tokenizer_config.json'), false) ?? {},
  };
}

/** The parsed JSON of a file of the model folder; a file that is not JSON is a ModelFolderError that names it. */
export function readFolderJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ModelFolderError(`${file} is not valid JSON`, { cause });
  }
}

/**
 * The file of the model folder that generation_config's `field` names (a
 * bare file name, which must exist); null when it names none.
 */
export function namedFolderFile(dir: string, field: string, name: string | undefined): string | null {
  if (!name) return null;
  if (path.basename(name) !== name || name === '.' || name === '..') {
    throw new ModelFolderError(`${field} must be a file name in the model folder; got ${JSON.stringify(name)}`);
  }
  const file = path.join(dir, name);
  if (!existsSync(file))
    throw new ModelFolderError(`generation_config names ${field} ${JSON.stringify(name)}, but ${file} does not exist`);
  return file;
}

/** A number field, or undefined when absent or not a finite number. */
export function numberField(obj: JsonObject, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const v = obj[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/**
 * A token-id field that may be one id or a list (generation_config's
 * `eos_token_id` is often a list); always returns a list, empty when absent.
 */
export function idListField(obj: JsonObject, key: string): number[] {
  const v = obj[key];
  if (typeof v === 'number' && Number.isInteger(v)) return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number' && Number.isInteger(x));
  return [];
}

/**
 * A special-token string from tokenizer_config.json, which writes it either as
 * a plain string or as an AddedToken object `{ content: "..." }`.
 */
export function tokenStringField(obj: JsonObject, key: string): string | undefined {
  const v = obj[key];
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  return undefined;
}
