/**
 * The prompt a model folder is sent in the gateway: in the template version
 * the folder names (stylesprint.json's prompt_version, the one the model was
 * trained on), else in the gateway's default. The quality bench, the outputs
 * hash and the bundled-model test build their requests with it, so that they
 * measure what the gateway serves, also when the default template moves on.
 */
import { readPromptVersion } from '../../providers/onnx/honours.js';
import type { GenerationRequest, ProductFacts } from '../../providers/types.js';
import { buildPrompt, isPromptVersion } from '../../src/prompts/build-prompt.js';

/** A function from a product to its request's prompt, system line and parts, for the model in `dir`. */
export function promptsFor(
  dir: string,
): (product: ProductFacts) => Pick<GenerationRequest, 'prompt' | 'system' | 'parts'> {
  const named = readPromptVersion(dir);
  if (named !== undefined && !isPromptVersion(named))
    throw new RangeError(`${dir} names prompt_version ${named}, which is not a template version of the gateway`);
  return (product) => {
    const built = buildPrompt(product, named ? { version: named } : {});
    return {
      prompt: built.prompt,
      ...(built.system ? { system: built.system } : {}),
      parts: { product, promptVersion: built.version },
    };
  };
}
