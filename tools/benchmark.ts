/**
 * Benchmark CLI: compares models on a dataset in-process (the same services
 * the server builds, from config and the environment) and writes a
 * self-contained HTML report and a Markdown summary next to it.
 *
 *   npm run benchmark -- --dataset FILE --providers onnx,openai --out report.html
 *   npm run benchmark -- --dataset reference_data.csv --candidates gpt3.csv --candidates neo.csv --all-rows --out r.html
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
import { loadConfig, type ConfigInput } from '../src/config.js';
import { openStorage } from '../src/storage/index.js';
import { createServices } from '../src/services.js';
import { buildSpec, parseCandidatesCsv, parseDatasetCsv, summarize, testRows } from '../src/evaluation/benchmark/index.js';
import type { MetricName } from '../src/evaluation/metrics/index.js';
import { renderHtml, renderMarkdown } from '../src/evaluation/benchmark/report/index.js';

const USAGE = 'usage: benchmark --dataset FILE (--providers a,b | --candidates FILE ...) [--out report.html] [--seed N] [--test-share X] [--all-rows] [--metrics m1,m2] [--prompt-version vN] [--resamples N] [--db FILE] [--title TEXT]';

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
  const rows = parseDatasetCsv(readFileSync(datasetFile, 'utf8'), { baseDir: path.dirname(datasetFile) });
  const providers = values.providers?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const candidates = (values.candidates ?? []).map((file) => ({
    name: path.basename(file, path.extname(file)),
    texts: parseCandidatesCsv(readFileSync(file, 'utf8'), rows.length, path.basename(file)),
  }));
  const num = (v: string | undefined) => (v === undefined ? null : Number(v));
  const spec = buildSpec({
    rows,
    providers,
    candidates,
    seed: num(values.seed),
    testShare: num(values['test-share']),
    allRows: values['all-rows'],
    metrics: (values.metrics?.split(',').map((s) => s.trim()) as MetricName[] | undefined) ?? null,
    promptVersion: values['prompt-version'] ?? null,
    resamples: num(values.resamples),
  });

  const tempDir = values.db ? null : mkdtempSync(path.join(tmpdir(), 'stylesprint-benchmark-'));
  const overrides: Partial<ConfigInput> = { databasePath: values.db ?? path.join(tempDir!, 'benchmark.db'), seedCatalog: false };
  if (providers.length) overrides.providers = providers as ConfigInput['providers'];
  const config = loadConfig(overrides);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const storage = await openStorage(config);
  const services = await createServices(config, storage, logger);
  const progress = progressPrinter(process.stdout);
  try {
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
    const run = (await runner.get(runId))!;
    if (run.status !== 'COMPLETED') {
      process.stderr.write(`benchmark ${run.status}: ${run.error ?? 'unknown reason'}\n`);
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
    };
    const htmlFile = path.resolve(values.out);
    const mdFile = path.join(path.dirname(htmlFile), 'report.md');
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
    process.exit(1);
  },
);
