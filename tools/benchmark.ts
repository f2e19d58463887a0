/**
 * Benchmark CLI: compares models on a dataset in-process (the same services
 * the server builds, from config and the environment) and writes a
 * self-contained HTML report and a Markdown summary beside it (X.html, X.md).
 *
 *   npm run benchmark -- --dataset datasets/chapter4/product_data.csv --providers onnx,openai --out reports/chapter4.html
 *   npm run benchmark -- --dataset datasets/chapter4/reference_data.csv --candidates datasets/chapter4/gpt3_descriptions.csv --all-rows --out reports/candidates.html
 *
 * A named provider that is not configured (no key, no model) is skipped with
 * the reason, in the output and in the report; the run goes on with the rest.
 *
 * Options: --seed N (42), --test-share X (0.2), --all-rows, --metrics bleu,rougeL,...
 * (all), --prompt-version vN (default template), --resamples N (1000),
 * --db FILE (a temporary SQLite file), --title TEXT.
 */
import 'reflect-metadata';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ENV_NAMES, loadConfig, PROVIDER_IDS, type ConfigInput, type ProviderId } from '../src/config.js';
import { openStorage } from '../src/storage/index.js';
import { createServices } from '../src/services.js';
import {
  buildSpec,
  parseCandidatesCsv,
  parseDatasetCsv,
  summarize,
  testRows,
} from '../src/evaluation/benchmark/index.js';
import type { MetricName } from '../src/evaluation/metrics/index.js';
import { renderHtml, renderMarkdown, type SkippedProvider } from '../src/evaluation/benchmark/report/index.js';
import type { ProviderRegistry } from '../providers/index.js';

const USAGE =
  'usage: benchmark --dataset FILE (--providers a,b | --candidates FILE ...) [--out report.html] [--seed N] [--test-share X] [--all-rows] [--metrics m1,m2] [--prompt-version vN] [--resamples N] [--db FILE] [--title TEXT]';

function progressPrinter(out: NodeJS.WriteStream): { update(done: number, total: number): void; end(): void } {
  if (out.isTTY) {
    return {
      update(done, total) {
        const width = 30;
        const filled = total ? Math.round((done / total) * width) : width;
        out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
      },
      end: () => out.write('\n'),
    };
  }
  return { update: (done, total) => out.write(`progress ${done}/${total}\n`), end: () => {} };
}

/** A mistake in the command line: usage is printed and the exit code is 2. */
class UsageError extends Error {}

/** What to set to configure each provider, named from config's own table. */
const SETUP_HINT: Readonly<Record<ProviderId, string>> = {
  openai: `set ${ENV_NAMES.openaiApiKey}, or ${ENV_NAMES.openaiBaseUrl} for a compatible server`,
  huggingface: `set ${ENV_NAMES.huggingfaceToken} (or HF_TOKEN), or ${ENV_NAMES.hfEndpointUrl}`,
  onnx: `check ${ENV_NAMES.localModelDir}`,
};

/** The named providers split into those configured here and those skipped, with why. */
async function splitProviders(
  registry: ProviderRegistry,
  named: readonly ProviderId[],
): Promise<{ run: ProviderId[]; skipped: SkippedProvider[] }> {
  const health = new Map((await registry.describe()).map((p) => [p.id, p.health]));
  const run = named.filter((id) => registry.generator(id) !== undefined);
  const skipped = named
    .filter((id) => !run.includes(id))
    .map((id) => ({ provider: id, reason: `${health.get(id)?.lastError ?? 'not configured'}; ${SETUP_HINT[id]}` }));
  return { run, skipped };
}

function readInput(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${option} ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** The Markdown file beside the HTML one: report.html → report.md. */
function markdownPath(htmlFile: string): string {
  const ext = path.extname(htmlFile);
  if (!/^\.html?$/i.test(ext))
    throw new UsageError(
      `--out ${htmlFile}: name the HTML report (X.html); the Markdown summary is written beside it as X.md`,
    );
  return htmlFile.slice(0, -ext.length) + '.md';
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      providers: { type: 'string' },
      candidates: { type: 'string', multiple: true },
      out: { type: 'string', default: 'benchmark-report.html' },
      seed: { type: 'string' },
      'test-share': { type: 'string' },
      'all-rows': { type: 'boolean', default: false },
      metrics: { type: 'string' },
      'prompt-version': { type: 'string' },
      resamples: { type: 'string' },
      db: { type: 'string' },
      title: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.dataset) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const datasetFile = path.resolve(values.dataset);
  const htmlFile = path.resolve(values.out);
  const mdFile = markdownPath(htmlFile);
  const named =
    values.providers
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  const unknown = named.filter((p) => !(PROVIDER_IDS as readonly string[]).includes(p));
  if (unknown.length)
    throw new UsageError(
      `unknown provider ${unknown.map((p) => `"${p}"`).join(', ')} (known: ${PROVIDER_IDS.join(', ')})`,
    );
  const rows = parseDatasetCsv(readInput(datasetFile, '--dataset'), { baseDir: path.dirname(datasetFile) });
  const candidates = (values.candidates ?? []).map((file) => ({
    name: path.basename(file, path.extname(file)),
    texts: parseCandidatesCsv(readInput(file, '--candidates'), rows.length, path.basename(file)),
  }));
  const num = (v: string | undefined) => (v === undefined ? null : Number(v));
  // Checked before the models load, so a bad option fails at once; skipped providers are dropped from it below.
  const asked = buildSpec({
    rows,
    providers: named,
    candidates,
    seed: num(values.seed),
    testShare: num(values['test-share']),
    allRows: values['all-rows'],
    metrics: (values.metrics?.split(',').map((s) => s.trim()) as MetricName[] | undefined) ?? null,
    promptVersion: values['prompt-version'] ?? null,
    resamples: num(values.resamples),
  });

  const tempDir = values.db ? null : mkdtempSync(path.join(tmpdir(), 'stylesprint-benchmark-'));
  const overrides: Partial<ConfigInput> = {
    databasePath: tempDir === null ? (values.db ?? '') : path.join(tempDir, 'benchmark.db'),
    seedCatalog: false,
  };
  if (named.length) overrides.providers = named;
  const config = loadConfig(overrides);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const storage = await openStorage(config);
  const services = await createServices(config, storage, logger);
  try {
    const { run: providers, skipped } = await splitProviders(services.registry, named as ProviderId[]);
    for (const k of skipped) process.stderr.write(`benchmark: skipping ${k.provider}: ${k.reason}\n`);
    if (providers.length === 0 && candidates.length === 0) {
      process.stderr.write('benchmark: nothing to run: every provider named was skipped\n');
      return 1;
    }
    const spec = {
      ...asked,
      models: asked.models.filter((m) => m.kind !== 'provider' || providers.includes(m.provider as ProviderId)),
    };
    const progress = progressPrinter(process.stdout);
    const runner = services.benchmarks.runner;
    let runId = '';
    runner.onProgress((p) => {
      if (p.id === runId) progress.update(p.done, p.total);
    });
    const started = await runner.start(spec);
    runId = started.id;
    progress.update(0, started.total);
    await runner.settled(runId);
    progress.end();
    const run = await runner.get(runId);
    if (run?.status !== 'COMPLETED') {
      process.stderr.write(`benchmark ${run?.status ?? 'missing'}: ${run?.error ?? 'unknown reason'}\n`);
      return 1;
    }
    const results = await runner.results(runId);
    const input = {
      title: values.title ?? `Benchmark: ${spec.models.map((m) => m.name).join(' vs ')}`,
      runId,
      status: run.status,
      spec,
      summary: run.summary ?? summarize(spec, testRows(spec), results),
      results,
      generatedAt: new Date().toISOString(),
      skipped,
    };
    mkdirSync(path.dirname(htmlFile), { recursive: true });
    writeFileSync(htmlFile, renderHtml(input));
    writeFileSync(mdFile, renderMarkdown(input));
    process.stdout.write(`wrote ${htmlFile}\nwrote ${mdFile}\n`);
    return 0;
  } finally {
    await services.close();
    await storage.close();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`benchmark: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
