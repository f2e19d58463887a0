import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError, ENV_NAMES } from '../../../src/config.js';
import { repoRoot } from '../../helpers/paths.js';

test('defaults: port 4000, SQLite under data/, the local model first', () => {
  const c = loadConfig({}, {});
  assert.equal(c.port, 4000);
  assert.equal(c.databasePath, path.join('data', 'stylesprint.db'));
  assert.deepEqual(c.providers, ['onnx']);
  assert.equal(c.nodeEnv, 'development');
});

test('environment variables are read and coerced; explicit options win', () => {
  const env = { PORT: '8080', PROVIDERS: 'openai, huggingface,onnx', LOCAL_MAX_BATCH: '4', HF_TOKEN: 'hf_x' };
  const c = loadConfig({ port: 9090 }, env);
  assert.equal(c.port, 9090);
  assert.deepEqual(c.providers, ['openai', 'huggingface', 'onnx']);
  assert.equal(c.localMaxBatch, 4);
  assert.equal(c.huggingfaceToken, 'hf_x');
});

test('an invalid value stops the start with a message naming the variable', () => {
  assert.throws(() => loadConfig({}, { PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({}, { PROVIDERS: 'openai,bard' }), (e: unknown) => e instanceof ConfigError && /PROVIDERS/.test(e.message));
  assert.throws(() => loadConfig({}, { ORT_EXECUTION_PROVIDER: 'tpu' }), /ORT_EXECUTION_PROVIDER/);
  assert.throws(() => loadConfig({}, { OPENAI_BASE_URL: 'not a url' }), /OPENAI_BASE_URL/);
});

test('an unknown setting with a gateway prefix is refused, naming it', () => {
  assert.throws(() => loadConfig({}, { LOCAL_MAX_BACTH: '4' }), (e: unknown) => e instanceof ConfigError && /LOCAL_MAX_BACTH/.test(e.message));
  assert.throws(() => loadConfig({ nope: 1 } as never, {}), /unknown option nope/);
});

test("the README's environment table lists every variable the config reads", () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  for (const name of Object.values(ENV_NAMES)) {
    assert.match(readme, new RegExp(`\\| \`${name}\` \\|`), `README is missing ${name}`);
  }
});

test('Hub model settings: LOCAL_MODEL as org/name[@revision], LOCAL_MODEL_FILE an .onnx name, HF_HOME, HF_ENDPOINT, HF_HUB_OFFLINE', () => {
  const c = loadConfig({}, { LOCAL_MODEL: 'onnx-community/Qwen2.5-0.5B-Instruct@main', LOCAL_MODEL_FILE: 'model_q4.onnx', HF_HOME: '/srv/hf', HF_ENDPOINT: 'http://mirror.internal:8080', HF_HUB_OFFLINE: '1' });
  assert.equal(c.localModel, 'onnx-community/Qwen2.5-0.5B-Instruct@main');
  assert.equal(c.localModelFile, 'model_q4.onnx');
  assert.equal(c.hfHome, '/srv/hf');
  assert.equal(c.hfEndpoint, 'http://mirror.internal:8080');
  assert.equal(c.hfHubOffline, true);
  const d = loadConfig({}, {});
  assert.equal(d.localModel, undefined);
  assert.equal(d.hfEndpoint, 'https://huggingface.co');
  assert.equal(d.hfHubOffline, false);
  assert.throws(() => loadConfig({}, { LOCAL_MODEL: 'just-a-name' }), /LOCAL_MODEL: must be a Hub repo as org\/name/);
  assert.throws(() => loadConfig({}, { LOCAL_MODEL_FILE: '../../etc/model.onnx' }), /LOCAL_MODEL_FILE: must name an \.onnx file/);
  assert.throws(() => loadConfig({}, { LOCAL_MODEL_FILE: 'model.safetensors' }), /LOCAL_MODEL_FILE/);
  assert.throws(() => loadConfig({}, { HF_ENDPOINT: 'hub' }), /HF_ENDPOINT/);
});
