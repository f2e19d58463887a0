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
    createOnnxProvider({ modelDir: fixtureDir('tiny-gpt2'), executionProvider: 'cuda', logger: recorder().logger }),
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
  const p = await createOnnxProvider({ modelDir: fixtureDir('tiny-gpt2'), executionProvider: 'auto', logger });
  try {
    assert.equal(p.executionProvider, expected);
    assert.equal((await p.health()).details?.executionProvider, expected);
    if (expected === 'cpu')
      assert.ok(
        lines.some((l) => /^warn .*CUDA execution provider unavailable.*runs on CPU/.test(l)),
        lines.join('\n'),
      );
  } finally {
    await p.close();
  }
});

test('settings come in as options (src/config.ts reads the environment): the model folder and the batch size', async () => {
  const p = await createOnnxProvider({
    modelDir: fixtureDir('tiny-llama'),
    executionProvider: 'cpu',
    maxBatch: 3,
    logger: recorder().logger,
  });
  try {
    assert.equal(p.model, 'tiny-llama');
    assert.equal(p.capabilities.maxBatchSize, 3);
    assert.equal(p.executionProvider, 'cpu');
  } finally {
    await p.close();
  }
  assert.throws(() => parseExecutionProvider('gpu'), /one of auto, cuda, cpu; got "gpu"/);
});
