/**
 * Proof by simulation of the experiment statistics: simulated shoppers with
 * known true add-to-cart rates, looked at every day.
 *
 * - A/A (both 5%): how often the always-valid test stops with a "winner"
 *   (a false positive; target ≤ 5%), against the naive rule of stopping on
 *   the first day a fixed 95% interval excludes no difference.
 * - A/B (5.0% vs 6.5%, 20,000 sessions): how often it finds the better
 *   variant (target ≥ 80%), and with Thompson allocation, the better
 *   variant's share of the traffic by the end (target: most of it).
 *
 * Run: npm run bench:experiments [-- --runs N --seed S]
 * [--driver graphql [--database-url postgresql://… of an empty database the
 * gateway may create its tables in]]
 * (writes the "experiments" sections of docs/experiments.md and docs/benchmarks.md).
 * --scenario NAME (repeatable) runs some scenarios only, and --explore X sets
 * Thompson's even share; either prints the table without writing the docs,
 * except that a server run of some scenarios replaces just their rows in its
 * section (to rerun one with more --runs), keeping the others'.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ANALYSIS_DEFAULTS, THOMPSON_DEFAULTS, wilsonInterval } from '../../src/experiments/index.js';
import { writeSection } from '../report.js';
import type { ExperimentDriver } from './driver.js';
import { createInProcessDriver } from './in-process.js';
import { createGraphQLDriver } from './graphql.js';
import { replaceRows, sectionBody } from './doc-rows.js';
import { runScenario, type Scenario, type ScenarioSummary } from './simulate.js';
import { must } from '../../test/helpers/must.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const experimentsDoc = path.join(repoRoot, 'docs', 'experiments.md');

/** Thompson weights in the simulation: recomputed every 4 simulated hours from 2,000 draws (the store: 5 minutes, 10,000). */
const SIMULATION_THOMPSON = { refreshSeconds: 4 * 3600, draws: 2000 };

interface DriverOptions {
  explore?: number;
  databaseUrl?: string;
}

/** Drivers by name: the pure functions in this process, or a real gateway over HTTP (Thompson's draws are then the store's). */
const DRIVERS: Record<string, (options: DriverOptions) => ExperimentDriver> = {
  'in-process': ({ explore }) =>
    createInProcessDriver({ ...SIMULATION_THOMPSON, ...(explore === undefined ? {} : { explore }) }),
  graphql: ({ databaseUrl }) =>
    createGraphQLDriver({
      refreshSeconds: SIMULATION_THOMPSON.refreshSeconds,
      ...(databaseUrl ? { databaseUrl } : {}),
    }),
};

const BASE = { sessions: 20_000, days: 28, minSample: 1000 };
const SCENARIOS: Scenario[] = [
  { name: 'aa-fixed', rates: [0.05, 0.05], allocation: 'FIXED', runs: 2000, ...BASE },
  { name: 'aa-thompson', rates: [0.05, 0.05], allocation: 'THOMPSON', runs: 500, ...BASE },
  { name: 'ab-fixed', rates: [0.05, 0.065], allocation: 'FIXED', runs: 1000, ...BASE },
  { name: 'ab-thompson', rates: [0.05, 0.065], allocation: 'THOMPSON', runs: 500, ...BASE },
  // Ten times the sessions: long enough for the "no difference" rule to stop A/A tests.
  { name: 'aa-long', rates: [0.05, 0.05], allocation: 'FIXED', runs: 200, ...BASE, sessions: 200_000 },
];

/**
 * Through the real server: fewer runs (a run takes seconds, not
 * milliseconds), so the rates carry wide intervals; the in-process driver
 * keeps the many-run rates.
 */
const SERVER_RUNS: Record<string, number> = { 'aa-fixed': 60, 'ab-fixed': 30, 'aa-thompson': 40, 'ab-thompson': 30 };

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
function rate(count: number, runs: number): string {
  const ci = wilsonInterval(count, runs);
  return `${pct(count / runs)} (${pct(ci.lower)}–${pct(ci.upper)})`;
}

interface Check {
  what: string;
  met: boolean;
}

function checks(s: ScenarioSummary): Check[] {
  const n = s.runs;
  const name = s.scenario.name;
  if (name.startsWith('aa')) return [{ what: `${name}: false positives ≤ 5%`, met: s.winnerStops / n <= 0.05 }];
  const out = [{ what: `${name}: better variant found in ≥ 80% of runs`, met: s.rightWinner / n >= 0.8 }];
  if (s.scenario.allocation === 'THOMPSON')
    out.push({ what: `${name}: better variant gets most of the last day's traffic`, met: s.bestShareLastDay > 0.5 });
  return out;
}

function row(s: ScenarioSummary): string {
  const sc = s.scenario;
  const distinct = new Set(sc.rates).size > 1;
  const rates = sc.rates.map((r) => pct(r)).join(' vs ');
  const found = distinct ? rate(s.rightWinner, s.runs) : '—';
  const wrong = rate(s.wrongWinner, s.runs);
  const naiveWrong = rate(s.naiveWrong, s.runs);
  const naiveFound = distinct ? rate(s.naiveRight, s.runs) : '—';
  const share = distinct ? `${pct(s.bestShareLastDay)} / ${pct(s.bestShare)}` : '—';
  return `| ${sc.name} | ${rates} | ${sc.allocation} | ${sc.sessions.toLocaleString('en-US')} / ${sc.days} | ${s.runs} | ${found} | ${wrong} | ${rate(s.noDifferenceStops, s.runs)} | ${s.medianStopDay ?? '—'} | ${share} | ${naiveFound} | ${naiveWrong} |`;
}

const TABLE_HEADER = [
  "| scenario | true rates | allocation | sessions / days | runs | better variant found | wrong winner (A/A: false positive) | stopped for no difference | median stop day | best variant's traffic, last day / whole run | naive: better found | naive: wrong winner |",
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
];

/** The server runs' table, in its own section of docs/experiments.md (one per database). */
function writeServerSection(
  driverName: string,
  summaries: ScenarioSummary[],
  all: Check[],
  command: string,
  seed: number,
  postgres: boolean,
): void {
  const minutes = Math.ceil(summaries.reduce((s, x) => s + x.seconds, 0) / 60);
  const body = [
    `Driver: ${driverName}. The same shoppers and looks as above, through the API: each run creates its experiment with \`createExperiment\` (the control's texts published, the variant's approved, through the publication lifecycle), every session reads \`Product.description(sessionId)\` and reports an IMPRESSION and, when it converts, an ADD_TO_CART with \`recordEvents\`, and the day's look is \`experiment(id)\`. The gateway's experiment clock is the simulation's. Thompson epochs are ${SIMULATION_THOMPSON.refreshSeconds / 3600} simulated hours (the store's draws). Fewer runs than the in-process driver, so the intervals over runs are wide: this shows that the loop through the server decides as the pure functions do, and the in-process table above gives the error rates with their precision. Each run's experiment has a new id, which the assignment hashes, so runs of the same seed on two databases see different shoppers: read the two tables' differences against their intervals.`,
    '',
    ...TABLE_HEADER,
    ...summaries.map(row),
    '',
    ...all.map(serverCheckLine),
    '',
    `Reproduce: \`${command}\` (seed ${seed}; about ${minutes} minutes here).`,
  ].join('\n');
  writeSection(serverSection(postgres), serverTitle(postgres), body, experimentsDoc);
}

const serverSection = (postgres: boolean): string => (postgres ? 'experiments-server-postgres' : 'experiments-server');
const serverTitle = (postgres: boolean): string =>
  `Simulation through the real server (${postgres ? 'PostgreSQL' : 'SQLite'})`;
const serverCheckLine = (c: Check): string => `- ${c.met ? 'Met' : '**Not met**'} (point estimate): ${c.what}.`;

/** A rerun of some scenarios through the server: their rows, checks and reproduce lines replaced, the others' kept. */
function rewriteServerRows(summaries: ScenarioSummary[], command: string, seed: number, postgres: boolean): void {
  const body = sectionBody(readFileSync(experimentsDoc, 'utf8'), serverSection(postgres));
  if (body === null)
    throw new Error(`docs/experiments.md has no ${serverSection(postgres)} section: run all its scenarios`);
  const reruns = summaries.map((s) => ({
    name: s.scenario.name,
    row: row(s),
    checks: checks(s).map(serverCheckLine),
    reproduce: `\`${command}\` (seed ${seed}; about ${Math.ceil(s.seconds / 60)} minutes here).`,
  }));
  writeSection(serverSection(postgres), serverTitle(postgres), replaceRows(body, reruns), experimentsDoc);
}

/** The in-process table in docs/experiments.md and its summary in docs/benchmarks.md. */
function writeInProcessSections(
  driverName: string,
  summaries: ScenarioSummary[],
  all: Check[],
  command: string,
  seed: number,
): void {
  const header = TABLE_HEADER;
  const body = [
    `Driver: ${driverName}. Sessions arrive evenly, hour by hour; each sees its variant once and adds to cart with its variant's true rate; the analysis is looked at at the end of every day, and a run counts the first stop it recommends. Test settings are the defaults (alpha ${ANALYSIS_DEFAULTS.alpha}, mixing sd ${ANALYSIS_DEFAULTS.mixingSd}, minimum effect ${pct(ANALYSIS_DEFAULTS.minimumEffect)}) with a minimum sample of ${BASE.minSample} per variant. Thompson weights are recomputed every ${SIMULATION_THOMPSON.refreshSeconds / 3600} simulated hours from ${SIMULATION_THOMPSON.draws.toLocaleString('en-US')} draws, with the default even share (explore) of ${THOMPSON_DEFAULTS.explore}. Percentages carry a 95% Wilson interval over the runs. The naive rule is the baseline: stop on the first day a fixed-sample 95% interval of the difference excludes 0.`,
    '',
    ...header,
    ...summaries.map(row),
    '',
    ...all.map((c) => `- ${c.met ? 'Met' : '**Not met**'}: ${c.what}.`),
    '',
    `Reproduce: \`${command}\` (seed ${seed}; about ${Math.ceil(summaries.reduce((s, x) => s + x.seconds, 0) / 60)} minutes here).`,
  ].join('\n');
  writeSection('experiments', 'Simulation results', body, experimentsDoc);
  const aa = must(
    summaries.find((s) => s.scenario.name === 'aa-fixed'),
    'the aa-fixed summary',
  );
  const ab = must(
    summaries.find((s) => s.scenario.name === 'ab-fixed'),
    'the ab-fixed summary',
  );
  const fp = aa.winnerStops / aa.runs;
  const naiveFp = aa.naiveWrong / aa.runs;
  writeSection(
    'experiments',
    'Experiment statistics (simulation)',
    [
      'Daily looks at simulated A/A and A/B tests through the pure functions of `src/experiments`; the full table and method are in [docs/experiments.md](experiments.md#simulation-results).',
      '',
      '| measure | always-valid test | naive daily fixed-sample test (baseline) | ratio |',
      '|---|---|---|---|',
      `| A/A false positives (${aa.runs} runs) | ${pct(fp)} | ${pct(naiveFp)} | ${naiveFp > 0 ? (fp / naiveFp).toFixed(2) : '—'}× |`,
      `| A/B 5.0% vs 6.5%: better variant found (${ab.runs} runs) | ${pct(ab.rightWinner / ab.runs)} | ${pct(ab.naiveRight / ab.runs)} | ${(ab.rightWinner / Math.max(1, ab.naiveRight)).toFixed(2)}× |`,
      '',
      `Reproduce: \`${command}\``,
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      seed: { type: 'string', default: '1' },
      driver: { type: 'string', default: 'in-process' },
      explore: { type: 'string' },
      'database-url': { type: 'string' },
    },
  });
  const makeDriver = DRIVERS[values.driver];
  if (!makeDriver)
    throw new Error(`unknown driver ${JSON.stringify(values.driver)}; known: ${Object.keys(DRIVERS).join(', ')}`);
  const whole = (flag: string, text: string): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new Error(`--${flag} must be a whole number ≥ 1, got ${JSON.stringify(text)}`);
    return n;
  };
  const seed = whole('seed', values.seed);
  const runs = values.runs === undefined ? undefined : whole('runs', values.runs);
  const server = values.driver !== 'in-process';
  const known = server
    ? SCENARIOS.flatMap((s) => {
        const serverRuns = SERVER_RUNS[s.name];
        return serverRuns ? [{ ...s, runs: serverRuns }] : [];
      })
    : SCENARIOS;
  const chosen = known
    .filter((s) => !values.scenario || values.scenario.includes(s.name))
    .map((s) => (runs ? { ...s, runs } : s));
  if (chosen.length === 0)
    throw new Error(
      `no scenario named ${values.scenario?.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  const driver = makeDriver({
    ...(values.explore === undefined ? {} : { explore: Number(values.explore) }),
    ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
  });
  const summaries: ScenarioSummary[] = [];
  try {
    for (const scenario of chosen) {
      const summary = await runScenario(driver, scenario, seed, (done) => {
        if (done % 100 === 0 || values.driver !== 'in-process')
          process.stdout.write(`\r${scenario.name}: ${done}/${scenario.runs} runs`);
      });
      summaries.push(summary);
      console.log(`\r${row(summary)}  (${summary.seconds.toFixed(0)} s)`);
    }
  } finally {
    await driver.close();
  }
  const all = summaries.flatMap(checks);
  for (const c of all) console.log(`${c.met ? 'met' : 'NOT MET'}: ${c.what}`);
  const subset = chosen.length < known.length;
  const flags = [
    ...(server ? [`--driver ${values.driver}`] : []),
    ...(values['database-url'] ? ['--database-url URL'] : []),
    ...(runs ? [`--runs ${runs}`] : []),
    ...(seed !== 1 ? [`--seed ${seed}`] : []),
    ...(subset ? chosen.map((s) => `--scenario ${s.name}`) : []),
  ];
  const command = `npm run bench:experiments${flags.length ? ` -- ${flags.join(' ')}` : ''}`;
  if (values.explore !== undefined || (subset && !server)) {
    console.log('(a subset of the scenarios, or a non-default setting: docs not written)');
    return;
  }
  if (server) {
    const postgres = !!values['database-url'];
    if (subset) rewriteServerRows(summaries, command, seed, postgres);
    else writeServerSection(driver.name, summaries, all, command, seed, postgres);
    console.log(`wrote docs/experiments.md${subset ? ` (the ${chosen.map((s) => s.name).join(', ')} rows)` : ''}`);
    return;
  }
  writeInProcessSections(driver.name, summaries, all, command, seed);
  console.log('wrote docs/experiments.md and docs/benchmarks.md');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
