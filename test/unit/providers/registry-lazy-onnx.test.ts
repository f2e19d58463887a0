import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { loadConfig } from '../../../src/config.js';
import { createProviderRegistry } from '../../../providers/index.js';

/** Whether onnxruntime-node's modules are loaded in this process (each test file runs in a process of its own). */
const onnxruntimeLoaded = () =>
  Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('onnxruntime-node'));

test('a registry without a local model never loads onnxruntime; one with it does', async () => {
  const logger = pino({ level: 'silent' });
  assert.equal(onnxruntimeLoaded(), false, 'importing the registry loads no onnxruntime');
  const hosted = await createProviderRegistry(
    loadConfig({ providers: ['openai'], openaiApiKey: 'sk-lazy-onnx-0000' }, {}),
    logger,
  );
  try {
    assert.deepEqual(hosted.generatorIds(), ['openai']);
    assert.equal(onnxruntimeLoaded(), false, 'PROVIDERS=openai loads no onnxruntime');
  } finally {
    await hosted.close();
  }
  const local = await createProviderRegistry(loadConfig({ providers: ['onnx'] }, {}), logger);
  try {
    assert.deepEqual(local.generatorIds(), ['onnx']);
    assert.equal(onnxruntimeLoaded(), true, 'the bundled model runs on onnxruntime');
  } finally {
    await local.close();
  }
});
