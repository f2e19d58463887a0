import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chapter4Dir, fixturesDir, repoRoot } from '../helpers/paths.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { launchBrowser } from '../helpers/browser.js';
import { must } from '../helpers/must.js';
import { parseCandidatesCsv, parseDatasetCsv } from '../../src/evaluation/benchmark/dataset.js';
import { checkFacts } from '../../src/evaluation/checks/facts/index.js';
import { trainTestSplit } from '../../src/evaluation/benchmark/stats.js';

const cli = path.join(repoRoot, 'dist', 'tools', 'benchmark.js');
const bundled = path.join(repoRoot, 'models', 'stylesprint-desc');
/** The bundled model, or the tiny fixture while it is being trained. */
const localModel = existsSync(path.join(bundled, 'config.json'))
  ? bundled
  : path.join(fixturesDir, 'models', 'tiny-gpt2');

let echoing: FakeOpenAI;
let writing: FakeOpenAI;
let dir: string;
let browser: Browser;
// Unset when before() failed to launch it.
let closeBrowser: (() => Promise<void>) | undefined;
before(async () => {
  // A model that answers with its prompt: its rows must be flagged PROMPT_ECHO and excluded.
  echoing = await startFakeOpenAI({ echoPrompt: true });
  // A model that writes a description from the prompt: its rows are kept.
  writing = await startFakeOpenAI();
  dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-benchmark-cli-'));
  ({ browser, close: closeBrowser } = await launchBrowser());
});
after(async () => {
  await closeBrowser?.();
  await echoing.close();
  await writing.close();
  if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with a clean gateway environment (stdout is a pipe, so progress is plain lines). */
function runCli(
  args: string[],
  env: Record<string, string> = {},
  cwd = repoRoot,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(PROVIDERS|OPENAI_|HUGGINGFACEHUB_|HF_|EMBEDDINGS_|CLIP_|LOCAL_|DATABASE_)/.test(k),
    ),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd,
      env: { ...clean, LOG_LEVEL: 'error', ORT_EXECUTION_PROVIDER: 'cpu', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The report as Chromium parses it, with any request that leaves the file recorded. */
async function openReport(file: string): Promise<{ page: Page; external: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const external: string[] = [];
  page.on('request', (req) => {
    if (!req.url().startsWith('file:')) external.push(req.url());
  });
  await page.goto(`file://${file}`);
  return { page, external };
}

/** A table's body rows as cell texts. */
const tableRows = (page: Page, id: string): Promise<string[][]> =>
  page.$$eval(`table#${id} tbody tr`, (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent.trim())),
  );

/** Models in a table's first column. */
const modelsIn = async (page: Page, id: string): Promise<string[]> =>
  (await tableRows(page, id)).map((r) => must(r[0], `a model in table ${id}`));

/** The Markdown between `heading` and the next `##`; fails the test when the heading is missing. */
function section(md: string, heading: string): string {
  const start = md.indexOf(heading);
  assert.ok(start >= 0, `expected a "${heading}" section`);
  const end = md.indexOf('##', start + heading.length);
  return md.slice(start + heading.length, end < 0 ? undefined : end);
}

/** Scatter dots per model, for the chart whose aria-label mentions `axis`. */
async function dots(page: Page, axis: string): Promise<Record<string, number>> {
  const models = await page.$$eval(`svg[aria-label*="${axis}"] circle.point`, (cs) =>
    cs.map((c) => c.getAttribute('data-model')),
  );
  const counts: Record<string, number> = {};
  for (const model of models) {
    const name = must(model, "a dot's data-model");
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

const TABLE_IDS = [
  'standings',
  'lexical',
  'fact-check',
  'metadata-overlap',
  'semantic',
  'clip',
  'checks',
  'latency-cost',
  'significance',
];
const tested = (file: string) =>
  trainTestSplit(parseDatasetCsv(readFileSync(file, 'utf8')).length, 0.2, 42).test.length;

test('CLI: the README command from a clone, without an OpenAI key, runs onnx, skips openai with the reason, and writes X.md beside X.html', async () => {
  // The README's own command, run from the repository root; only --out differs, to keep the checkout clean.
  const line = readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('npm run benchmark -- ') && l.includes('--providers'));
  assert.ok(line, 'the README has the benchmark command');
  const args = line.slice('npm run benchmark -- '.length).split(/\s+/);
  const readme = args.filter((_, i) => args[i] !== '--out' && args[i - 1] !== '--out');
  assert.deepEqual(readme, ['--dataset', 'datasets/chapter4/product_data.csv', '--providers', 'onnx,openai']);
  const first = path.join(dir, 'readme', 'first.html');
  const r = await runCli([...readme, '--out', first]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /skipping openai: not configured: no API key; set OPENAI_API_KEY/);
  const n = tested(path.join(repoRoot, 'datasets', 'chapter4', 'product_data.csv'));
  assert.match(r.stdout, new RegExp(`progress ${n}/${n}\\n`), 'only onnx rows were run');

  const second = path.join(dir, 'readme', 'second.html');
  assert.equal((await runCli([...readme, '--out', second])).code, 0);
  assert.deepEqual(readdirSync(path.dirname(first)).sort(), ['first.html', 'first.md', 'second.html', 'second.md']);
  const summary = (f: string) => readFileSync(path.join(dir, 'readme', f), 'utf8');
  const firstMd = summary('first.md');
  const secondMd = summary('second.md');
  assert.notEqual(firstMd, secondMd, 'each run has its own summary');
  // Each row's generation is seeded from the run's seed: the same command writes the same texts, so the same scores.
  const lexical = (md: string) => section(md, '## Lexical similarity');
  assert.equal(lexical(secondMd), lexical(firstMd));
  assert.match(firstMd, /## Skipped providers[\s\S]*\| openai \| not configured/);

  const { page } = await openReport(first);
  try {
    assert.deepEqual(await tableRows(page, 'skipped'), [
      ['openai', 'not configured: no API key; set OPENAI_API_KEY, or OPENAI_BASE_URL for a compatible server'],
    ]);
    assert.deepEqual(await modelsIn(page, 'lexical'), ['onnx']);
    assert.match(must(await page.textContent('#run'), '#run'), /prompt v\d+ \(for onnx\)/);
    // One model left: it is the pick, or the recommendation says why it is not eligible.
    if (await page.locator('#pick').count()) assert.equal(await page.locator('#pick').textContent(), 'onnx');
    else
      assert.match(
        must(await page.locator('#recommendation').textContent(), '#recommendation'),
        /onnx is not eligible: /,
      );
    const excluded = (await tableRows(page, 'excluded-rows')).length;
    assert.equal((await dots(page, 'latency'))['onnx'], n - excluded, 'one latency dot per kept row');
  } finally {
    await page.close();
  }
});

test('CLI: onnx vs a fake OpenAI on product_data.csv: every table, one dot per kept row for each model, semantic and CLIP null with a reason', async () => {
  const out = path.join(dir, 'plain', 'report.html');
  const dataset = path.join(chapter4Dir, 'product_data.csv');
  const r = await runCli(['--dataset', dataset, '--providers', 'onnx,openai', '--out', out], {
    PROVIDERS: 'onnx,openai',
    OPENAI_BASE_URL: writing.baseURL,
    OPENAI_API_KEY: 'test-key',
    LOCAL_MODEL_DIR: localModel,
  });
  assert.equal(r.code, 0, r.stderr);
  const n = tested(dataset);
  assert.match(r.stdout, new RegExp(`progress ${n * 2}/${n * 2}`));
  assert.doesNotMatch(r.stderr, /skipping/);
  assert.ok(writing.calls.filter((c) => c.route === 'chat.completions').length >= 1, 'the OpenAI model was called');
  assert.ok(existsSync(path.join(dir, 'plain', 'report.md')));

  const { page, external } = await openReport(out);
  try {
    for (const id of TABLE_IDS) assert.equal(await page.locator(`table#${id}`).count(), 1, `table ${id}`);
    assert.equal(await page.locator('table#skipped').count(), 0);
    const semantic = await tableRows(page, 'semantic');
    assert.ok(semantic.every((row) => row[1]?.includes('EMBEDDINGS_NOT_CONFIGURED')));
    assert.ok((await tableRows(page, 'clip')).every((row) => row[1]?.includes('CLIP_NOT_CONFIGURED')));
    // Each kept row of each model is one dot on both charts (onnx costs $0 a row, the fake OpenAI has a list price).
    const excluded = await tableRows(page, 'excluded-rows');
    const keptOf = (model: string) => n - excluded.filter((row) => row[0] === model).length;
    for (const axis of ['latency', 'cost'])
      assert.deepEqual(await dots(page, axis), { onnx: keptOf('onnx'), openai: keptOf('openai') }, axis);
    // The recommendation names a model or says why none, and the rule is written out.
    assert.ok(must(await page.locator('#recommendation .pick').textContent(), 'the pick').length > 0);
    assert.ok((await page.locator('#recommendation ol.rule li').count()) >= 4);
    for (const li of await page.locator('#verdict li').allTextContents()) assert.doesNotMatch(li, /p = </, li);
    // Only the test split is scored: the drill-down lists exactly that many rows.
    assert.equal(await page.locator('#rows details').count(), n);
    assert.deepEqual(external, [], 'no external requests');
  } finally {
    await page.close();
  }
});

test('CLI: with tiny-bert embeddings and tiny-clip, semantic and CLIP scores are real numbers; an echoing model is excluded', async () => {
  const out = path.join(dir, 'models', 'report.html');
  const r = await runCli(
    ['--dataset', path.join(chapter4Dir, 'product_data.csv'), '--providers', 'onnx,openai', '--out', out],
    {
      PROVIDERS: 'onnx,openai',
      OPENAI_BASE_URL: echoing.baseURL,
      OPENAI_API_KEY: 'test-key',
      LOCAL_MODEL_DIR: localModel,
      EMBEDDINGS_PROVIDER: 'onnx',
      EMBEDDINGS_MODEL_DIR: path.join(fixturesDir, 'models', 'tiny-bert'),
      CLIP_MODEL_DIR: path.join(fixturesDir, 'models', 'tiny-clip'),
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const md = readFileSync(path.join(dir, 'models', 'report.md'), 'utf8');
  // The fake OpenAI server answers by echoing the prompt, so its rows are excluded: the checks work end to end.
  assert.match(md, /\| openai \| no kept rows \| \d+ of \d+ \(\d+%\) \| PROMPT_ECHO × \d+ \|/);
  assert.match(md, /openai is not eligible: only 0 of \d+ rows usable: \d+ excluded/);
  const semantic = section(md, '## Semantic similarity');
  assert.match(semantic, /\| onnx \| -?\d\.\d{3} \[/);
  assert.doesNotMatch(semantic, /NOT_CONFIGURED/);
  const clip = section(md, '## CLIP score');
  assert.match(clip, /\| onnx \| \d+\.\d{2} \[[^|]+\] \| -?\d+\.\d{2} \[/, 'CLIP score and reference delta');
});

test('CLI --candidates: GPT-Neo rows are excluded as reference leaks, GPT-3.5 is recommended; no prompt version; report renders in Chromium', async () => {
  const out = path.join(dir, 'candidates', 'report.html');
  const r = await runCli(
    [
      '--dataset',
      path.join(chapter4Dir, 'reference_data.csv'),
      '--candidates',
      path.join(chapter4Dir, 'gpt3_descriptions.csv'),
      '--candidates',
      path.join(chapter4Dir, 'gptneo_descriptions.csv'),
      '--all-rows',
      '--out',
      out,
    ],
    { PROVIDERS: 'openai', OPENAI_BASE_URL: echoing.baseURL, OPENAI_API_KEY: 'test-key' },
  );
  assert.equal(r.code, 0, r.stderr);
  const rows = parseDatasetCsv(readFileSync(path.join(chapter4Dir, 'reference_data.csv'), 'utf8')).length;

  const { page, external } = await openReport(out);
  try {
    for (const id of [...TABLE_IDS, 'excluded-rows'])
      assert.equal(await page.locator(`table#${id}`).count(), 1, `table ${id}`);
    const excluded = await tableRows(page, 'excluded-rows');
    assert.equal(
      excluded.filter((row) => row[0] === 'gptneo_descriptions' && row[3] === 'REFERENCE_LEAK').length,
      rows,
      'every GPT-Neo row leaks',
    );
    assert.ok(excluded.every((row) => row[0] !== 'gpt3_descriptions'));
    // Neither model came through the gateway: no prompt version anywhere, and sources say so.
    assert.doesNotMatch(must(await page.textContent('#run'), '#run'), /prompt/);
    assert.deepEqual(
      (await tableRows(page, 'latency-cost')).map((row) => row[1]),
      ['pre-generated file', 'pre-generated file'],
    );
    // GPT-Neo has no usable row, so GPT-3.5 is the only eligible model.
    assert.equal(await page.locator('#pick').textContent(), 'gpt3_descriptions');
    const standings = await tableRows(page, 'standings');
    const neo = must(
      standings.find((row) => row[0] === 'gptneo_descriptions'),
      'the GPT-Neo standing',
    );
    assert.match(must(neo.at(-1), 'its eligibility'), /^no: only 0 of \d+ rows usable/);
    // Nothing was timed or priced: no dots, and the charts say which models are missing.
    assert.deepEqual(await dots(page, 'latency'), {});
    assert.match(
      must(await page.locator('.scatter').first().textContent(), 'the scatter'),
      /gpt3_descriptions, gptneo_descriptions/,
    );
    const metadata = await tableRows(page, 'metadata-overlap');
    assert.deepEqual(
      metadata.map((row) => row[0]),
      ['gpt3_descriptions', 'gptneo_descriptions'],
    );
    assert.match(must(metadata[0]?.[1], 'the first overlap'), /^0\.\d{3} \[/);
    assert.equal(await page.locator('table#metadata-overlap tfoot td').first().textContent(), 'human references');

    // The fact check beside the metrics: each text against its CSV record (title and metadata), computed here.
    const dataset = parseDatasetCsv(readFileSync(path.join(chapter4Dir, 'reference_data.csv'), 'utf8'));
    const facts = await tableRows(page, 'fact-check');
    const checksTable = await tableRows(page, 'checks');
    const md = section(readFileSync(path.join(dir, 'candidates', 'report.md'), 'utf8'), '## Fact check');
    for (const [i, name] of ['gpt3_descriptions', 'gptneo_descriptions'].entries()) {
      const texts = parseCandidatesCsv(readFileSync(path.join(chapter4Dir, `${name}.csv`), 'utf8'), rows);
      const verdicts = texts.map((t, k) => {
        const record = must(dataset[k], `record ${k}`);
        return checkFacts(t, { title: record.title, attributes: record.attributes });
      });
      const n = (v: string) => verdicts.filter((x) => x.verdict === v).length;
      const findings = verdicts.reduce((sum, x) => sum + x.findings.length, 0);
      const pct = (x: number) => `${Math.round((x / rows) * 100)}%`;
      const expected = [
        name,
        String(rows),
        String(n('PASS')),
        String(n('REVIEW')),
        String(n('BLOCK')),
        pct(n('BLOCK')),
        pct(n('REVIEW')),
        (findings / rows).toFixed(2),
      ];
      assert.deepEqual(must(facts[i], `${name}'s fact check`).slice(0, 8), expected, name);
      assert.match(md, new RegExp(`\\| ${expected.join(' \\| ')} \\|`), `${name} in the Markdown`);
      // The Checks table has the blocked share as a column, weighed by the recommendation.
      assert.equal(checksTable[i]?.[2], `${n('BLOCK')} of ${rows} (${pct(n('BLOCK'))})`);
    }

    await page.locator('#rows details').first().click();
    const shot = path.join(process.env.BENCHMARK_SCREENSHOT_DIR ?? dir, 'benchmark-report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(existsSync(shot));
    assert.deepEqual(external, [], 'no external requests');
  } finally {
    await page.close();
  }
});

test('CLI: an unknown provider or an --out that is not HTML is a usage error (2); nothing to run after skipping is a failure (1)', async () => {
  const dataset = path.join(chapter4Dir, 'product_data.csv');
  const unknown = await runCli([
    '--dataset',
    dataset,
    '--providers',
    'onnx,opneai',
    '--out',
    path.join(dir, 'bad', 'r.html'),
  ]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown provider "opneai" \(known: openai, huggingface, onnx\)/);

  const md = await runCli(['--dataset', dataset, '--providers', 'onnx', '--out', path.join(dir, 'bad', 'r.md')]);
  assert.equal(md.code, 2);
  assert.match(md.stderr, /--out .*r\.md: name the HTML report/);

  const missing = await runCli(['--dataset', path.join(dir, 'nope.csv'), '--providers', 'onnx']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--dataset .*nope\.csv: no such file/);

  const none = await runCli(['--dataset', dataset, '--providers', 'openai', '--out', path.join(dir, 'bad', 'r.html')]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /skipping openai: not configured/);
  assert.match(none.stderr, /nothing to run: every provider named was skipped/);
  assert.equal(existsSync(path.join(dir, 'bad')), false, 'no report was written');
});
