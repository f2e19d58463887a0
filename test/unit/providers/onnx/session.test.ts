import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOrtSession, parseExecutionProvider, SessionStartError } from '../../../../providers/onnx/session.js';
import { readModelFolder } from '../../../../providers/onnx/model-folder.js';
import { createOnnxProvider } from '../../../../providers/onnx/index.js';
import { fixtureDir } from './onnx-test-helpers.js';

function recorder(): { lines: string[]; logger: { info(m: string): void; warn(m: string): void } } {
  const lines: string[] = [];
  return { lines, logger: { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`) } };
}

const onnxPath = readModelFolder(fixtureDir('tiny-gpt2')).onnxPath;

/** Whether this machine's onnxruntime-node can start CUDA at all (CI and dev machines here cannot). */
async function cudaWorks(): Promise<boolean> {
  try {
    const s = await createOrtSession(onnxPath, { executionProvider: 'cuda', logger: recorder().logger });
    await s.session.release();
    return true;
  } catch {
    return false;
  }
}

test("executionProvider 'cuda' without CUDA fails at start with a clear message", async (t) => {
  if (await cudaWorks()) return t.skip('this machine has a working CUDA provider');
  await assert.rejects(
    createOnnxProvider({ modelDir: fixtureDir('tiny-gpt2'), executionProvider: 'cuda', logger: recorder().logger, env: {} }),
    (e: unknown) => {
      assert.ok(e instanceof SessionStartError);
      assert.match(e.message, /executionProvider 'cuda' was requested but the CUDA execution provider could not start/);
      assert.match(e.message, /ORT_EXECUTION_PROVIDER=cpu/);
      return true;
    },
  );
});

test("'auto' runs on what loads, reports it in health(), and logs the choice", async () => {
  const { lines, logger } = recorder();
  const expected = (await cudaWorks()) ? 'cuda' : 'cpu';
  const p = await createOnnxProvider({ modelDir: fixtureDir('tiny-gpt2'), executionProvider: 'auto', logger, env: {} });
  try {
    assert.equal(p.executionProvider, expected);
    assert.equal((await p.health()).details?.executionProvider, expected);
    if (expected === 'cpu') assert.ok(lines.some((l) => /^warn .*CUDA execution provider unavailable.*runs on CPU/.test(l)), lines.join('\n'));
  } finally {
    await p.close();
  }
});

test('ORT_EXECUTION_PROVIDER and the batching variables are read from env; explicit options win', async () => {
  const env = { ORT_EXECUTION_PROVIDER: 'cpu', LOCAL_MAX_BATCH: '3', LOCAL_MODEL_DIR: fixtureDir('tiny-llama') };
  const p = await createOnnxProvider({ env, logger: recorder().logger });
  const q = await createOnnxProvider({ env, logger: recorder().logger, maxBatch: 5, modelDir: fixtureDir('tiny-gpt2') });
  try {
    assert.equal(p.model, 'tiny-llama');
    assert.equal(p.capabilities.maxBatchSize, 3);
    assert.equal(p.executionProvider, 'cpu');
    assert.equal(q.capabilities.maxBatchSize, 5);
    assert.equal(q.model, 'tiny-gpt2');
  } finally {
    await p.close();
    await q.close();
  }
  assert.throws(() => parseExecutionProvider('gpu'), /one of auto, cuda, cpu; got "gpu"/);
  await assert.rejects(createOnnxProvider({ env: { LOCAL_MAX_BATCH: 'eight' }, modelDir: fixtureDir('tiny-gpt2') }), /LOCAL_MAX_BATCH/);
});
