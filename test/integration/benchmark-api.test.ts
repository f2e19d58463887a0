import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { chapter4Dir, fixturesDir, repoRoot } from '../helpers/paths.js';
import { existsSync } from 'node:fs';
import { parseDatasetCsv } from '../../src/evaluation/benchmark/dataset.js';
import { trainTestSplit } from '../../src/evaluation/benchmark/stats.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

const bundled = path.join(repoRoot, 'models', 'stylesprint-desc');
const localModelDir = existsSync(path.join(bundled, 'config.json')) ? bundled : path.join(fixturesDir, 'models', 'tiny-gpt2');

let fake: FakeOpenAI;
let server: TestServer;
before(async () => {
  // A model that answers with its prompt: its rows must be flagged PROMPT_ECHO and excluded.
  fake = await startFakeOpenAI({ echoPrompt: true });
  server = await startTestServer({ providers: ['onnx', 'openai'], openaiBaseUrl: fake.baseURL, openaiApiKey: 'test-key', localModelDir, ortExecutionProvider: 'cpu' });
});
after(async () => {
  await server.stop();
  await fake.close();
});

const RUN = `mutation Run($input: RunBenchmarkInput!) { runBenchmark(input: $input) { id status progress { done total } } }`;
const GET = `query Get($id: ID!) { benchmarkRun(id: $id) {
  id status error progress { done total } testRows
  models { model source rows excluded errors latencyP50Ms latencyP95Ms promptTokens completionTokens estimatedCostUsd
    metrics { metric mean lower upper n reason } flagCounts { code count } }
  comparisons { modelA modelB metric meanDifference pValue n }
  excludedRows { model rowIndex codes }
  rows { model rowIndex text bleu meteor semanticSimilarity semanticReason clipReason excluded flags { code } }
} }`;

async function poll(s: TestServer, id: string, until: (run: any) => boolean, timeoutMs = 60_000): Promise<any> {
  let run: any;
  const fetchRun = async (): Promise<any> => {
    const { body } = await s.gql(GET, { id });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    run = body.data.benchmarkRun;
    return until(run) && run;
  };
  return waitFor(fetchRun, { timeoutMs, intervalMs: 100, what: () => `run ${id} (still ${run?.status}, ${run?.progress.done}/${run?.progress.total})` });
}

const datasetCsv = () => readFileSync(path.join(chapter4Dir, 'product_data.csv'), 'utf8');

test('runBenchmark returns at once; benchmarkRun is polled to COMPLETED with summaries, tests and rows', async () => {
  const { body } = await server.gql(RUN, { input: { datasetCsv: datasetCsv(), providers: ['onnx', 'openai'] } });
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  const started = body.data.runBenchmark;
  assert.ok(['PENDING', 'RUNNING'].includes(started.status));
  const n = parseDatasetCsv(datasetCsv()).length;
  const split = trainTestSplit(n, 0.2, 42).test;
  assert.equal(started.progress.total, split.length * 2);

  const run = await poll(server, started.id, (r) => r.status === 'COMPLETED' || r.status === 'FAILED');
  assert.equal(run.status, 'COMPLETED', run.error);
  assert.deepEqual(run.testRows, split);
  assert.equal(run.progress.done, run.progress.total);
  assert.deepEqual(run.models.map((m: any) => m.model), ['onnx', 'openai']);
  const onnx = run.models[0];
  const meteor = onnx.metrics.find((m: any) => m.metric === 'meteor');
  assert.ok(meteor.mean !== null && meteor.lower <= meteor.mean && meteor.mean <= meteor.upper);
  assert.equal(onnx.metrics.find((m: any) => m.metric === 'semantic').reason, 'EMBEDDINGS_NOT_CONFIGURED');
  assert.equal(onnx.estimatedCostUsd, 0, 'local model costs nothing');
  assert.ok(onnx.latencyP50Ms > 0 && onnx.latencyP95Ms >= onnx.latencyP50Ms);
  // The fake answers with the prompt: every openai row is flagged and excluded, and listed.
  const openai = run.models[1];
  assert.equal(openai.excluded, split.length);
  assert.deepEqual(openai.flagCounts.find((f: any) => f.code === 'PROMPT_ECHO')?.count, split.length);
  assert.equal(run.excludedRows.filter((e: any) => e.model === 'openai' && e.codes.includes('PROMPT_ECHO')).length, split.length);
  assert.ok(openai.estimatedCostUsd > 0, 'gpt-4o-mini has a list price');
  assert.equal(run.rows.length, split.length * 2);
  assert.ok(run.comparisons.some((c: any) => c.modelA === 'onnx' && c.modelB === 'openai'));
});

test('runBenchmark with candidate sets pairs models: a copy of a set gives p = 1, the test detects a real gap', async () => {
  const rows = parseDatasetCsv(readFileSync(path.join(chapter4Dir, 'reference_data.csv'), 'utf8'));
  const gpt3 = readFileSync(path.join(chapter4Dir, 'gpt3_descriptions.csv'), 'utf8');
  const { parseCandidatesCsv } = await import('../../src/evaluation/benchmark/dataset.js');
  const texts = parseCandidatesCsv(gpt3, rows.length);
  const { body } = await server.gql(RUN, {
    input: {
      datasetCsv: readFileSync(path.join(chapter4Dir, 'reference_data.csv'), 'utf8'),
      candidates: [
        { name: 'a', texts },
        { name: 'copy', texts },
        { name: 'titles', texts: rows.map((r) => r.title) },
      ],
      allRows: true,
      metrics: ['METEOR', 'ROUGE_L'],
    },
  });
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  const run = await poll(server, body.data.runBenchmark.id, (r) => r.status === 'COMPLETED');
  const same = run.comparisons.find((c: any) => c.modelA === 'a' && c.modelB === 'copy' && c.metric === 'meteor');
  assert.equal(same.pValue, 1);
  assert.equal(same.meanDifference, 0);
  assert.ok(run.comparisons.every((c: any) => ['meteor', 'rougeL', 'semantic', 'clipScore', 'clipReferenceDelta'].includes(c.metric)));
  assert.equal(run.rows[0].bleu, null, 'BLEU was not asked for');
  // Bare product titles against full descriptions: a gap on 16 paired rows that the test must call significant.
  const gap = run.comparisons.find((c: any) => c.modelA === 'a' && c.modelB === 'titles' && c.metric === 'meteor');
  assert.ok(gap.n === rows.length && gap.pValue < 0.05, `p = ${gap.pValue}, diff = ${gap.meanDifference}`);
});

test('runBenchmark refuses bad input with BAD_USER_INPUT', async () => {
  const cases = [
    { providers: ['onnx'] },
    { datasetCsv: datasetCsv(), providers: ['huggingface'] },
    { datasetCsv: datasetCsv(), providers: ['onnx'], testShare: 0 },
    { datasetCsv: datasetCsv(), candidates: [{ name: 'x', texts: ['too few'] }] },
  ];
  for (const input of cases) {
    const { body } = await server.gql(RUN, { input });
    assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(input).slice(0, 80));
  }
});

test('evaluateText scores pairs and enforces limits', async () => {
  const q = `query E($pairs: [TextPairInput!]!, $metrics: [TextMetric!]) { evaluateText(pairs: $pairs, metrics: $metrics) {
    pairs { bleu rouge1 rougeL meteor flags { code } } mean { bleu meteor } } }`;
  const ref = 'A light linen shirt for warm summer evenings by the sea';
  const { body } = await server.gql(q, { pairs: [{ reference: ref, candidate: ref }, { reference: ref, candidate: 'Heavy wool coat' }], metrics: ['BLEU', 'METEOR'] });
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  const [same, other] = body.data.evaluateText.pairs;
  assert.ok(Math.abs(same.bleu - 1) < 1e-9);
  assert.equal(same.rouge1, null);
  assert.ok(other.meteor < same.meteor);
  assert.ok(same.flags.some((f: any) => f.code === 'REFERENCE_LEAK'));
  assert.ok(Math.abs(body.data.evaluateText.mean.meteor - (same.meteor + other.meteor) / 2) < 1e-12);
  const tooMany = await server.gql(q, { pairs: Array.from({ length: 501 }, () => ({ reference: 'a', candidate: 'b' })) });
  assert.equal(tooMany.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  const tooLong = await server.gql(q, { pairs: [{ reference: 'x'.repeat(5001), candidate: 'b' }] });
  assert.equal(tooLong.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
});

test('a run interrupted by a server stop is resumed at the next start (rows kept), never left RUNNING', async (t) => {
  const dir = tempDir('stylesprint-resume', t);
  const databasePath = path.join(dir, 'gateway.db');
  // Slow answers so that the stop lands mid-run.
  const slow = await startFakeOpenAI({ latencyMs: 150 });
  const config = { providers: ['openai' as const], openaiBaseUrl: slow.baseURL, openaiApiKey: 'k', databasePath };
  try {
    const first = await startTestServer(config);
    const { body } = await first.gql(RUN, { input: { datasetCsv: datasetCsv(), providers: ['openai'], allRows: true } });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const id = body.data.runBenchmark.id;
    const partial = await poll(first, id, (r) => r.progress.done > 0);
    await first.stop();
    assert.ok(partial.progress.done < partial.progress.total, 'stopped mid-run');

    const second = await startTestServer(config);
    try {
      const resumed = await poll(second, id, (r) => r.status !== 'RUNNING' && r.status !== 'PENDING');
      assert.equal(resumed.status, 'COMPLETED', resumed.error);
      assert.equal(resumed.progress.done, resumed.progress.total);
      const chats = slow.calls.filter((c) => c.route === 'chat.completions').length;
      assert.ok(chats < resumed.progress.total * 2, `rows done before the stop were not generated again (${chats} calls)`);
    } finally {
      await second.stop();
    }

    // A run whose provider is gone at restart is marked FAILED with the reason.
    const third = await startTestServer({ ...config, providers: ['openai'] });
    const { body: b2 } = await third.gql(RUN, { input: { datasetCsv: datasetCsv(), providers: ['openai'], allRows: true } });
    const id2 = b2.data.runBenchmark.id;
    await poll(third, id2, (r) => r.progress.done > 0);
    await third.stop();
    const fourth = await startTestServer({ ...config, providers: ['onnx'], localModelDir, ortExecutionProvider: 'cpu' });
    try {
      const failed = await poll(fourth, id2, () => true);
      assert.equal(failed.status, 'FAILED');
      assert.match(failed.error, /openai no longer configured/);
    } finally {
      await fourth.stop();
    }
  } finally {
    await slow.close();
  }
});
