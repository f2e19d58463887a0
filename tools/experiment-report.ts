/**
 * Experiment report CLI: the HTML view of one experiment (conversion over
 * time per variant with interval bands, and the decision), from the
 * gateway's database (DATABASE_URL or DATABASE_PATH, as the server reads
 * them), as one self-contained file.
 *
 *   npm run experiment-report -- --id EXPERIMENT_ID --out reports/experiment.html [--db FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openStorage } from '../src/storage/index.js';
import { experimentReport } from '../src/experiments/experiment.service.js';
import { renderExperimentHtml } from '../src/experiments/report-html.js';

const USAGE = 'usage: experiment-report --id EXPERIMENT_ID --out FILE.html [--db FILE]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { id: { type: 'string' }, out: { type: 'string' }, db: { type: 'string' } },
  });
  if (!values.id || !values.out || !/\.html?$/i.test(values.out)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const config = loadConfig({ seedCatalog: false, ...(values.db ? { databasePath: values.db } : {}) });
  const storage = await openStorage(config);
  try {
    const report = await experimentReport(storage.experiments, values.id);
    mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
    writeFileSync(values.out, renderExperimentHtml(report));
    console.log(
      `${report.analysis.decision}${report.analysis.winnerId ? ` (${report.analysis.winnerId})` : ''}: ${report.analysis.reason}\nwrote ${values.out}`,
    );
  } finally {
    await storage.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
