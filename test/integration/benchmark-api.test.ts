import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { chapter4Dir, fixturesDir, repoRoot } from '../helpers/paths.js';
import { existsSync } from 'node:fs';
import { parseCandidatesCsv, parseDatasetCsv } from '../../src/evaluation/benchmark/dataset.js';
import { checkFacts } from '../../src/evaluation/checks/facts/index.js';
import { trainTestSplit } from '../../src/evaluation/benchmark/stats.js';
import { tempDir } from '../helpers/temp-dir.js';
import { dataOf } from '../helpers/graphql.js';
import { must } from '../helpers/must.js';
import { print } from 'graphql';
import {
  BenchmarkRunDocument,
  EvaluateTextDocument,
  RunBenchmarkDocument,
  type BenchmarkRunQuery,
} from '../generated/graphql.js';
import { waitFor } from '../helpers/wait.js';

const bundled = path.join(repoRoot, 'models', 'stylesprint-desc');
const localModelDir = existsSync(path.join(bundled, 'config.json'))
  ? bundled
  : path.join(fixturesDir, 'models', 'tiny-gpt2');

let fake: FakeOpenAI;
let server: TestServer;
before(async () => {
  // A model that answers with its prompt: its rows must be flagged PROMPT_ECHO and excluded.
  fake = await startFakeOpenAI({ echoPrompt: true });
  server = await startTestServer({
    providers: ['onnx', 'openai'],
    openaiBaseUrl: fake.baseURL,
    openaiApiKey: 'test-key',
    localModelDir,
    ortExecutionProvider: 'cpu',
  });
});
after(async () => {
  await server.stop();
  await fake.close();
});

const RUN = RunBenchmarkDocument;
const GET = BenchmarkRunDocument;
type Run = NonNullable<BenchmarkRunQuery['benchmarkRun']>;

async function poll(s: TestServer, id: string, until: (run: Run) => boolean, timeoutMs = 60_000): Promise<Run> {
  let run: Run | null = null;
  const fetchRun = async (): Promise<Run | false> => {
    run = dataOf(await s.gql(GET, { id })).benchmarkRun;
    assert.ok(run, `run ${id} exists`);
    return until(run) && run;
  };
  return waitFor(fetchRun, {
    timeoutMs,
    intervalMs: 100,
    what: () => `run ${id} (still ${run?.status}, ${run?.progress.done}/${run?.progress.total})`,
  });
}

const datasetCsv = () => readFileSync(path.join(chapter4Dir, 'product_data.csv'), 'utf8');

test('runBenchmark returns at once; benchmarkRun is polled to COMPLETED with summaries, tests and rows', async () => {
  const started = dataOf(
    await server.gql(RUN, { input: { datasetCsv: datasetCsv(), providers: ['onnx', 'openai'] } }),
  ).runBenchmark;
  assert.ok(['PENDING', 'RUNNING'].includes(started.status));
  const n = parseDatasetCsv(datasetCsv()).length;
  const split = trainTestSplit(n, 0.2, 42).test;
  assert.equal(started.progress.total, split.length * 2);

  const run = await poll(server, started.id, (r) => r.status === 'COMPLETED' || r.status === 'FAILED');
  assert.equal(run.status, 'COMPLETED', run.error ?? undefined);
  assert.deepEqual(run.testRows, split);
  assert.equal(run.progress.done, run.progress.total);
  assert.deepEqual(
    run.models.map((m) => m.model),
    ['onnx', 'openai'],
  );
  const [onnx, openai] = run.models;
  assert.ok(onnx && openai);
  const meteor = onnx.metrics.find((m) => m.metric === 'meteor');
  assert.ok(meteor && meteor.mean !== null && meteor.lower !== null && meteor.upper !== null);
  assert.ok(meteor.lower <= meteor.mean && meteor.mean <= meteor.upper);
  assert.equal(onnx.metrics.find((m) => m.metric === 'semantic')?.reason, 'EMBEDDINGS_NOT_CONFIGURED');
  assert.equal(onnx.estimatedCostUsd, 0, 'local model costs nothing');
  assert.ok((onnx.latencyP50Ms ?? 0) > 0 && (onnx.latencyP95Ms ?? 0) >= (onnx.latencyP50Ms ?? 0));
  // The fake answers with the prompt: every openai row is flagged and excluded, and listed.
  assert.equal(openai.excluded, split.length);
  assert.deepEqual(openai.flagCounts.find((f) => f.code === 'PROMPT_ECHO')?.count, split.length);
  assert.equal(
    run.excludedRows.filter((e) => e.model === 'openai' && e.codes.includes('PROMPT_ECHO')).length,
    split.length,
  );
  assert.ok((openai.estimatedCostUsd ?? 0) > 0, 'gpt-4o-mini has a list price');
  assert.equal(run.rows.length, split.length * 2);
  assert.ok(run.comparisons.some((c) => c.modelA === 'onnx' && c.modelB === 'openai'));
});

test('runBenchmark with candidate sets pairs models: a copy of a set gives p = 1, the test detects a real gap', async () => {
  const rows = parseDatasetCsv(readFileSync(path.join(chapter4Dir, 'reference_data.csv'), 'utf8'));
  const gpt3 = readFileSync(path.join(chapter4Dir, 'gpt3_descriptions.csv'), 'utf8');
  const texts = parseCandidatesCsv(gpt3, rows.length);
  const started = await server.gql(RUN, {
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
  const run = await poll(server, dataOf(started).runBenchmark.id, (r) => r.status === 'COMPLETED');
  const same = run.comparisons.find((c) => c.modelA === 'a' && c.modelB === 'copy' && c.metric === 'meteor');
  assert.equal(same?.pValue, 1);
  assert.equal(same.meanDifference, 0);
  assert.ok(
    run.comparisons.every((c) =>
      ['meteor', 'rougeL', 'semantic', 'clipScore', 'clipReferenceDelta'].includes(c.metric),
    ),
  );
  assert.equal(run.rows[0]?.bleu, null, 'BLEU was not asked for');
  // Bare product titles against full descriptions: a gap on 16 paired rows that the test must call significant.
  const gap = run.comparisons.find((c) => c.modelA === 'a' && c.modelB === 'titles' && c.metric === 'meteor');
  assert.ok(
    gap && gap.n === rows.length && gap.pValue !== null && gap.pValue < 0.05,
    `p = ${gap?.pValue}, diff = ${gap?.meanDifference}`,
  );
});

test('runBenchmark on the chapter-4 candidates: per-model fact-check summaries and per-row findings, as the check reads each row against its CSV record', async () => {
  const csv = readFileSync(path.join(chapter4Dir, 'reference_data.csv'), 'utf8');
  const rows = parseDatasetCsv(csv);
  const sets = ['gpt3_descriptions', 'gptneo_descriptions'].map((name) => ({
    name,
    texts: parseCandidatesCsv(readFileSync(path.join(chapter4Dir, `${name}.csv`), 'utf8'), rows.length),
  }));
  const started = await server.gql(RUN, {
    input: { datasetCsv: csv, candidates: sets, allRows: true, metrics: ['BLEU', 'METEOR'] },
  });
  const run = await poll(server, dataOf(started).runBenchmark.id, (r) => r.status === 'COMPLETED');
  for (const set of sets) {
    // What the check says of each text against the record the CSV gives (title and metadata), computed here.
    const expected = set.texts.map((text, i) => {
      const record = must(rows[i], `record ${i}`);
      return checkFacts(text, { title: record.title, attributes: record.attributes });
    });
    const count = (v: string) => expected.filter((e) => e.verdict === v).length;
    const findings = expected.reduce((n, e) => n + e.findings.length, 0);
    const summary = run.models.find((m) => m.model === set.name)?.factCheck;
    assert.ok(summary, set.name);
    assert.deepEqual(
      {
        checked: summary.checked,
        pass: summary.pass,
        review: summary.review,
        block: summary.block,
        findings: summary.findings,
      },
      { checked: rows.length, pass: count('PASS'), review: count('REVIEW'), block: count('BLOCK'), findings },
      set.name,
    );
    assert.equal(summary.blockShare, count('BLOCK') / rows.length);
    assert.equal(summary.reviewShare, count('REVIEW') / rows.length);
    assert.equal(summary.findingsPerText, findings / rows.length);
    const byCode = new Map<string, number>();
    for (const f of expected.flatMap((e) => e.findings)) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
    for (const c of summary.topCodes) assert.equal(c.count, byCode.get(c.code), c.code);
    assert.equal(summary.topCodes.length, Math.min(5, byCode.size));
    assert.equal(summary.topCodes[0]?.count ?? 0, Math.max(0, ...byCode.values()), 'the most frequent code first');
    for (const row of run.rows.filter((r) => r.model === set.name)) {
      const e = must(expected[row.rowIndex], `the verdict on row ${row.rowIndex}`);
      assert.equal(row.factCheck?.verdict, e.verdict);
      assert.deepEqual(
        row.factCheck.findings,
        e.findings.map((f) => ({ code: f.code, severity: f.severity, start: f.start, end: f.end })),
      );
    }
  }
  // GPT-3.5 writes claims and details the metadata lacks; GPT-Neo copies the reference, so reads as cleaner: the check alone does not rank them.
  const gpt3 = must(run.models.find((m) => m.model === 'gpt3_descriptions')?.factCheck, "GPT-3.5's fact check");
  assert.ok(gpt3.review + gpt3.block > 0, 'GPT-3.5 texts have findings against the metadata');
});

test('runBenchmark refuses bad input with BAD_USER_INPUT', async () => {
  const cases = [
    { providers: ['onnx'] },
    { datasetCsv: datasetCsv(), providers: ['huggingface'] },
    { datasetCsv: datasetCsv(), providers: ['onnx'], testShare: 0 },
    { datasetCsv: datasetCsv(), candidates: [{ name: 'x', texts: ['too few'] }] },
  ];
  for (const input of cases) {
    // Wrong on purpose, so sent as text: the typed document would not let these through the compiler.
    const { body } = await server.gql(print(RUN), { input });
    assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(input).slice(0, 80));
  }
});

test('evaluateText scores pairs and enforces limits', async () => {
  const q = EvaluateTextDocument;
  const ref = 'A light linen shirt for warm summer evenings by the sea';
  const { evaluateText } = dataOf(
    await server.gql(q, {
      pairs: [
        { reference: ref, candidate: ref },
        { reference: ref, candidate: 'Heavy wool coat' },
      ],
      metrics: ['BLEU', 'METEOR'],
    }),
  );
  const [same, other] = evaluateText.pairs;
  assert.ok(
    same &&
      other &&
      same.bleu !== null &&
      same.meteor !== null &&
      other.meteor !== null &&
      evaluateText.mean.meteor !== null,
  );
  assert.ok(Math.abs(same.bleu - 1) < 1e-9);
  assert.equal(same.rouge1, null);
  assert.ok(other.meteor < same.meteor);
  assert.ok(same.flags.some((f) => f.code === 'REFERENCE_LEAK'));
  assert.ok(Math.abs(evaluateText.mean.meteor - (same.meteor + other.meteor) / 2) < 1e-12);
  const tooMany = await server.gql(q, {
    pairs: Array.from({ length: 501 }, () => ({ reference: 'a', candidate: 'b' })),
  });
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
    const { id } = dataOf(
      await first.gql(RUN, { input: { datasetCsv: datasetCsv(), providers: ['openai'], allRows: true } }),
    ).runBenchmark;
    const partial = await poll(first, id, (r) => r.progress.done > 0);
    await first.stop();
    assert.ok(partial.progress.done < partial.progress.total, 'stopped mid-run');

    const second = await startTestServer(config);
    try {
      const resumed = await poll(second, id, (r) => r.status !== 'RUNNING' && r.status !== 'PENDING');
      assert.equal(resumed.status, 'COMPLETED', resumed.error ?? undefined);
      assert.equal(resumed.progress.done, resumed.progress.total);
      const chats = slow.calls.filter((c) => c.route === 'chat.completions').length;
      assert.ok(
        chats < resumed.progress.total * 2,
        `rows done before the stop were not generated again (${chats} calls)`,
      );
    } finally {
      await second.stop();
    }

    // A run whose provider is gone at restart is marked FAILED with the reason.
    const third = await startTestServer({ ...config, providers: ['openai'] });
    const id2 = dataOf(
      await third.gql(RUN, { input: { datasetCsv: datasetCsv(), providers: ['openai'], allRows: true } }),
    ).runBenchmark.id;
    await poll(third, id2, (r) => r.progress.done > 0);
    await third.stop();
    const fourth = await startTestServer({
      ...config,
      providers: ['onnx'],
      localModelDir,
      ortExecutionProvider: 'cpu',
    });
    try {
      const failed = await poll(fourth, id2, () => true);
      assert.equal(failed.status, 'FAILED');
      assert.match(failed.error ?? '', /openai no longer configured/);
    } finally {
      await fourth.stop();
    }
  } finally {
    await slow.close();
  }
});
