import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  bundledModelDir,
  createOnnxProvider,
  type OnnxProviderOptions,
  type OnnxTextGenerator,
} from '../../../../../providers/onnx/index.js';
import { readModelFolder, type JsonObject } from '../../../../../providers/onnx/model-folder.js';
import {
  PLUGIN_FIELD,
  PLUGIN_OPTIONS_FIELD,
  type LogitsProcessorPlugins,
} from '../../../../../providers/onnx/plugins.js';
import { loadTokenizer } from '../../../../../providers/onnx/tokenizer.js';
import type { LogitsProcessor } from '../../../../../providers/onnx/logits-processor.js';
import { onnxPlugins } from '../../../../../providers/onnx-plugins/index.js';
import {
  createStylesprintFacts,
  readSettings,
  STYLESPRINT_FACTS,
  type StylesprintSettings,
} from '../../../../../providers/onnx-plugins/stylesprint/index.js';
import { fixtureDir, quietLogger } from '../../onnx/onnx-test-helpers.js';

/** The bundled model's provider on CPU, with the project's plugins. */
export function openBundled(options: OnnxProviderOptions = {}): Promise<OnnxTextGenerator> {
  return createOnnxProvider({ executionProvider: 'cpu', logger: quietLogger, plugins: onnxPlugins, ...options });
}

/** A registry whose stylesprint-facts plugin has `overrides` over its options. */
export function pluginWith(overrides: Partial<StylesprintSettings>): LogitsProcessorPlugins {
  return { [STYLESPRINT_FACTS]: (setup) => createStylesprintFacts(setup, overrides) };
}

/** The plugin's settings from `options`, its files read from `dir`: a model folder, or a bare folder of files (read with the tiny-gpt2 fixture's tokenizer). */
export function settingsOf(options: JsonObject, dir = fixtureDir('tiny-gpt2')): StylesprintSettings {
  const model = readModelFolder(existsSync(path.join(dir, 'config.json')) ? dir : fixtureDir('tiny-gpt2'));
  return readSettings({
    folder: { ...model, dir, name: path.basename(dir) },
    tokenizer: loadTokenizer(model),
    options,
  });
}

/** A copy of a model folder whose generation_config names stylesprint-facts with `options`; remove() deletes it. */
export function folderWithPlugin(
  from: string,
  options: JsonObject,
  files: Record<string, unknown> = {},
): { dir: string; remove(): void } {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'plugin-model-')), path.basename(from));
  cpSync(from, dir, { recursive: true });
  const gen = JSON.parse(readFileSync(path.join(dir, 'generation_config.json'), 'utf8')) as JsonObject;
  writeFileSync(
    path.join(dir, 'generation_config.json'),
    JSON.stringify({ ...gen, [PLUGIN_FIELD]: STYLESPRINT_FACTS, [PLUGIN_OPTIONS_FIELD]: options }),
  );
  for (const [name, json] of Object.entries(files)) writeFileSync(path.join(dir, name), JSON.stringify(json));
  return { dir, remove: () => rmSync(path.dirname(dir), { recursive: true, force: true }) };
}

/** The bundled model's plugin options, as its generation_config gives them. */
export function bundledOptions(): JsonObject {
  return readModelFolder(bundledModelDir).generationConfig[PLUGIN_OPTIONS_FIELD] as JsonObject;
}

/** The plugin's processor for one row with `overrides` (no product: its rules that need none), on the tiny-gpt2 fixture's tokenizer. */
export function rowProcessor(
  overrides: Partial<StylesprintSettings>,
  promptIds: readonly number[],
  dir = fixtureDir('tiny-gpt2'),
): LogitsProcessor {
  const folder = readModelFolder(dir);
  const processor = createStylesprintFacts({ folder, tokenizer: loadTokenizer(folder), options: {} }, overrides).forRow(
    { context: undefined, promptIds },
  );
  if (!processor) throw new Error('no rule is on');
  return processor;
}
