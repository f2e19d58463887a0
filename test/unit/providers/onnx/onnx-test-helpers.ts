import path from 'node:path';
import { fixturesDir } from '../../../helpers/paths.js';
import type { GenerationRequest } from '../../../../providers/types.js';
import {
  createOnnxProvider,
  type OnnxProviderOptions,
  type OnnxTextGenerator,
} from '../../../../providers/onnx/index.js';
import { readModelFolder } from '../../../../providers/onnx/model-folder.js';
import { loadTokenizer, type TextTokenizer } from '../../../../providers/onnx/tokenizer.js';
import { createOrtSession } from '../../../../providers/onnx/session.js';
import { DecoderSession, describeDecoder } from '../../../../providers/onnx/decoder-session.js';
import type { SamplingParams } from '../../../../providers/onnx/sampling.js';
import { generateBatch, type RowRequest, type RowResult } from '../../../../providers/onnx/generate-batch.js';
import { must } from '../../../helpers/must.js';

export const decoderFixtures = ['tiny-gpt2', 'tiny-llama', 'tiny-gpt2-nopast', 'tiny-gpt2-merged'] as const;
export type DecoderFixture = (typeof decoderFixtures)[number];

export function fixtureDir(name: DecoderFixture): string {
  return path.join(fixturesDir, 'models', name);
}

export const quietLogger = { info: (): void => {}, warn: (): void => {} };

/** Greedy decoding with every other rule off. */
export const greedySampling: SamplingParams = { doSample: false, temperature: 1, topK: 0, topP: 1 };

/** A fixture's tokenizer and decoder session on CPU, for tests that drive generateBatch or forward themselves. Release `session` when done. */
export async function openFixtureDecoder(
  name: DecoderFixture,
): Promise<{ tokenizer: TextTokenizer; model: DecoderSession; session: DecoderSession['session'] }> {
  const folder = readModelFolder(fixtureDir(name));
  const { session } = await createOrtSession(folder.onnxPath, { executionProvider: 'cpu', logger: quietLogger });
  return {
    tokenizer: loadTokenizer(folder),
    model: new DecoderSession(session, describeDecoder(session, folder.config)),
    session,
  };
}

export function request(prompt: string, extra: Partial<GenerationRequest> = {}): GenerationRequest {
  return { prompt, parts: { product: { id: 'p', title: prompt, attributes: [] }, promptVersion: 'v3' }, ...extra };
}

export function openFixture(name: DecoderFixture, options: OnnxProviderOptions = {}): Promise<OnnxTextGenerator> {
  return createOnnxProvider({ modelDir: fixtureDir(name), executionProvider: 'cpu', logger: quietLogger, ...options });
}

/** Prompts of different token lengths, so a batch needs left padding. */
export const mixedPrompts: [string, string, string, string] = [
  'Linen summer dress',
  'A soft wool coat — warm, tailored and made for café days.',
  'Denim',
  'Leather ankle boots with a stacked heel and a crêpe sole',
];

/** A row's [id, score] pairs, best first and the lower id first among equal scores: the order token choice follows. */
export function ranked(row: Float32Array): Array<[number, number]> {
  return [...row.entries()].sort(([ia, a], [ib, b]) => b - a || ia - ib);
}

/** generateBatch over a single row: that row's result. */
export async function generateOne(
  model: DecoderSession,
  tokenizer: TextTokenizer,
  row: RowRequest,
): Promise<RowResult> {
  return must((await generateBatch(model, tokenizer, [row])).results[0], 'the result of the one row');
}
