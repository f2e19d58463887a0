import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError, ENV_NAMES } from '../../../src/config.js';
import { resolvePolicies } from '../../../src/routing/policies.js';
import { repoRoot } from '../../helpers/paths.js';
import { must } from '../../helpers/must.js';

test('defaults: port 4000, SQLite under data/, the local model first', () => {
  const c = loadConfig({}, {});
  assert.equal(c.port, 4000);
  assert.equal(c.databasePath, path.join('data', 'stylesprint.db'));
  assert.deepEqual(c.providers, ['onnx']);
  assert.equal(c.nodeEnv, undefined, 'unset stays unset: the server treats it apart from development');
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
  assert.throws(
    () => loadConfig({}, { PORT: 'eighty' }),
    (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message),
  );
  assert.throws(
    () => loadConfig({}, { PROVIDERS: 'openai,bard' }),
    (e: unknown) => e instanceof ConfigError && /PROVIDERS/.test(e.message),
  );
  assert.throws(() => loadConfig({}, { ORT_EXECUTION_PROVIDER: 'tpu' }), /ORT_EXECUTION_PROVIDER/);
  assert.throws(() => loadConfig({}, { OPENAI_BASE_URL: 'not a url' }), /OPENAI_BASE_URL/);
});

test('IMAGE_FETCH_ALLOW_HOSTS: host names and IP addresses, none by default; a URL is refused', () => {
  assert.deepEqual(loadConfig({}, {}).imageFetchAllowHosts, []);
  assert.deepEqual(
    loadConfig({}, { IMAGE_FETCH_ALLOW_HOSTS: 'images.internal, 10.0.0.5,[fd00::1]' }).imageFetchAllowHosts,
    ['images.internal', '10.0.0.5', '[fd00::1]'],
  );
  assert.throws(
    () => loadConfig({}, { IMAGE_FETCH_ALLOW_HOSTS: 'http://images.internal/' }),
    (e: unknown) => e instanceof ConfigError && /IMAGE_FETCH_ALLOW_HOSTS/.test(e.message),
  );
});

test('the message names the variable and the value given, and what would do', () => {
  const message = (env: Record<string, string>) => {
    try {
      loadConfig({}, env);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.message;
    }
    assert.fail(`accepted ${JSON.stringify(env)}`);
  };
  assert.equal(message({ PORT: 'abc' }), 'invalid configuration: PORT="abc": expected a whole number from 0 to 65535');
  assert.equal(
    message({ PORT: '70000' }),
    'invalid configuration: PORT="70000": expected a whole number from 0 to 65535',
  );
  assert.equal(
    message({ PROVIDERS: 'onnx,gpt4' }),
    'invalid configuration: PROVIDERS="onnx,gpt4": "gpt4" is not one of openai, huggingface, onnx',
  );
  assert.equal(message({ PROVIDERS: ' , ' }), 'invalid configuration: PROVIDERS=" , ": needs at least one provider');
  assert.equal(
    message({ LOG_LEVEL: 'loud' }),
    'invalid configuration: LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent',
  );
  assert.equal(
    message({ SEED_CATALOG: 'maybe' }),
    'invalid configuration: SEED_CATALOG="maybe": expected true, false, 1, 0, yes or no',
  );
  assert.equal(
    message({ PORT: 'x', LOCAL_MAX_BATCH: '0' }),
    'invalid configuration: PORT="x": expected a whole number from 0 to 65535; LOCAL_MAX_BATCH="0": expected a whole number from 1 to 256',
  );
  // A secret's value never appears, even when it is the bad one.
  const secret = message({ DATABASE_URL: 'mysql://shop:hunter2-secret@db/shop' });
  assert.match(secret, /^invalid configuration: DATABASE_URL: must be a postgres/);
  assert.ok(!secret.includes('hunter2'));
});

test('ROUTING_POLICIES is parsed with the rest of the config: bad JSON, a bad field or a provider not in PROVIDERS stops it', () => {
  assert.throws(
    () => loadConfig({}, { ROUTING_POLICIES: '{oops' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^invalid configuration: ROUTING_POLICIES: routing policy override is not valid JSON/.test(e.message),
  );
  assert.throws(
    () =>
      loadConfig(
        {},
        { ROUTING_POLICIES: '[{"name":"mobile","strategy":"fallback","targets":[{"provider":"onnx","retries":-1}]}]' },
      ),
    /ROUTING_POLICIES: .*0\.targets\.0\.retries/,
  );
  assert.throws(
    () =>
      loadConfig(
        {},
        {
          PROVIDERS: 'onnx',
          ROUTING_POLICIES: '[{"name":"mobile","strategy":"fallback","targets":[{"provider":"openai"}]}]',
        },
      ),
    /ROUTING_POLICIES: .*"openai" is not a configured provider \(configured: onnx\)/,
  );
});

test('a ROUTING_POLICIES target may leave out timeoutMs (then PROVIDER_TIMEOUT_MS) and retries (then 0)', () => {
  const c = loadConfig(
    {},
    {
      PROVIDERS: 'openai,onnx',
      PROVIDER_TIMEOUT_MS: '7000',
      ROUTING_POLICIES:
        '[{"name":"mobile","strategy":"fallback","targets":[{"provider":"onnx"},{"provider":"openai","retries":2}]}]',
    },
  );
  const mobile = resolvePolicies(c.providers, c.providerTimeoutMs, c.routingPolicies).find((p) => p.name === 'mobile');
  assert.deepEqual(mobile?.targets, [
    { provider: 'onnx', timeoutMs: 7000, retries: 0 },
    { provider: 'openai', timeoutMs: 7000, retries: 2 },
  ]);
});

test('an unknown setting with a gateway prefix is refused, naming it', () => {
  assert.throws(
    () => loadConfig({}, { LOCAL_MAX_BACTH: '4' }),
    (e: unknown) => e instanceof ConfigError && /LOCAL_MAX_BACTH/.test(e.message),
  );
  assert.throws(() => loadConfig({ nope: 1 } as never, {}), /unknown option nope/);
});

test('docs/configuration.md lists every variable the config reads, and no other', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs', 'configuration.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => must(m[1], 'a variable name'));
  const names = Object.values(ENV_NAMES);
  for (const name of names) assert.ok(documented.includes(name), `docs/configuration.md is missing ${name}`);
  for (const name of documented)
    assert.ok(names.includes(name), `docs/configuration.md names ${name}, which the config does not read`);
});

test('Hub model settings: LOCAL_MODEL as org/name[@revision], LOCAL_MODEL_FILE an .onnx name, HF_HOME, HF_ENDPOINT, HF_HUB_OFFLINE', () => {
  const c = loadConfig(
    {},
    {
      LOCAL_MODEL: 'onnx-community/Qwen2.5-0.5B-Instruct@main',
      LOCAL_MODEL_FILE: 'model_q4.onnx',
      HF_HOME: '/srv/hf',
      HF_ENDPOINT: 'http://mirror.internal:8080',
      HF_HUB_OFFLINE: '1',
    },
  );
  assert.equal(c.localModel, 'onnx-community/Qwen2.5-0.5B-Instruct@main');
  assert.equal(c.localModelFile, 'model_q4.onnx');
  assert.equal(c.hfHome, '/srv/hf');
  assert.equal(c.hfEndpoint, 'http://mirror.internal:8080');
  assert.equal(c.hfHubOffline, true);
  const d = loadConfig({}, {});
  assert.equal(d.localModel, undefined);
  assert.equal(d.hfEndpoint, 'https://huggingface.co');
  assert.equal(d.hfHubOffline, false);
  assert.throws(
    () => loadConfig({}, { LOCAL_MODEL: 'just-a-name' }),
    /LOCAL_MODEL="just-a-name": must be a Hub repo as org\/name/,
  );
  assert.throws(
    () => loadConfig({}, { LOCAL_MODEL_FILE: '../../etc/model.onnx' }),
    /LOCAL_MODEL_FILE="\.\.\/\.\.\/etc\/model\.onnx": must name an \.onnx file/,
  );
  assert.throws(() => loadConfig({}, { LOCAL_MODEL_FILE: 'model.safetensors' }), /LOCAL_MODEL_FILE/);
  assert.throws(() => loadConfig({}, { HF_ENDPOINT: 'hub' }), /HF_ENDPOINT/);
});
