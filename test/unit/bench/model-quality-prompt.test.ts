import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundledModelDir } from '../../../providers/onnx/index.js';
import { promptsFor } from '../../../bench/model-quality/prompt.js';
import { buildPrompt } from '../../../src/prompts/build-prompt.js';
import { DEFAULT_PROMPT_VERSION } from '../../../src/prompts/templates.js';
import { catalogFacts, readCatalogEntries } from '../../../src/seed.js';
import { must } from '../../helpers/must.js';

const product = catalogFacts(must(readCatalogEntries()[0], 'the first catalog entry'));

test('the bundled model is sent the template its folder names (v3, the one it was trained on), not the default', () => {
  const r = promptsFor(bundledModelDir)(product);
  assert.equal(r.parts.promptVersion, 'v3');
  assert.notEqual(DEFAULT_PROMPT_VERSION, 'v3', 'the default has moved on, so this test can tell the two apart');
  assert.equal(r.prompt, buildPrompt(product, { version: 'v3' }).prompt);
  assert.notEqual(r.prompt, buildPrompt(product).prompt);
});

test('a folder that names no version gets the default template; one that names an unknown version is refused', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-prompt-'));
  try {
    assert.equal(promptsFor(dir)(product).parts.promptVersion, DEFAULT_PROMPT_VERSION);
    writeFileSync(path.join(dir, 'stylesprint.json'), JSON.stringify({ prompt_version: 'v99' }));
    assert.throws(() => promptsFor(dir), /prompt_version v99/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
