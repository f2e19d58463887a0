/**
 * Simulated shoppers with known true rates, and what the experiment made of
 * them. Pure bookkeeping over an ExperimentDriver: the shoppers' coin flips
 * come from a seeded generator, so a run is reproducible from its seed.
 */
import { differenceInterval, type Decision } from '../../src/experiments/index.js';
import { seededRandom } from '../../providers/random.js';
import type { Allocation, ExperimentDriver, LookResult, Outcome } from './driver.js';

/** `list[i]`, which the simulation always has (one entry per variant, one assignment per session). */
function nth<T>(list: readonly T[], i: number, what: string): T {
  const x = list[i];
  if (x === undefined) throw new Error(`no ${what} ${i}`);
  return x;
}

export interface Scenario {
  name: string;
  /** True add-to-cart rate per variant; the first is the control. */
  rates: number[];
  allocation: Allocation;
  /** Sessions over the whole run, spread evenly over the days and hours. */
  sessions: number;
  days: number;
  /** Exposures per variant before a stop may be recommended. */
  minSample: number;
  runs: number;
}

export interface RunResult {
  /** The sequential test's first stop: the day (1-based) and what it said; null when it kept running to the end. */
  stop: { day: number; decision: Exclude<Decision, 'KEEP_RUNNING'>; winner: number | null } | null;
  /** The naive rule, stop on the first day a fixed 95% interval of a difference excludes 0: its day and winner. */
  naiveStop: { day: number; winner: number } | null;
  /** Share of sessions each variant got on the last day, and over the whole run. */
  lastDayShares: number[];
  shares: number[];
}

const HOURS = 24;
const DAY_MS = 86_400_000;
/** Simulated time starts on a fixed Monday so runs are reproducible. */
const START = Date.UTC(2025, 0, 6);

function naiveLook(
  analysis: LookResult,
  control: { id: string; exposures: number; conversions: number },
  minSample: number,
): number | null {
  if (analysis.variants.some((v) => v.exposures < minSample)) return null;
  for (const [i, variant] of analysis.variants.entries()) {
    if (i === 0) continue;
    const d = differenceInterval(variant, control);
    if (d && d.lower > 0) return i;
    if (d && d.upper < 0) return 0;
  }
  return null;
}

/** One run of a scenario: every day's sessions hour by hour, a look at the end of each day. */
export async function simulateRun(
  driver: ExperimentDriver,
  scenario: Scenario,
  runIndex: number,
  seed: number,
): Promise<RunResult> {
  const k = scenario.rates.length;
  const variants = scenario.rates.map((_, i) => (i === 0 ? 'control' : `variant-${i}`));
  const run = await driver.start({
    id: `${scenario.name}-${seed}-${runIndex}`,
    variants,
    allocation: scenario.allocation,
    minSample: scenario.minSample,
    ...(scenario.allocation === 'FIXED' ? { weights: variants.map(() => 1) } : {}),
  });
  const random = seededRandom((seed * 1_000_003 + runIndex) >>> 0);
  const total = new Array<number>(k).fill(0);
  let lastDay = new Array<number>(k).fill(0);
  let stop: RunResult['stop'] = null;
  let naiveStop: RunResult['naiveStop'] = null;
  let next = 0;
  for (let day = 0; day < scenario.days; day++) {
    const today = new Array<number>(k).fill(0);
    for (let hour = 0; hour < HOURS; hour++) {
      const slot = day * HOURS + hour + 1;
      const until = Math.round((scenario.sessions * slot) / (scenario.days * HOURS));
      const ids: string[] = [];
      for (; next < until; next++) ids.push(`s${next}`);
      const at = new Date(START + day * DAY_MS + hour * 3_600_000);
      const assigned = await run.assign(ids, at);
      const outcomes: Outcome[] = ids.map((sessionId, i) => {
        const variant = nth(assigned, i, 'assignment of session');
        today[variant] = nth(today, variant, 'variant') + 1;
        return { sessionId, variant, converted: random() < nth(scenario.rates, variant, 'rate of variant') };
      });
      await run.record(outcomes, at);
    }
    const analysis = await run.analyze(new Date(START + (day + 1) * DAY_MS));
    if (!stop && analysis.decision !== 'KEEP_RUNNING') {
      const winner = analysis.winnerId === null ? null : variants.indexOf(analysis.winnerId);
      stop = { day: day + 1, decision: analysis.decision, winner };
    }
    if (!naiveStop) {
      const winner = naiveLook(analysis, nth(analysis.variants, 0, 'variant'), scenario.minSample);
      if (winner !== null) naiveStop = { day: day + 1, winner };
    }
    today.forEach((n, i) => (total[i] = nth(total, i, 'variant') + n));
    lastDay = today;
  }
  const share = (xs: number[]): number[] => {
    const sum = xs.reduce((s, x) => s + x, 0);
    return xs.map((x) => x / sum);
  };
  return { stop, naiveStop, lastDayShares: share(lastDay), shares: share(total) };
}

export interface ScenarioSummary {
  scenario: Scenario;
  runs: number;
  /** Runs whose sequential test stopped with a winner; with the right one (the highest true rate); with another. */
  winnerStops: number;
  rightWinner: number;
  wrongWinner: number;
  noDifferenceStops: number;
  /** The same for the naive rule. */
  naiveStops: number;
  naiveRight: number;
  naiveWrong: number;
  /** Median day of the sequential test's stop among runs that stopped; null when none did. */
  medianStopDay: number | null;
  /** Mean traffic share of the best variant on the last day and over the run. */
  bestShareLastDay: number;
  bestShare: number;
  seconds: number;
}

/** Runs a scenario `scenario.runs` times and counts what happened. */
export async function runScenario(
  driver: ExperimentDriver,
  scenario: Scenario,
  seed: number,
  progress?: (done: number) => void,
): Promise<ScenarioSummary> {
  const best = scenario.rates.indexOf(Math.max(...scenario.rates));
  const distinct = new Set(scenario.rates).size > 1;
  const t0 = performance.now();
  const results: RunResult[] = [];
  for (let r = 0; r < scenario.runs; r++) {
    results.push(await simulateRun(driver, scenario, r, seed));
    progress?.(r + 1);
  }
  const days = results.flatMap((r) => (r.stop ? [r.stop.day] : [])).sort((a, b) => a - b);
  const winners = results.filter((r) => r.stop?.decision === 'STOP_WINNER');
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    scenario,
    runs: results.length,
    winnerStops: winners.length,
    rightWinner: distinct ? winners.filter((r) => r.stop?.winner === best).length : 0,
    wrongWinner: distinct ? winners.filter((r) => r.stop?.winner !== best).length : winners.length,
    noDifferenceStops: results.filter((r) => r.stop?.decision === 'STOP_NO_DIFFERENCE').length,
    naiveStops: results.filter((r) => r.naiveStop).length,
    naiveRight: distinct ? results.filter((r) => r.naiveStop?.winner === best).length : 0,
    naiveWrong: results.filter((r) => r.naiveStop && (!distinct || r.naiveStop.winner !== best)).length,
    medianStopDay: days[Math.floor((days.length - 1) / 2)] ?? null,
    bestShareLastDay: mean(results.map((r) => nth(r.lastDayShares, best, 'variant'))),
    bestShare: mean(results.map((r) => nth(r.shares, best, 'variant'))),
    seconds: (performance.now() - t0) / 1000,
  };
}
