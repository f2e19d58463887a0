/**
 * The gateway decides as the pure functions do: the same simulated shoppers
 * go through a real gateway (SQLite, and PostgreSQL when a test server is
 * there) and through the in-process driver given the gateway's experiment
 * and session ids, and every hour's assignments and every day's look must
 * agree exactly. A difference in how a database keeps the roll-ups (the
 * epoch's as-of read, bucket arithmetic, counts coming back as strings)
 * would show up here as a different Thompson weight, hence a different
 * assignment, long before it showed in the bench's error rates.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createGraphQLDriver, type GraphQLRun } from '../../bench/experiments/graphql.js';
import { createInProcessDriver } from '../../bench/experiments/in-process.js';
import type { ExperimentDriver, ExperimentRun, LookResult } from '../../bench/experiments/driver.js';
import { runScenario, type Scenario } from '../../bench/experiments/simulate.js';
import { createTestDatabase } from '../helpers/postgres.js';

/** Thompson epochs of 4 simulated hours, as in the bench. */
const REFRESH_SECONDS = 4 * 3600;

const look = (r: LookResult): LookResult => ({
  decision: r.decision,
  winnerId: r.winnerId,
  variants: r.variants.map((v) => ({ id: v.id, exposures: v.exposures, conversions: v.conversions })),
});

/**
 * Runs the gateway's run and an in-process twin in lockstep and fails at the
 * first hour or day they differ; `compared` counts what was checked.
 */
function lockstep(server: ExperimentDriver<GraphQLRun>, compared: { hours: number; looks: number }): ExperimentDriver {
  const twin = createInProcessDriver({ refreshSeconds: REFRESH_SECONDS });
  return {
    name: 'lockstep',
    async start(design) {
      const run = await server.start(design);
      const mirror = await twin.start({ ...design, id: run.experimentId });
      const paired: ExperimentRun = {
        async assign(sessionIds, at) {
          const served = await run.assign(sessionIds, at);
          const expected = await mirror.assign(
            sessionIds.map((s) => run.sessionId(s)),
            at,
          );
          assert.deepEqual(served, expected, `assignments at ${at.toISOString()}`);
          compared.hours++;
          return served;
        },
        async record(outcomes, at) {
          await run.record(outcomes, at);
          await mirror.record(outcomes, at);
        },
        async analyze(at) {
          const served = look(await run.analyze(at));
          assert.deepEqual(served, look(await mirror.analyze(at)), `look at ${at.toISOString()}`);
          compared.looks++;
          return served;
        },
      };
      return paired;
    },
    close: () => server.close(),
  };
}

const scenario: Scenario = {
  name: 'lockstep',
  rates: [0.04, 0.12],
  allocation: 'THOMPSON',
  sessions: 3000,
  days: 3,
  minSample: 200,
  runs: 2,
};

function agree(options: { databaseUrl?: string }): void {
  test('every hour assigns the sessions as the pure functions do (THOMPSON, then FIXED), and every day looks the same', async () => {
    const compared = { hours: 0, looks: 0 };
    // One gateway for both: a product is in one experiment at a time, and the driver concludes each run's before the next.
    const driver = lockstep(createGraphQLDriver({ ...options, refreshSeconds: REFRESH_SECONDS }), compared);
    try {
      const thompson = await runScenario(driver, scenario, 3);
      assert.deepEqual(compared, { hours: 2 * 3 * 24, looks: 2 * 3 });
      // The weights moved with the data: even traffic would agree trivially on no roll-ups at all.
      assert.ok(thompson.bestShareLastDay > 0.6, `best variant's last-day share ${thompson.bestShareLastDay}`);
      // The gateway names its experiments, so the shoppers differ from one test run to the next: no exact count of winners.
      assert.equal(thompson.wrongWinner, 0);
      await runScenario(driver, { ...scenario, name: 'lockstep-fixed', allocation: 'FIXED', runs: 1 }, 3);
      assert.deepEqual(compared, { hours: 3 * 3 * 24, looks: 3 * 3 });
    } finally {
      await driver.close();
    }
  });
}

describe('gateway and pure functions in lockstep on SQLite', () => agree({}));

const postgres = await createTestDatabase();
if (!postgres.ok) {
  console.warn(`[experiments-drivers.test] PostgreSQL half SKIPPED: ${postgres.reason}`);
  test('gateway and pure functions in lockstep on PostgreSQL', { skip: postgres.reason }, () => {});
} else {
  const { database } = postgres;
  after(() => database.drop());
  describe('gateway and pure functions in lockstep on PostgreSQL', () => agree({ databaseUrl: database.url }));
}
