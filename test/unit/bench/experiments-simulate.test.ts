import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInProcessDriver } from '../../../bench/experiments/in-process.js';
import { runScenario, simulateRun, type Scenario } from '../../../bench/experiments/simulate.js';
import { must } from '../../helpers/must.js';

const small: Scenario = {
  name: 'small',
  rates: [0.05, 0.05],
  allocation: 'FIXED',
  sessions: 4000,
  days: 4,
  minSample: 500,
  runs: 1,
};

test('a run sends every session once, splits fixed traffic evenly, and repeats for a seed', async () => {
  const driver = createInProcessDriver();
  let recorded = 0;
  let analyses = 0;
  const counting = {
    ...driver,
    start: async (design: Parameters<typeof driver.start>[0]) => {
      const run = await driver.start(design);
      return {
        assign: run.assign.bind(run),
        record: async (outcomes: Parameters<typeof run.record>[0], at: Date) => {
          recorded += outcomes.length;
          await run.record(outcomes, at);
        },
        analyze: async (at: Date) => {
          analyses++;
          return run.analyze(at);
        },
      };
    },
  };
  const result = await simulateRun(counting, small, 0, 5);
  assert.equal(recorded, 4000);
  assert.equal(analyses, 4, 'one look a day');
  assert.ok(Math.abs(must(result.shares[0], 'the first share') - 0.5) < 0.05, `shares ${result.shares.join(',')}`);
  assert.deepEqual(await simulateRun(driver, small, 0, 5), result);
});

test('a large true difference is found, and Thompson moves the traffic to it', async () => {
  const driver = createInProcessDriver({ refreshSeconds: 6 * 3600, draws: 500 });
  const gap = { ...small, rates: [0.04, 0.12], runs: 3 };
  const fixed = await runScenario(driver, gap, 1);
  assert.deepEqual([fixed.rightWinner, fixed.wrongWinner], [3, 0]);
  // The control keeps only its 15% floor once the gap shows, so it reaches a smaller minimum sample.
  const thompson = await runScenario(driver, { ...gap, allocation: 'THOMPSON', minSample: 200 }, 1);
  assert.equal(thompson.rightWinner, 3);
  // Its share tends to 0.3 / 2 + 0.7 = 85% as P(best) tends to 1, against the fixed 50%.
  assert.ok(thompson.bestShareLastDay > 0.7, `best share on the last day ${thompson.bestShareLastDay}`);
  assert.ok(Math.abs(fixed.bestShareLastDay - 0.5) < 0.05);
});
