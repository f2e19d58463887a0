import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../../helpers/paths.js';
import { loadPlugin } from '../../../../providers/onnx/plugins.js';
import { readModelFolder } from '../../../../providers/onnx/model-folder.js';
import { loadTokenizer } from '../../../../providers/onnx/tokenizer.js';
import { fixtureDir } from './onnx-test-helpers.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

test('no file of the generic ONNX provider names a product field: what a request is about reaches the plugin as an opaque context', () => {
  // A product's fields (ProductFacts), by any of their names.
  const named = /\b(titles?|materials?|colou?rs?|attributes?|categor(y|ies)|facts?)\b/i;
  const files = sources(path.join(repoRoot, 'providers', 'onnx'));
  assert.ok(files.length > 10, "the provider's files were found");
  const hits = files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line, i) => ({ line, at: `${path.relative(repoRoot, file)}:${i + 1}` }))
      .filter(({ line }) => named.test(line))
      .map(({ line, at }) => `${at}: ${line.trim()}`),
  );
  assert.deepEqual(hits, []);
  // And it imports no plugin: the registry is handed to it.
  const imports = files.filter((f) => /from '\.\.\/onnx-plugins\//.test(readFileSync(f, 'utf8')));
  assert.deepEqual(imports, []);
});

test('nothing under providers/ reads process.env: settings come in through src/config.ts as factory options', () => {
  const readers = sources(path.join(repoRoot, 'providers')).filter((f) => /process\.env/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(
    readers.map((f) => path.relative(repoRoot, f)),
    [],
  );
});

test('loadPlugin: none named, none loaded; a name that is not a string, or options that are not an object, are errors', () => {
  const folder = readModelFolder(fixtureDir('tiny-gpt2'));
  const tokenizer = loadTokenizer(folder);
  const made: unknown[] = [];
  const plugins = { p: (setup: { options: unknown }) => (made.push(setup.options), { forRow: () => null }) };
  assert.equal(loadPlugin({ folder, tokenizer }, plugins), null);
  const named = (g: Record<string, unknown>) => ({ ...folder, generationConfig: { ...folder.generationConfig, ...g } });
  assert.ok(
    loadPlugin(
      { folder: named({ logits_processor_plugin: 'p', logits_processor_options: { a: 1 } }), tokenizer },
      plugins,
    ),
  );
  assert.deepEqual(made, [{ a: 1 }]);
  assert.throws(
    () => loadPlugin({ folder: named({ logits_processor_plugin: 3 }), tokenizer }, plugins),
    /logits_processor_plugin must be a plugin name; got 3/,
  );
  assert.throws(
    () =>
      loadPlugin(
        { folder: named({ logits_processor_plugin: 'p', logits_processor_options: [1] }), tokenizer },
        plugins,
      ),
    /logits_processor_options must be an object/,
  );
  // A name that only the object prototype has is not a plugin.
  assert.throws(
    () => loadPlugin({ folder: named({ logits_processor_plugin: 'toString' }), tokenizer }, plugins),
    /which this provider was not given \(plugins: p\)/,
  );
});
