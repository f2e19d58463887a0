/**
 * Which files of a Hub ONNX export the local provider needs: the folder's
 * JSON files and chat template, one graph (the variant asked for, such as
 * `onnx/model_q4.onnx`) and that graph's external data (`model_q4.onnx_data`,
 * `model_q4.onnx_data_1`, …). Pure: it works on the repo's list of paths.
 */
import { graphCandidates } from '../onnx/model-folder.js';
import { HubError } from './errors.js';

/** Files of the folder besides the graph; the first two are required. */
export const REQUIRED_FILES = ['config.json', 'tokenizer.json'] as const;
export const OPTIONAL_FILES = [
  'generation_config.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'stylesprint.json',
] as const;

/** A graph's external data files: `<graph>_data`, `<graph>.data`, and numbered parts of either. */
export function externalDataOf(graph: string, paths: readonly string[]): string[] {
  return paths
    .filter((p) => p !== graph && /^(?:_data|\.data)(?:_\d+)?$/.test(p.startsWith(graph) ? p.slice(graph.length) : '!'))
    .sort();
}

export interface ModelFiles {
  graph: string;
  /** Every file to fetch, the graph last: its link in the snapshot then means its data is there too. */
  files: string[];
}

/** The files to fetch from a repo that holds `paths`; throws a HubError when it lacks a required file or the graph. */
export function selectModelFiles(repo: string, paths: readonly string[], modelFile?: string): ModelFiles {
  const have = new Set(paths);
  const missing = REQUIRED_FILES.filter((f) => !have.has(f));
  if (missing.length)
    throw new HubError(
      'bad_response',
      `${repo} has no ${missing.join(' or ')}: not a Hugging Face model export the local provider can run`,
    );
  const graph = graphCandidates(modelFile).find((f) => have.has(f));
  if (!graph) {
    const variants = paths.filter((p) => p.endsWith('.onnx'));
    const asked = modelFile ? `LOCAL_MODEL_FILE ${JSON.stringify(modelFile)}` : 'a decoder graph';
    throw new HubError(
      'not_found',
      `${repo} has no ${asked}${variants.length ? ` (it has ${variants.join(', ')})` : ' (it has no .onnx file)'}`,
    );
  }
  return {
    graph,
    files: [...REQUIRED_FILES, ...OPTIONAL_FILES.filter((f) => have.has(f)), ...externalDataOf(graph, paths), graph],
  };
}
