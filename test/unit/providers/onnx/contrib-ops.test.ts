import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readModelFolder } from '../../../../providers/onnx/model-folder.js';
import { createOrtSession } from '../../../../providers/onnx/session.js';
import { DecoderSession, describeDecoder, graphHasOperator } from '../../../../providers/onnx/decoder-session.js';
import { createOnnxProvider } from '../../../../providers/onnx/index.js';
import { fixturesDir } from '../../../helpers/paths.js';
import { mixedPrompts, quietLogger, request } from './onnx-test-helpers.js';
import { must } from '../../../helpers/must.js';

// tools/make_models.py contrib: one layer of MatMulNBits (4-bit weights) and GroupQueryAttention, expected logits from numpy.
const dir = path.join(fixturesDir, 'models', 'tiny-contrib-ops');
const expected = JSON.parse(readFileSync(path.join(dir, 'expected_logits.json'), 'utf8')) as {
  input_ids: number[];
  next_id: number;
  vocab: number;
  prefill_last: number[];
  decode: number[];
};

function worst(a: Float32Array, b: readonly number[]): number {
  let w = 0;
  for (const [i, want] of b.entries()) w = Math.max(w, Math.abs(must(a[i], `value ${i}`) - want));
  return w;
}

test("a graph of com.microsoft operators (MatMulNBits, GroupQueryAttention) loads on the CPU provider and gives numpy's logits, prefill and a decode step with past", async () => {
  const folder = readModelFolder(dir);
  const { session } = await createOrtSession(folder.onnxPath, { executionProvider: 'cpu', logger: quietLogger });
  try {
    const model = new DecoderSession(session, describeDecoder(session, folder.config));
    assert.deepEqual(
      [model.layout.kv.length, model.layout.kvHeads, model.layout.headDim, model.layout.hasPositionIds],
      [1, 2, 8, false],
    );
    const ids = expected.input_ids;
    const prefill = await model.forward({
      batch: 1,
      ids,
      seqLen: ids.length,
      totalLen: ids.length,
      padding: [0],
      past: null,
    });
    assert.ok(
      worst(prefill.lastLogits, expected.prefill_last) < 1e-4,
      `prefill: ${worst(prefill.lastLogits, expected.prefill_last)}`,
    );
    const step = await model.forward({
      batch: 1,
      ids: [expected.next_id],
      seqLen: 1,
      totalLen: ids.length + 1,
      padding: [0],
      past: prefill.present,
    });
    assert.ok(worst(step.lastLogits, expected.decode) < 1e-4, `decode: ${worst(step.lastLogits, expected.decode)}`);
    // GroupQueryAttention reads a row as starting at position 0: a left-padded row of a batch comes out wrong, which is why the provider decodes such a graph alone.
    const short = ids.slice(0, 3);
    const pad = ids.length - short.length;
    const both = await model.forward({
      batch: 2,
      ids: [...new Array<number>(pad).fill(0), ...short, ...ids],
      seqLen: ids.length,
      totalLen: ids.length,
      padding: [pad, 0],
      past: null,
    });
    const alone = await model.forward({
      batch: 1,
      ids: short,
      seqLen: short.length,
      totalLen: short.length,
      padding: [0],
      past: null,
    });
    assert.ok(
      worst(both.lastLogits.subarray(0, expected.vocab), [...alone.lastLogits]) > 1e-2,
      'left padding changes the row',
    );
  } finally {
    await session.release();
  }
});

test('the provider decodes a GroupQueryAttention graph one request at a time, and says so; each text is the one it makes alone', async () => {
  assert.equal(await graphHasOperator(readModelFolder(dir).onnxPath, 'GroupQueryAttention'), true);
  assert.equal(
    await graphHasOperator(
      readModelFolder(path.join(fixturesDir, 'models', 'tiny-llama')).onnxPath,
      'GroupQueryAttention',
    ),
    false,
  );
  const warnings: string[] = [];
  const p = await createOnnxProvider({
    modelDir: dir,
    executionProvider: 'cpu',
    maxBatch: 8,
    logger: { info: () => {}, warn: (m) => warnings.push(m) },
  });
  try {
    assert.equal(p.capabilities.maxBatchSize, 1);
    assert.ok(
      warnings.some((w) => /GroupQueryAttention.*one request at a time/.test(w)),
      warnings.join('\n'),
    );
    const reqs = mixedPrompts.slice(0, 3).map((prompt) => request(prompt, { maxTokens: 8, temperature: 0 }));
    const together = await p.generate(reqs);
    for (const [i, r] of reqs.entries()) {
      const [solo] = await p.generate([r]);
      const t = together[i];
      assert.ok(t && !(t instanceof Error) && solo && !(solo instanceof Error));
      assert.equal(t.text, solo.text, `prompt ${i}`);
    }
  } finally {
    await p.close();
  }
});
