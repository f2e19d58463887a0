/**
 * The logits-processor plugins this project ships, by the name a model
 * folder's generation_config.json gives (see providers/onnx/plugins.ts).
 * providers/index.ts hands them to the ONNX provider, which imports none.
 */
import type { LogitsProcessorPlugins } from '../onnx/plugins.js';
import { createStylesprintFacts, STYLESPRINT_FACTS } from './stylesprint/index.js';

export const onnxPlugins: LogitsProcessorPlugins = {
  [STYLESPRINT_FACTS]: (setup) => createStylesprintFacts(setup),
};
