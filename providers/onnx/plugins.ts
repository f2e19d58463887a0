/**
 * Logits-processor plugins: decoding rules that one model needs and no
 * other, named by its model folder's generation_config.json:
 *
 * ```
 * "logits_processor_plugin": "<name>",
 * "logits_processor_options": { ... }     the plugin's own settings
 * ```
 *
 * The provider imports no plugin: it looks the name up in the registry it
 * is given (createOnnxProvider's `plugins`), and a name that is not there
 * stops the model from loading, with the names that are. What a request is
 * about reaches the plugin as an opaque `context`, which the provider
 * passes on without reading it; the plugin gives each row a LogitsProcessor
 * that runs with the generic ones (processors.ts).
 */
import type { LogitsProcessor } from './logits-processor.js';
import { ModelFolderError, type JsonObject, type ModelFolder } from './model-folder.js';
import type { TextTokenizer } from './tokenizer.js';

/** generation_config's field that names a model's plugin. */
export const PLUGIN_FIELD = 'logits_processor_plugin';
/** generation_config's field with the plugin's settings (an object, `{}` when absent). */
export const PLUGIN_OPTIONS_FIELD = 'logits_processor_options';

/** What a plugin gets when its model loads. */
export interface PluginSetup {
  folder: ModelFolder;
  tokenizer: TextTokenizer;
  /** generation_config's logits_processor_options, unread by the provider. */
  options: JsonObject;
}

/** One row as a plugin sees it when the row is queued. */
export interface PluginRow {
  /** The request's context, as the caller gave it (the gateway passes the parts its prompt was built from). */
  context: unknown;
  promptIds: readonly number[];
}

export interface LogitsProcessorPlugin {
  /**
   * Called once the graph is loaded, with its vocabulary size (scores per
   * row), for tables the rows will share, so their cost is paid at load and
   * not inside a batch. Optional.
   */
  prepare?(vocabSize: number): void;
  /** The row's processor, or null when the row needs none. */
  forRow(row: PluginRow): LogitsProcessor | null;
}

/** Builds a model's plugin; throws ModelFolderError for settings it cannot use. */
export type LogitsProcessorPluginFactory = (setup: PluginSetup) => LogitsProcessorPlugin;

/** Plugins by the name a generation_config gives. */
export type LogitsProcessorPlugins = Readonly<Record<string, LogitsProcessorPluginFactory>>;

/** The plugin the folder's generation_config names, built; null when it names none. */
export function loadPlugin(
  setup: Omit<PluginSetup, 'options'>,
  plugins: LogitsProcessorPlugins,
): LogitsProcessorPlugin | null {
  const g = setup.folder.generationConfig;
  const name = g[PLUGIN_FIELD];
  if (name === undefined) return null;
  const where = `${setup.folder.name}: generation_config's ${PLUGIN_FIELD}`;
  if (typeof name !== 'string' || name === '')
    throw new ModelFolderError(`${where} must be a plugin name; got ${JSON.stringify(name)}`);
  const factory = Object.hasOwn(plugins, name) ? plugins[name] : undefined;
  if (!factory) {
    const known = Object.keys(plugins);
    throw new ModelFolderError(
      `${where} is ${JSON.stringify(name)}, which this provider was not given (plugins: ${known.length ? known.join(', ') : 'none'})`,
    );
  }
  const options: unknown = g[PLUGIN_OPTIONS_FIELD] ?? {};
  if (!options || typeof options !== 'object' || Array.isArray(options)) {
    throw new ModelFolderError(`${setup.folder.name}: generation_config's ${PLUGIN_OPTIONS_FIELD} must be an object`);
  }
  return factory({ ...setup, options: options as JsonObject });
}
