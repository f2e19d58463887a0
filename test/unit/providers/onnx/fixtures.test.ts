import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFolder } from '../../../../providers/onnx/model-folder.js';
import { createOrtSession } from '../../../../providers/onnx/session.js';
import { DecoderSession, describeDecoder } from '../../../../providers/onnx/decoder-session.js';
import { loadTokenizer } from '../../../../providers/onnx/tokenizer.js';
import { decoderFixtures, fixtureDir, openFixture, quietLogger, request } from './onnx-test-helpers.js';
import { inspect } from 'node:util';
import { must } from '../../../helpers/must.js';

interface Expected {
  texts: string[];
  input_ids: number[][];
  attention_mask: number[][];
  position_ids?: number[][];
  dims: [number, number, number];
  logits: number[];
}

const int64 = (rows: number[][]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]?.length ?? 0]);

for (const name of decoderFixtures) {
  test(`${name}: ONNX logits in Node match the PyTorch logits (1e-4)`, async () => {
    const folder = readModelFolder(fixtureDir(name));
    const expected = JSON.parse(readFileSync(path.join(folder.dir, 'expected_logits.json'), 'utf8')) as Expected;
    const tokenizer = loadTokenizer(folder);
    // The tokenizer in Node must give the ids PyTorch was fed (left padding aside).
    expected.texts.forEach((text, row) => {
      const ids = tokenizer.encode(text);
      assert.deepEqual(ids, expected.input_ids[row]?.slice(-ids.length));
      assert.equal(tokenizer.decode(ids), text);
    });
    const { session } = await createOrtSession(folder.onnxPath, { executionProvider: 'cpu', logger: quietLogger });
    const model = new DecoderSession(session, describeDecoder(session, folder.config));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64(expected.input_ids),
      attention_mask: int64(expected.attention_mask),
    };
    if (model.layout.hasPositionIds) feeds.position_ids = int64(expected.position_ids ?? []);
    if (model.layout.hasUseCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', [false], [1]);
    model.emptyPast(expected.dims[0]).forEach((t, i) => {
      const pair = model.layout.kv[i >> 1];
      if (pair) feeds[i % 2 === 0 ? pair.key : pair.value] = t;
    });
    const out = await session.run(feeds);
    const logits = must(out.logits, 'the logits output');
    assert.deepEqual(logits.dims, expected.dims);
    const data = logits.data as Float32Array;
    let worst = 0;
    for (const [i, v] of data.entries())
      worst = Math.max(worst, Math.abs(v - must(expected.logits[i], 'a PyTorch logit')));
    assert.ok(worst < 1e-4, `max |ONNX - PyTorch| = ${worst}`);
    await session.release();
  });
}

test('layouts come from the session metadata: GQA KV heads, position_ids, no-past', async () => {
  const cases = [
    { name: 'tiny-gpt2', kvHeads: 4, positions: false, layers: 2, maxPositions: 128 },
    { name: 'tiny-llama', kvHeads: 2, positions: true, layers: 2, maxPositions: 2048 },
    { name: 'tiny-gpt2-nopast', kvHeads: 4, positions: false, layers: 0, maxPositions: 128 },
    { name: 'tiny-gpt2-merged', kvHeads: 4, positions: false, layers: 2, maxPositions: 128 },
  ] as const;
  for (const c of cases) {
    const folder = readModelFolder(fixtureDir(c.name));
    const { session } = await createOrtSession(folder.onnxPath, { executionProvider: 'cpu', logger: quietLogger });
    const layout = describeDecoder(session, folder.config);
    assert.equal(layout.kv.length, c.layers, c.name);
    if (c.layers) assert.equal(layout.kvHeads, c.kvHeads, c.name);
    assert.equal(layout.headDim, 16, c.name);
    assert.equal(layout.hasPositionIds, c.positions, c.name);
    assert.equal(layout.hasUseCacheBranch, c.name === 'tiny-gpt2-merged', c.name);
    assert.equal(layout.kvType, 'float32');
    // n_positions (GPT-2) or max_position_embeddings (Llama): the context the model was made for.
    assert.equal(layout.maxPositions, c.maxPositions, c.name);
    await session.release();
  }
  const { session } = await createOrtSession(readModelFolder(fixtureDir('tiny-llama')).onnxPath, {
    executionProvider: 'cpu',
    logger: quietLogger,
  });
  assert.equal(
    describeDecoder(session, { model_type: 'llama' }).maxPositions,
    Infinity,
    'no limit stated, none enforced',
  );
  await session.release();
});

test("a prompt longer than the model's context is a context_length error; a shorter one gets only the room left", async () => {
  const p = await openFixture('tiny-gpt2');
  try {
    const tokenizer = loadTokenizer(readModelFolder(fixtureDir('tiny-gpt2')));
    const long = 'Linen summer dress with a floral print. '.repeat(40);
    assert.ok(tokenizer.encode(long).length > 128);
    const [tooLong] = await p.generate([request(long, { maxTokens: 4 })]);
    assert.ok(tooLong instanceof Error, 'an error, not a result');
    assert.equal(tooLong.kind, 'context_length');
    assert.match(tooLong.message, /takes at most 128/);
    // 125 tokens of prompt leave room for 3, whatever maxTokens asks.
    let near = '';
    for (const word of long.split(' ')) {
      if (tokenizer.encode(`${near}${word} `).length > 125) break;
      near += `${word} `;
    }
    const room = 128 - tokenizer.encode(near).length;
    const [fits] = await p.generate([request(near, { maxTokens: 20, temperature: 0 })]);
    assert.ok(fits && !(fits instanceof Error), inspect(fits));
    assert.ok(fits.completionTokens <= room, `${fits.completionTokens} tokens in a room of ${room}`);
    if (fits.finishReason === 'length') assert.equal(fits.completionTokens, room);
  } finally {
    await p.close();
  }
});

test('special tokens: GPT-2 pads with EOS; Llama adds BOS and has its own pad', () => {
  const gpt = loadTokenizer(readModelFolder(fixtureDir('tiny-gpt2')));
  assert.equal(gpt.special.pad, gpt.special.eos[0]);
  assert.equal(gpt.tokenToId('<|endoftext|>'), gpt.special.eos[0]);
  const llama = loadTokenizer(readModelFolder(fixtureDir('tiny-llama')));
  assert.equal(llama.encode('Denim')[0], llama.special.bos);
  assert.equal(llama.special.pad, llama.tokenToId('<pad>'));
  assert.notEqual(llama.special.pad, llama.special.eos[0]);
});

for (const name of decoderFixtures) {
  test(`${name}: the provider loads and generates`, async () => {
    const p = await openFixture(name);
    try {
      const [r] = await p.generate([request('Linen summer dress', { maxTokens: 6, temperature: 0 })]);
      assert.ok(r && !(r instanceof Error), inspect(r));
      assert.equal(r.completionTokens, 6);
      assert.equal(r.finishReason, 'length');
      assert.equal(r.model, name);
      assert.equal(r.providerId, 'onnx');
      assert.ok(r.promptTokens > 0);
    } finally {
      await p.close();
    }
  });
}
