import path from 'node:path';
import { fixturesDir } from '../../../helpers/paths.js';
import type { GenerationRequest } from '../../../../providers/types.js';
import { createOnnxProvider, type OnnxProviderOptions, type OnnxTextGenerator } from '../../../../providers/onnx/index.js';

export const decoderFixtures = ['tiny-gpt2', 'tiny-llama', 'tiny-gpt2-nopast', 'tiny-gpt2-merged'] as const;
export type DecoderFixture = (typeof decoderFixtures)[number];

export function fixtureDir(name: DecoderFixture): string {
  return path.join(fixturesDir, 'models', name);
}

export const quietLogger = { info: (): void => {}, warn: (): void => {} };

export function request(prompt: string, extra: Partial<GenerationRequest> = {}): GenerationRequest {
  return { prompt, parts: { product: { id: 'p', title: prompt, attributes: [] }, promptVersion: 'v3' }, ...extra };
}

export function openFixture(name: DecoderFixture, options: OnnxProviderOptions = {}): Promise<OnnxTextGenerator> {
  return createOnnxProvider({ modelDir: fixtureDir(name), executionProvider: 'cpu', logger: quietLogger, env: {}, ...options });
}

/** Prompts of different token lengths, so a batch needs left padding. */
export const mixedPrompts = [
  'Linen summer dress',
  'A soft wool coat — warm, tailored and made for café days.',
  'Denim',
  'Leather ankle boots with a stacked heel and a crêpe sole',
];
