/** Builders for GenerationRequest values in provider tests (fake products, no dataset values). */
import type { GenerationRequest } from '../../providers/types.js';

/** A prompt in the prompt builder's wording, naming `title`, so the fakes answer about it. */
export function promptFor(title: string): string {
  return `Write a creative product description for the following product: ${title}.\nAttributes: linen, relaxed fit\nDescription:`;
}

export function requestFor(title: string, extra: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    prompt: promptFor(title),
    parts: {
      product: { id: title.toLowerCase().replace(/\W+/g, '-'), title, attributes: ['linen', 'relaxed fit'] },
      promptVersion: 'test',
    },
    ...extra,
  };
}
