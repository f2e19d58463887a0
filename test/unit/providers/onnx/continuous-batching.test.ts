import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ForwardInput, DecoderSession } from '../../../../providers/onnx/decoder-session.js';
import { stackPast } from '../../../../providers/onnx/decoder-session.js';
import {
  decodeLoop,
  generateBatch,
  type RowRequest,
  type RowResult,
  type RowTicket,
} from '../../../../providers/onnx/generate-batch.js';
import type { GenerationResult, ProviderError } from '../../../../providers/types.js';
import * as ort from 'onnxruntime-node';
import {
  decoderFixtures,
  generateOne,
  greedySampling,
  mixedPrompts,
  openFixture,
  openFixtureDecoder,
  request,
} from './onnx-test-helpers.js';
import { inspect } from 'node:util';
import { must } from '../../../helpers/must.js';

function ok(r: GenerationResult | ProviderError | undefined): GenerationResult {
  assert.ok(r && !(r instanceof Error), inspect(r));
  return r;
}

/** A decoder whose forward passes are recorded (batch size and total length of each). */
function watched(
  model: DecoderSession,
  passes: Array<{ batch: number; totalLen: number; seqLen: number }>,
): DecoderSession {
  const forward = model.forward.bind(model);
  return Object.assign(Object.create(model) as DecoderSession, {
    forward: (input: ForwardInput) => {
      passes.push({ batch: input.batch, totalLen: input.totalLen, seqLen: input.seqLen });
      return forward(input);
    },
  });
}

for (const name of decoderFixtures) {
  test(`${name}: rows that join a running batch get the same greedy tokens as alone, whether their prompt is shorter or longer than the batch so far`, async () => {
    const { tokenizer, model, session } = await openFixtureDecoder(name);
    try {
      const row = (prompt: string, maxNewTokens: number): RowRequest => ({
        promptIds: tokenizer.encode(prompt),
        maxNewTokens,
        sampling: greedySampling,
        seed: 1,
        stop: [],
      });
      const a = row(mixedPrompts[1], 24);
      const b = row(mixedPrompts[2], 6); // shorter than the running rows: it is padded
      const c = row(`${mixedPrompts[3]} ${mixedPrompts[1]}`, 10); // longer: the running rows are padded
      const d = row(mixedPrompts[0], 8); // waits for a free slot (3 rows at most)
      assert.ok(c.promptIds.length > a.promptIds.length + 3 && b.promptIds.length < a.promptIds.length);
      const alone = await Promise.all([a, b, c, d].map(async (r) => (await generateOne(model, tokenizer, r)).tokenIds));

      // Take call 0: a; call 3: b and c; from call 6: d, whenever a slot is free.
      const plan: Array<{ at: number; req: RowRequest; index: number }> = [
        { at: 0, req: a, index: 0 },
        { at: 3, req: b, index: 1 },
        { at: 3, req: c, index: 2 },
        { at: 6, req: d, index: 3 },
      ];
      const results: RowResult[] = [];
      const order: number[] = [];
      let calls = 0;
      const take = (free: number): RowTicket[] => {
        const due = plan.filter((p) => p.at <= calls).slice(0, free);
        calls++;
        for (const p of due) plan.splice(plan.indexOf(p), 1);
        return due.map((p) => ({
          req: p.req,
          done: (r: RowResult) => void ((results[p.index] = r), order.push(p.index)),
        }));
      };
      const passes: Array<{ batch: number; totalLen: number; seqLen: number }> = [];
      await decodeLoop(watched(model, passes), tokenizer, take, { maxRows: 3 });
      assert.deepEqual(
        results.map((r) => r.tokenIds),
        alone,
      );
      // b (6 tokens) ended before a (24), and d ran: results came back as rows ended, not at the end.
      assert.ok(order.indexOf(1) < order.indexOf(0) && order.includes(3), order.join(','));
      assert.ok(Math.max(...passes.map((p) => p.batch)) <= 3);
      if (model.hasPast)
        assert.ok(
          passes.some((p) => p.batch === 2 && p.seqLen > 1),
          'b and c were prefilled as a group of their own',
        );
    } finally {
      await session.release();
    }
  });
}

test('padding that every remaining row has is dropped from the cache, and the tokens do not change', async () => {
  const { tokenizer, model, session } = await openFixtureDecoder('tiny-llama');
  try {
    const long = {
      promptIds: tokenizer.encode(mixedPrompts.join(' ')),
      maxNewTokens: 2,
      sampling: greedySampling,
      seed: 1,
      stop: [],
    };
    const short = [mixedPrompts[0], mixedPrompts[2]].map((prompt): RowRequest => ({
      promptIds: tokenizer.encode(prompt),
      maxNewTokens: 12,
      sampling: greedySampling,
      seed: 1,
      stop: [],
    }));
    assert.ok(
      long.promptIds.length - Math.max(...short.map((r) => r.promptIds.length)) >= 16,
      'the short rows carry 16 or more positions of padding',
    );
    const alone = await Promise.all(short.map(async (r) => (await generateOne(model, tokenizer, r)).tokenIds));
    const passes: Array<{ batch: number; totalLen: number; seqLen: number }> = [];
    const { results } = await generateBatch(watched(model, passes), tokenizer, [long, ...short]);
    assert.deepEqual(
      results.slice(1).map((r) => r.tokenIds),
      alone,
    );
    // Once the long row has ended, the two short rows' cache is shorter than the batch was.
    const before = must(
      passes.find((p) => p.batch === 3 && p.seqLen === 1),
      'a one-token pass over all three rows',
    );
    const after = passes.filter((p) => p.batch === 2);
    assert.ok(after.length > 0 && after.every((p) => p.totalLen < before.totalLen), JSON.stringify(passes));
  } finally {
    await session.release();
  }
});

test('stackPast left-pads each group with zeros to the common length, rows of the first group first', () => {
  const t = (batch: number, len: number, start: number) =>
    new ort.Tensor(
      'float32',
      Float32Array.from({ length: batch * 2 * len * 1 }, (_, i) => start + i),
      [batch, 2, len, 1],
    );
  const [s] = stackPast([t(1, 2, 1)], [t(2, 3, 100)], 3);
  assert.ok(s, 'one stacked tensor');
  assert.deepEqual(s.dims, [3, 2, 3, 1]);
  // Row 0 (first group, 2 positions): each head gets one zero in front.
  assert.deepEqual(
    [...(s.data as Float32Array)],
    [0, 1, 2, 0, 3, 4, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111],
  );
  assert.throws(() => stackPast([t(1, 4, 0)], [t(1, 2, 0)], 3), RangeError);
});

test('the provider: requests that arrive while a batch runs join it, and each resolves when its own row ends', async () => {
  const p = await openFixture('tiny-llama', { maxBatch: 4, maxQueueDelayMs: 0 });
  const reference = await openFixture('tiny-llama', { maxBatch: 1 });
  try {
    const longReq = request(mixedPrompts[1], { maxTokens: 60, temperature: 0 });
    const shortReqs = [mixedPrompts[0], mixedPrompts[3]].map((q) => request(q, { maxTokens: 3, temperature: 0 }));
    const finished: string[] = [];
    const long = p.generate([longReq]).then((r) => (finished.push('long'), r));
    // Wait until the long request is decoding, then send the short ones.
    while (p.stats().forwardPasses < 3) await new Promise((resolve) => setImmediate(resolve));
    const short = await p.generate(shortReqs).then((r) => (finished.push('short'), r));
    const [longResult] = await long;
    assert.deepEqual(finished, ['short', 'long']);
    assert.equal(ok(longResult).completionTokens, 60);
    assert.ok(p.stats().joined >= 1, `groups that joined: ${p.stats().joined}`);
    assert.equal(p.stats().running, false);
    // The same tokens as each request alone.
    const expected = (await reference.generate([longReq, ...shortReqs])).map(ok).map((r) => r.text);
    assert.deepEqual([ok(longResult).text, ...short.map(ok).map((r) => r.text)], expected);
  } finally {
    await p.close();
    await reference.close();
  }
});

test('continuousBatching false (for comparison): requests that arrive mid-batch wait for the whole batch to end', async () => {
  const p = await openFixture('tiny-llama', { maxBatch: 4, maxQueueDelayMs: 0, continuousBatching: false });
  try {
    const finished: string[] = [];
    const long = p
      .generate([request(mixedPrompts[1], { maxTokens: 40, temperature: 0 })])
      .then((r) => (finished.push('long'), r));
    while (p.stats().forwardPasses < 3) await new Promise((resolve) => setImmediate(resolve));
    const short = p
      .generate([request(mixedPrompts[0], { maxTokens: 3, temperature: 0 })])
      .then((r) => (finished.push('short'), r));
    await Promise.all([long, short]);
    assert.deepEqual(finished, ['long', 'short']);
    assert.equal(p.stats().joined, 0);
    assert.equal(p.stats().batches, 2);
  } finally {
    await p.close();
  }
});

test('a request cancelled while it waits in the queue answers at once, cancelled, and leaves the queue; the running one goes on', async () => {
  const p = await openFixture('tiny-llama', { maxBatch: 1, maxQueueDelayMs: 0 });
  try {
    const long = p.generate([request(mixedPrompts[1], { maxTokens: 200, temperature: 0 })]);
    while (p.stats().forwardPasses < 2) await new Promise((resolve) => setImmediate(resolve));
    const controller = new AbortController();
    const waiting = p.generate([request(mixedPrompts[0], { maxTokens: 10, temperature: 0 })], {
      signal: controller.signal,
    });
    assert.equal(p.stats().queueDepth, 1);
    controller.abort();
    const [r] = await waiting;
    assert.equal(ok(r).finishReason, 'cancelled');
    assert.equal(ok(r).text, '');
    assert.equal(p.stats().queueDepth, 0);
    assert.equal(p.stats().abandoned, 1);
    assert.equal(p.stats().running, true, 'answered before the running request ended');
    const [done] = await long;
    assert.equal(ok(done).finishReason, 'length');
    // Already cancelled when it arrives: the same answer, and nothing queued.
    const [early] = await p.generate([request('x', { maxTokens: 5 })], { signal: AbortSignal.abort() });
    assert.equal(ok(early).finishReason, 'cancelled');
    assert.equal(p.stats().abandoned, 2);
  } finally {
    await p.close();
  }
});
