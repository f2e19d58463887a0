import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NoRepeatNgram } from '../../../../../providers/onnx/processors.js';
import type { LogitsProcessor } from '../../../../../providers/onnx/logits-processor.js';
import {
  fixtureDir,
  generateOne,
  greedySampling as greedy,
  openFixture,
  openFixtureDecoder,
  request,
} from '../../onnx/onnx-test-helpers.js';
import { folderWithPlugin, pluginWith, rowProcessor } from './plugin-helpers.js';
import { onnxPlugins } from '../../../../../providers/onnx-plugins/index.js';
import { must } from '../../../../helpers/must.js';

test("output_no_repeat_ngram_size bans repeats within the output but lets the output restate the prompt; HF's no_repeat_ngram_size bans both", async () => {
  const { tokenizer, session, model } = await openFixtureDecoder('tiny-gpt2');
  const run = async (processors: (promptIds: number[]) => LogitsProcessor[], promptIds: number[]) =>
    (
      await generateOne(model, tokenizer, {
        promptIds,
        maxNewTokens: 40,
        sampling: greedy,
        processors: processors(promptIds),
        seed: 1,
        stop: [],
      })
    ).tokenIds;
  const none = () => [];
  const outputOnly = (promptIds: number[]) => [rowProcessor({ outputNoRepeatNgramSize: 3 }, promptIds)];
  const trigrams = (ids: readonly number[]) => ids.slice(0, -2).map((_, i) => ids.slice(i, i + 3).join(','));
  try {
    const prompt = tokenizer.encode('Denim');
    // Unconstrained greedy decoding of a random-weight model loops, so the output repeats trigrams.
    const free = await run(none, prompt);
    assert.ok(new Set(trigrams(free)).size < trigrams(free).length, 'the unconstrained output repeats itself');
    const own = await run(outputOnly, prompt);
    assert.equal(new Set(trigrams(own)).size, trigrams(own).length, 'no trigram twice in the output');
    // A prompt that already holds the looping output: greedy continues the loop, completing trigrams of
    // the prompt. The output-only rule leaves that alone (the same first tokens); HF's rule bans it.
    const echoPrompt = [...prompt, ...free];
    const loop = await run(none, echoPrompt);
    const promptTrigrams = new Set(trigrams(echoPrompt));
    const completes = (out: number[]) =>
      trigrams([...echoPrompt, ...out.slice(0, 3)])
        .slice(trigrams(echoPrompt).length)
        .some((t) => promptTrigrams.has(t));
    assert.ok(completes(loop), 'precondition: the free continuation restates the prompt');
    const again = await run(outputOnly, echoPrompt);
    assert.deepEqual(again.slice(0, 3), loop.slice(0, 3));
    const hf = await run(() => [new NoRepeatNgram(3)], echoPrompt);
    assert.ok(!completes(hf), 'HF rule: no prompt trigram completed');
  } finally {
    await session.release();
  }
});

test('the plugin is loaded by the name the model folder gives; a name the provider was not given, or bad options, stop the load with a clear error', async () => {
  const named = folderWithPlugin(fixtureDir('tiny-gpt2'), { output_no_repeat_ngram_size: 3 });
  try {
    // Not given the plugin: the model does not load, and the error names what it was given.
    await assert.rejects(
      openFixture('tiny-gpt2', { modelDir: named.dir }),
      /logits_processor_plugin is "stylesprint-facts", which this provider was not given \(plugins: none\)/,
    );
    await assert.rejects(
      openFixture('tiny-gpt2', {
        modelDir: named.dir,
        plugins: { other: must(onnxPlugins['stylesprint-facts'], 'the stylesprint-facts plugin') },
      }),
      /\(plugins: other\)/,
    );
    // Given it: the rule runs (greedy on a random-weight model loops without it).
    const p = await openFixture('tiny-gpt2', { modelDir: named.dir, plugins: onnxPlugins });
    const plain = await openFixture('tiny-gpt2');
    try {
      const [withRule] = await p.generate([request('Denim', { maxTokens: 40, temperature: 0 })]);
      const [without] = await plain.generate([request('Denim', { maxTokens: 40, temperature: 0 })]);
      assert.ok(withRule && !(withRule instanceof Error) && without && !(without instanceof Error));
      assert.notEqual(withRule.text, without.text);
    } finally {
      await p.close();
      await plain.close();
    }
  } finally {
    named.remove();
  }
  for (const [options, message] of [
    [{ lexicon_fil: 'x.json' }, /unknown option lexicon_fil \(options: output_no_repeat_ngram_size, /],
    [{ frame_sentences: 'two' }, /frame_sentences must be a non-negative integer; got "two"/],
    [{ fact_patterns_file: 'missing.json' }, /names fact_patterns_file "missing.json", but .* does not exist/],
  ] as const) {
    const bad = folderWithPlugin(fixtureDir('tiny-gpt2'), options);
    try {
      await assert.rejects(openFixture('tiny-gpt2', { modelDir: bad.dir, plugins: pluginWith({}) }), message);
    } finally {
      bad.remove();
    }
  }
});
