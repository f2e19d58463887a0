import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers/paths.js';
import { repoFromFolder, startFakeHub } from '../../helpers/fake-hub.js';
import { fetchModel, HubError, parseModelRef, repoFolderName } from '../../../providers/hub/index.js';
import { externalDataOf, selectModelFiles } from '../../../providers/hub/files.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { must } from '../../helpers/must.js';

const REPO = 'onnx-community/tiny-llama';
const tinyLlama = path.join(fixturesDir, 'models', 'tiny-llama');

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('fetchModel: downloads the export into the standard cache layout (blobs by ETag, relative snapshot links, refs/main), verified', async (t) => {
  const hub = await startFakeHub({ [REPO]: { files: repoFromFolder(tinyLlama) } });
  const cacheDir = tempDir('hub-cache', t);
  try {
    const lines: string[] = [];
    const fetched = await fetchModel({
      repo: REPO,
      cacheDir,
      endpoint: hub.url,
      logger: { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
    });
    const commit = hub.commitOf(REPO);
    const root = path.join(cacheDir, repoFolderName(REPO));
    assert.equal(repoFolderName(REPO), 'models--onnx-community--tiny-llama');
    assert.equal(fetched.commit, commit);
    assert.equal(fetched.dir, path.join(root, 'snapshots', commit));
    assert.equal(fetched.graph, 'onnx/model.onnx');
    assert.equal(readFileSync(path.join(root, 'refs', 'main'), 'utf8'), commit);
    const graph = path.join(fetched.dir, 'onnx', 'model.onnx');
    assert.ok(lstatSync(graph).isSymbolicLink());
    assert.equal(readlinkSync(graph), path.join('..', '..', '..', 'blobs', hub.sha256(REPO, 'onnx/model.onnx')));
    assert.equal(sha256(graph), hub.sha256(REPO, 'onnx/model.onnx'));
    // Only what the provider needs: the fixture's expected_logits.json stays on the Hub.
    assert.ok(!existsSync(path.join(fetched.dir, 'expected_logits.json')));
    for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      assert.deepEqual(readFileSync(path.join(fetched.dir, f)), readFileSync(path.join(tinyLlama, f)), f);
    }
    // The tree API answers a few entries per page: every page was read.
    assert.ok(hub.calls.filter((c) => c.path.includes('/tree/')).length >= 2);
    // The LFS graph came from the CDN, after a redirect the client read the headers of.
    assert.ok(hub.calls.some((c) => c.method === 'HEAD' && c.path.endsWith('/resolve/' + commit + '/onnx/model.onnx')));
    assert.ok(hub.calls.some((c) => c.path.startsWith('/cdn/')));
    assert.ok(lines.length >= 3 && lines.length <= 8, `a few progress lines, got ${lines.length}`);
    assert.match(must(lines.at(-1), 'the last progress line'), /downloaded and verified/);

    // A second call finds everything cached and sends only the two listing calls.
    const before = hub.calls.length;
    const again = await fetchModel({ repo: REPO, cacheDir, endpoint: hub.url });
    assert.equal(again.downloadedBytes, 0);
    assert.ok(hub.calls.slice(before).every((c) => c.path.startsWith('/api/')));
  } finally {
    await hub.close();
  }
});

test('fetchModel offline: the cache only, no request; a repo not cached is a not_cached error that names it', async (t) => {
  const hub = await startFakeHub({ [REPO]: { files: repoFromFolder(tinyLlama) } });
  const cacheDir = tempDir('hub-cache', t);
  try {
    await assert.rejects(fetchModel({ repo: REPO, cacheDir, endpoint: hub.url, offline: true }), (e: unknown) => {
      assert.ok(e instanceof HubError);
      assert.equal(e.code, 'not_cached');
      assert.match(e.message, /onnx-community\/tiny-llama@main is not in the cache/);
      assert.match(e.message, /HF_HUB_OFFLINE/);
      return true;
    });
    assert.equal(hub.calls.length, 0);
    const online = await fetchModel({ repo: REPO, cacheDir, endpoint: hub.url });
    const calls = hub.calls.length;
    const offline = await fetchModel({ repo: REPO, cacheDir, endpoint: hub.url, offline: true });
    assert.deepEqual(offline, { ...online, downloadedBytes: 0 });
    assert.equal(hub.calls.length, calls, 'offline sends nothing');
    // A graph variant that was never fetched is reported as missing.
    await assert.rejects(
      fetchModel({ repo: REPO, cacheDir, offline: true, modelFile: 'model_q4.onnx' }),
      /only partly in the cache \(missing model_q4\.onnx\)/,
    );
  } finally {
    await hub.close();
  }
});

test('fetchModel: an unreachable Hub falls back to the cached snapshot with a warning, and is an unreachable error without one', async (t) => {
  const hub = await startFakeHub({ [REPO]: { files: repoFromFolder(tinyLlama) } });
  const cacheDir = tempDir('hub-cache', t);
  await fetchModel({ repo: REPO, cacheDir, endpoint: hub.url });
  const url = hub.url;
  await hub.close();
  const warnings: string[] = [];
  const cached = await fetchModel({
    repo: REPO,
    cacheDir,
    endpoint: url,
    logger: { info: () => {}, warn: (m) => warnings.push(m) },
  });
  assert.equal(cached.commit, hub.commitOf(REPO));
  assert.match(must(warnings[0], 'a warning'), /could not be reached; using the cached snapshot/);
  await assert.rejects(
    fetchModel({ repo: 'org/other', cacheDir, endpoint: url }),
    (e: unknown) => e instanceof HubError && e.code === 'unreachable',
  );
});

test('fetchModel: a gated repo is 401 without its token (gated error, nothing written) and downloads with it; an unknown repo is not_found', async (t) => {
  const token = 'hf_fake_gated_token_123';
  const hub = await startFakeHub({ [REPO]: { files: repoFromFolder(tinyLlama), token } });
  const cacheDir = tempDir('hub-cache', t);
  try {
    await assert.rejects(fetchModel({ repo: REPO, cacheDir, endpoint: hub.url }), (e: unknown) => {
      assert.ok(e instanceof HubError && e.code === 'gated');
      assert.match(e.message, /onnx-community\/tiny-llama@main: the Hub answered 401; the repo is gated or private/);
      return true;
    });
    assert.ok(!existsSync(path.join(cacheDir, repoFolderName(REPO))));
    const fetched = await fetchModel({ repo: REPO, cacheDir, endpoint: hub.url, token });
    assert.ok(existsSync(path.join(fetched.dir, 'onnx', 'model.onnx')));
    // The token went to the Hub's own origin (the fake CDN shares it), never anywhere else.
    assert.ok(
      hub.calls
        .filter((c) => c.path.startsWith('/api/'))
        .every((c) => c.authorization === `Bearer ${token}` || c.authorization === undefined),
    );
    await assert.rejects(
      fetchModel({ repo: 'org/missing', cacheDir, endpoint: hub.url }),
      (e: unknown) => e instanceof HubError && e.code === 'not_found',
    );
    await assert.rejects(
      fetchModel({ repo: REPO, revision: 'v9', cacheDir, endpoint: hub.url, token }),
      (e: unknown) => e instanceof HubError && e.code === 'not_found',
    );
  } finally {
    await hub.close();
  }
});

test('fetchModel: a file whose bytes do not match its ETag is a verification_failed error, and leaves no blob or partial file', async (t) => {
  const hub = await startFakeHub({ [REPO]: { files: repoFromFolder(tinyLlama) } });
  const cacheDir = tempDir('hub-cache', t);
  try {
    const real = readFileSync(path.join(tinyLlama, 'onnx', 'model.onnx'));
    const bad = Buffer.from(real);
    bad.writeUInt8(bad.readUInt8(1000) ^ 0xff, 1000);
    hub.corrupt(REPO, 'onnx/model.onnx', bad);
    await assert.rejects(fetchModel({ repo: REPO, cacheDir, endpoint: hub.url }), (e: unknown) => {
      assert.ok(e instanceof HubError && e.code === 'verification_failed');
      assert.match(
        e.message,
        /onnx-community\/tiny-llama\/onnx\/model\.onnx: its hash [0-9a-f]{64} does not match the Hub's ETag/,
      );
      return true;
    });
    const blob = path.join(cacheDir, repoFolderName(REPO), 'blobs', hub.sha256(REPO, 'onnx/model.onnx'));
    assert.ok(!existsSync(blob) && !existsSync(`${blob}.incomplete`));
    assert.ok(
      !existsSync(path.join(cacheDir, repoFolderName(REPO), 'snapshots', hub.commitOf(REPO), 'onnx', 'model.onnx')),
    );
    // A truncated body fails on size.
    hub.corrupt(REPO, 'onnx/model.onnx', real.subarray(0, 100));
    await assert.rejects(fetchModel({ repo: REPO, cacheDir, endpoint: hub.url }), /got 100 bytes, the Hub says \d+/);
  } finally {
    await hub.close();
  }
});

test('fetchModel resumes a partial blob with a Range request from its length and verifies the whole file', async (t) => {
  const hub = await startFakeHub({ [REPO]: { files: repoFromFolder(tinyLlama) } });
  const cacheDir = tempDir('hub-cache', t);
  try {
    const real = readFileSync(path.join(tinyLlama, 'onnx', 'model.onnx'));
    const blob = path.join(cacheDir, repoFolderName(REPO), 'blobs', hub.sha256(REPO, 'onnx/model.onnx'));
    mkdirSync(path.dirname(blob), { recursive: true });
    writeFileSync(`${blob}.incomplete`, real.subarray(0, 200_000));
    const lines: string[] = [];
    await fetchModel({
      repo: REPO,
      cacheDir,
      endpoint: hub.url,
      logger: { info: (m) => lines.push(m), warn: () => {} },
    });
    const cdn = hub.calls.filter((c) => c.path.startsWith('/cdn/'));
    assert.deepEqual(
      cdn.map((c) => c.range),
      ['bytes=200000-'],
    );
    assert.deepEqual(readFileSync(blob), real);
    assert.ok(
      lines.some((l) => /resuming onnx\/model\.onnx at 195 KB/.test(l)),
      lines.join('\n'),
    );
    assert.equal(statSync(blob).size, real.length);
  } finally {
    await hub.close();
  }
});

test('file selection: the asked-for variant with its external data, the graph last; a missing variant lists the ones there are', () => {
  const paths = [
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'README.md',
    'onnx/model.onnx',
    'onnx/model_q4.onnx',
    'onnx/model_q4.onnx_data',
    'onnx/model_q4.onnx_data_1',
    'onnx/model_fp16.onnx',
    'onnx/model_fp16.onnx_data',
  ];
  assert.deepEqual(selectModelFiles(REPO, paths, 'model_q4.onnx'), {
    graph: 'onnx/model_q4.onnx',
    files: [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model_q4.onnx_data',
      'onnx/model_q4.onnx_data_1',
      'onnx/model_q4.onnx',
    ],
  });
  assert.equal(selectModelFiles(REPO, paths).graph, 'onnx/model.onnx');
  assert.deepEqual(externalDataOf('onnx/model.onnx', paths), []);
  assert.deepEqual(
    externalDataOf('model.onnx', ['model.onnx', 'model.onnx.data', 'model.onnx_data_2', 'model.onnx.bak']),
    ['model.onnx.data', 'model.onnx_data_2'],
  );
  assert.throws(
    () => selectModelFiles(REPO, paths, 'model_int8.onnx'),
    /has no LOCAL_MODEL_FILE "model_int8\.onnx" \(it has onnx\/model\.onnx, onnx\/model_q4\.onnx, onnx\/model_fp16\.onnx\)/,
  );
  assert.throws(
    () => selectModelFiles(REPO, ['config.json', 'model.safetensors']),
    /has no tokenizer\.json: not a Hugging Face model export/,
  );
});

test('parseModelRef: org/name with an optional @revision; anything else is a TypeError', () => {
  assert.deepEqual(parseModelRef('onnx-community/Qwen2.5-0.5B-Instruct'), {
    repo: 'onnx-community/Qwen2.5-0.5B-Instruct',
    revision: 'main',
  });
  assert.deepEqual(parseModelRef('org/name@refs/pr/1'), { repo: 'org/name', revision: 'refs/pr/1' });
  for (const bad of ['name', 'a/b/c', '../x', 'org/..', 'org/name@'])
    assert.throws(() => parseModelRef(bad), TypeError, bad);
});
