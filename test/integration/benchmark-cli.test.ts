import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chapter4Dir, fixturesDir, repoRoot } from '../helpers/paths.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { launchBrowser } from '../helpers/browser.js';
import { parseDatasetCsv } from '../../src/evaluation/benchmark/dataset.js';
import { trainTestSplit } from '../../src/evaluation/benchmark/stats.js';

const cli = path.join(repoRoot, 'dist', 'tools', 'benchmark.js');
const bundled = path.join(repoRoot, 'models', 'stylesprint-desc');
/** The bundled model, or the tiny fixture while it is being trained. */
const localModel = existsSync(path.join(bundled, 'config.json')) ? bundled : path.join(fixturesDir, 'models', 'tiny-gpt2');

let fake: FakeOpenAI;
let dir: string;
before(async () => {
  // A model that answers with its prompt: its rows must be flagged PROMPT_ECHO and excluded.
  fake = await startFakeOpenAI({ echoPrompt: true });
  dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-benchmark-cli-'));
});
after(async () => {
  await fake.close();
  if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with a clean gateway environment (stdout is a pipe, so progress is plain lines). */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PROVIDERS|OPENAI_|EMBEDDINGS_|CLIP_|LOCAL_|DATABASE_)/.test(k)));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...clean, LOG_LEVEL: 'error', ORT_EXECUTION_PROVIDER: 'cpu', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const TABLE_IDS = ['lexical', 'semantic', 'clip', 'latency-cost', 'significance'];
const providerEnv = () => ({ PROVIDERS: 'onnx,openai', OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'test-key', LOCAL_MODEL_DIR: localModel });

test('CLI: onnx vs a fake OpenAI on product_data.csv writes both reports; semantic and CLIP are null with a reason', async () => {
  const out = path.join(dir, 'plain', 'report.html');
  const dataset = path.join(chapter4Dir, 'product_data.csv');
  const r = await runCli(['--dataset', dataset, '--providers', 'onnx,openai', '--out', out], providerEnv());
  assert.equal(r.code, 0, r.stderr);
  const rows = parseDatasetCsv(readFileSync(dataset, 'utf8'));
  const tested = trainTestSplit(rows.length, 0.2, 42).test.length;
  assert.match(r.stdout, new RegExp(`progress ${tested * 2}/${tested * 2}`));
  assert.ok(fake.calls.filter((c) => c.route === 'chat.completions').length >= 1, 'the OpenAI model was called');
  const html = readFileSync(out, 'utf8');
  for (const id of TABLE_IDS) assert.match(html, new RegExp(`<table id="${id}"`), `table ${id}`);
  assert.match(html, /EMBEDDINGS_NOT_CONFIGURED/);
  assert.match(html, /CLIP_NOT_CONFIGURED/);
  assert.doesNotMatch(html, /(src|href)="https?:/, 'no external assets');
  const md = readFileSync(path.join(dir, 'plain', 'report.md'), 'utf8');
  assert.match(md, /## Lexical similarity/);
  assert.match(md, /\| onnx \|/);
  assert.match(md, /\| openai \|/);
  assert.match(md, /## Verdict/);
  // Only the test split is scored: the drill-down lists exactly that many rows.
  assert.equal((html.match(/<details>/g) ?? []).length, tested);
});

test('CLI: with tiny-bert embeddings and tiny-clip, semantic and CLIP scores are real numbers', async () => {
  const out = path.join(dir, 'models', 'report.html');
  const r = await runCli(['--dataset', path.join(chapter4Dir, 'product_data.csv'), '--providers', 'onnx,openai', '--out', out], {
    ...providerEnv(),
    EMBEDDINGS_PROVIDER: 'onnx',
    EMBEDDINGS_MODEL_DIR: path.join(fixturesDir, 'models', 'tiny-bert'),
    CLIP_MODEL_DIR: path.join(fixturesDir, 'models', 'tiny-clip'),
  });
  assert.equal(r.code, 0, r.stderr);
  const md = readFileSync(path.join(dir, 'models', 'report.md'), 'utf8');
  // The fake OpenAI server answers by echoing the prompt, so its rows are excluded: the checks work end to end.
  assert.match(md, /\| openai \| \d+ \|[^\n]*PROMPT_ECHO/);
  const semantic = md.split('## Semantic similarity')[1]!.split('##')[0]!;
  assert.match(semantic, /\| onnx \| -?\d\.\d{3} \[/);
  assert.doesNotMatch(semantic, /NOT_CONFIGURED/);
  const clip = md.split('## CLIP score')[1]!.split('##')[0]!;
  assert.match(clip, /\| onnx \| \d+\.\d{2} \[[^|]+\] \| -?\d+\.\d{2} \[/, 'CLIP score and reference delta');
});

test('CLI --candidates: GPT-Neo rows are excluded as reference leaks, GPT-3.5 rows are not; report renders in Chromium', async () => {
  const out = path.join(dir, 'candidates', 'report.html');
  const r = await runCli([
    '--dataset', path.join(chapter4Dir, 'reference_data.csv'),
    '--candidates', path.join(chapter4Dir, 'gpt3_descriptions.csv'),
    '--candidates', path.join(chapter4Dir, 'gptneo_descriptions.csv'),
    '--all-rows', '--out', out,
  ], { PROVIDERS: 'openai', OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'test-key' });
  assert.equal(r.code, 0, r.stderr);
  const md = readFileSync(path.join(dir, 'candidates', 'report.md'), 'utf8');
  const rows = parseDatasetCsv(readFileSync(path.join(chapter4Dir, 'reference_data.csv'), 'utf8')).length;
  const excluded = md.split('## Excluded rows')[1]!;
  assert.equal((excluded.match(/\| gptneo_descriptions \| \d+ \|[^\n]*REFERENCE_LEAK/g) ?? []).length, rows, 'every GPT-Neo row leaks');
  assert.doesNotMatch(excluded, /gpt3_descriptions/);
  assert.match(md, /\| gpt3_descriptions \| \d\.\d{3} \[/);
  assert.match(md, /\| gptneo_descriptions \| null \(ALL_ROWS_EXCLUDED\)/);

  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const external: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith('file:')) external.push(req.url());
    });
    await page.goto(`file://${out}`);
    for (const id of [...TABLE_IDS, 'excluded-rows']) assert.equal(await page.locator(`table#${id}`).count(), 1, `table ${id}`);
    assert.ok((await page.locator('svg').count()) >= 1, 'charts are inline SVG');
    await page.locator('details').first().click();
    const shot = path.join(process.env.BENCHMARK_SCREENSHOT_DIR ?? dir, 'benchmark-report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(existsSync(shot));
    assert.deepEqual(external, [], 'no external requests');
  } finally {
    await close();
  }
});
