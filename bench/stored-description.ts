import type { DescriptionInput } from '../src/storage/types.js';

/** A stored description as a generation by a cheap remote model writes it, for the benches that fill the store without calling a provider. */
export function storedDescription(productId: string, text: string, promptVersion = 'v4'): DescriptionInput {
  return {
    productId,
    text,
    provider: 'openai',
    model: 'gpt-4o-mini',
    promptVersion,
    personalizationKey: '',
    personalization: null,
    parameters: {},
    finishReason: 'stop',
    latencyMs: 1,
    promptTokens: 10,
    completionTokens: 20,
    estimatedCostUsd: 0,
    attempts: [],
    flags: [],
    attributeCoverage: null,
  };
}
