/**
 * The experiment loop through the real server, small: two stored
 * descriptions per product, an experiment over GraphQL, 2,000 simulated
 * sessions that read Product.description(sessionId) and report their events
 * with recordEvents, and experiment(id) naming the variant with the higher
 * true rate. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
 * The full 20,000-session run and the error rates are in bench/experiments.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { dataOf, productIds } from '../helpers/graphql.js';
import { bearer, TEST_GATEWAY_API_KEYS, TEST_KEYS } from '../helpers/keys.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { seededRandom } from '../../providers/random.js';
import type { ConfigInput } from '../../src/config.js';

const internal = bearer(TEST_KEYS.internal);
const mobile = bearer(TEST_KEYS.mobile);
/** True add-to-cart rates per variant: a large effect, so that 2,000 sessions decide. */
const TRUE_RATES: Record<string, number> = { A: 0.05, B: 0.25 };
const SESSIONS = 2000;

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

interface Served {
  product: { description: { id: string; text: string; experiment: { experimentId: string; variantId: string; servedControl: boolean } | null } | null };
}
interface EventResults {
  recordEvents: { accepted: number; duplicates: number; rejected: number; results: Array<{ eventId: string; status: string; reason: string | null }> };
}
interface AnalysisData {
  experiment: {
    status: string;
    analysis: {
      decision: string;
      winnerVariantId: string | null;
      looks: number;
      variants: Array<{ variantId: string; exposures: number; conversions: number; rate: number; interval: { lower: number; upper: number }; lift: { estimate: number; lower: number; upper: number } | null; probabilityBeatsControl: number | null }>;
    };
  };
}

const SERVED = `query Served($id: ID!, $session: String!) { product(id: $id) { description(sessionId: $session) { id text experiment { experimentId variantId servedControl } } } }`;
const RECORD = `mutation Record($events: [DescriptionEventInput!]!) { recordEvents(events: $events) { accepted duplicates rejected results { eventId status reason } } }`;
const ANALYSIS = `query Analysis($id: ID!) { experiment(id: $id) { status analysis { decision winnerVariantId looks
  variants { variantId exposures conversions rate interval { lower upper } lift { estimate lower upper } probabilityBeatsControl } } } }`;

async function start(overrides: Partial<ConfigInput>): Promise<TestServer> {
  const fake = await startFakeOpenAI();
  cleanup.push(() => fake.close());
  return startTestServer({ providers: ['openai'], openaiBaseUrl: fake.baseURL, openaiApiKey: 'sk-test-experiments-secret', gatewayApiKeys: TEST_GATEWAY_API_KEYS, cacheTtlMs: 0, ...overrides });
}

/** Two stored descriptions of each product, through generateDescriptions. */
async function twoDescriptionsEach(server: TestServer, products: string[]): Promise<[string[], string[]]> {
  const generate = async (temperature: number) => {
    const r = await server.gql<{ generateDescriptions: Array<{ id: string; productId: string }> }>(
      'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { ... on Description { id productId } } }',
      { input: products.map((productId) => ({ productId, params: { temperature, seed: 1 } })) },
      internal,
    );
    return dataOf(r).generateDescriptions.map((d) => d.id);
  };
  return [await generate(0.2), await generate(0.9)];
}

async function createExperiment(server: TestServer, products: string[], a: string[], b: string[]): Promise<string> {
  const input = {
    name: 'warm vs plain',
    productIds: products,
    metric: 'ADD_TO_CART_RATE',
    allocation: 'FIXED',
    minSample: 200,
    variants: [
      { id: 'A', descriptionIds: a },
      { id: 'B', descriptionIds: b },
    ],
  };
  const query = 'mutation C($input: CreateExperimentInput!) { createExperiment(input: $input) { id status } }';
  const refused = await server.gql(query, { input }, mobile);
  assert.equal(refused.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', 'only the internal role creates experiments');
  return dataOf(await server.gql<{ createExperiment: { id: string } }>(query, { input }, internal)).createExperiment.id;
}

/** Each session reads one product's description and reports an impression, and an add-to-cart at its variant's true rate. */
async function shop(server: TestServer, products: string[], descriptions: Map<string, string>, experimentId: string) {
  const random = seededRandom(26);
  const events: Array<Record<string, unknown>> = [];
  const now = new Date().toISOString();
  for (let i = 0; i < SESSIONS; i++) {
    const sessionId = `session-${i}`;
    const productId = products[i % products.length]!;
    const served = dataOf(await server.gql<Served>(SERVED, { id: productId, session: sessionId }, mobile)).product.description!;
    assert.equal(served.experiment?.experimentId, experimentId);
    assert.equal(descriptions.get(served.id), served.experiment!.variantId, 'the text served is the assigned variant\'s');
    const base = { sessionId, productId, descriptionId: served.id, experimentId, variantId: served.experiment!.variantId, occurredAt: now };
    events.push({ ...base, eventId: `${sessionId}-i`, type: 'IMPRESSION' });
    if (random() < TRUE_RATES[served.experiment!.variantId]!) events.push({ ...base, eventId: `${sessionId}-a`, type: 'ADD_TO_CART' });
  }
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < events.length; i += 400) batches.push(events.slice(i, i + 400));
  for (const batch of batches) assert.equal(dataOf(await server.gql<EventResults>(RECORD, { events: batch }, mobile)).recordEvents.accepted, batch.length);
  return batches;
}

async function analysis(server: TestServer, id: string) {
  return dataOf(await server.gql<AnalysisData>(ANALYSIS, { id }, internal)).experiment.analysis;
}

function loop(overrides: () => Partial<ConfigInput>) {
  let server: TestServer;
  let experimentId: string;
  let firstBatch: Array<Record<string, unknown>>;
  let products: string[];

  test('2,000 sessions through the API: the analysis names the variant with the higher true rate, with its interval', async () => {
    server = await start(overrides());
    const first = server;
    cleanup.push(() => first.stop());
    products = await productIds(server.gql, 3, internal);
    const [a, b] = await twoDescriptionsEach(server, products);
    experimentId = await createExperiment(server, products, a, b);
    const descriptions = new Map([...a.map((id) => [id, 'A'] as const), ...b.map((id) => [id, 'B'] as const)]);
    firstBatch = (await shop(server, products, descriptions, experimentId))[0]!;
    // Assignment is a function of experiment and session: the same on every read.
    const again = dataOf(await server.gql<Served>(SERVED, { id: products[0]!, session: 'session-0' }, mobile)).product.description!;
    assert.equal(again.id, dataOf(await server.gql<Served>(SERVED, { id: products[0]!, session: 'session-0' }, mobile)).product.description!.id);

    const result = await analysis(server, experimentId);
    assert.equal(result.decision, 'STOP_WINNER', JSON.stringify(result));
    assert.equal(result.winnerVariantId, 'B');
    const [ctl, trt] = result.variants;
    assert.equal(ctl!.exposures + trt!.exposures, SESSIONS);
    for (const v of result.variants) {
      assert.ok(v.interval.lower < v.rate && v.rate < v.interval.upper);
      assert.ok(Math.abs(v.rate - TRUE_RATES[v.variantId]!) < 0.06, `${v.variantId}: rate ${v.rate} far from the true ${TRUE_RATES[v.variantId]}`);
    }
    assert.ok(trt!.lift!.lower > 0 && trt!.probabilityBeatsControl! > 0.99);
  });

  test('a retried batch counts once; bad events are refused one by one while the good ones land', async () => {
    const before = await analysis(server, experimentId);
    const retried = dataOf(await server.gql<EventResults>(RECORD, { events: firstBatch }, mobile)).recordEvents;
    assert.deepEqual([retried.accepted, retried.duplicates, retried.rejected], [0, firstBatch.length, 0]);
    const good = { eventId: 'late-click', type: 'CLICK', sessionId: 'session-1', productId: products[1], experimentId, variantId: 'A', occurredAt: new Date().toISOString() };
    const mixed = dataOf(
      await server.gql<EventResults>(
        RECORD,
        {
          events: [
            good,
            { ...good, eventId: 'bad-variant', variantId: 'Z' },
            { ...good, eventId: 'bad-experiment', experimentId: 'no-such-experiment' },
            { ...good, eventId: 'half', variantId: null },
            { ...good, eventId: 'when', occurredAt: 'yesterday' },
            { ...good, eventId: 'old', occurredAt: '2001-01-01T00:00:00Z' },
            { ...good, eventId: 'has space' },
            { ...good, eventId: 'negative', value: -1 },
          ],
        },
        mobile,
      ),
    ).recordEvents;
    assert.deepEqual(
      mixed.results.map((r) => [r.status, r.reason]),
      [
        ['ACCEPTED', null],
        ['REJECTED', 'UNKNOWN_VARIANT'],
        ['REJECTED', 'UNKNOWN_EXPERIMENT'],
        ['REJECTED', 'VARIANT_WITHOUT_EXPERIMENT'],
        ['REJECTED', 'BAD_OCCURRED_AT'],
        ['REJECTED', 'OCCURRED_AT_OUT_OF_RANGE'],
        ['REJECTED', 'BAD_ID'],
        ['REJECTED', 'BAD_VALUE'],
      ],
    );
    const tooMany = await server.gql(RECORD, { events: Array.from({ length: 501 }, (_, i) => ({ ...good, eventId: `many-${i}` })) }, mobile);
    assert.deepEqual([tooMany.body.errors?.[0]?.extensions?.code, tooMany.body.errors?.[0]?.extensions?.reason], ['BAD_USER_INPUT', 'TOO_MANY_EVENTS']);
    assert.deepEqual((await analysis(server, experimentId)).variants, before.variants, 'neither the retry nor a click changed the add-to-cart counts');
  });

  test('events survive a restart; the event bucket refuses a flood with RATE_LIMITED', async () => {
    const before = await analysis(server, experimentId);
    const databasePath = server.config.databasePath;
    // close, not stop: stop removes the folder that holds the SQLite file.
    await server.close();
    server = await start({ ...overrides(), databasePath, eventRateLimits: 'mobile=10/1' });
    const restarted = server;
    cleanup.push(() => restarted.stop());
    assert.deepEqual((await analysis(server, experimentId)).variants, before.variants);
    const retried = dataOf(await server.gql<EventResults>(RECORD, { events: firstBatch.slice(0, 10) }, mobile)).recordEvents;
    assert.equal(retried.duplicates, 10);
    const flood = await server.gql(RECORD, { events: firstBatch.slice(10, 15) }, mobile);
    assert.deepEqual([flood.body.errors?.[0]?.extensions?.code, flood.body.errors?.[0]?.extensions?.reason], ['RATE_LIMITED', 'EVENT_RATE_LIMIT']);
    // Concluded, the experiment assigns nobody: the product serves its usual description again.
    const concluded = await server.gql<{ concludeExperiment: { status: string; winnerVariantId: string } }>(
      'mutation E($id: ID!) { concludeExperiment(id: $id) { status winnerVariantId } }',
      { id: experimentId },
      internal,
    );
    assert.deepEqual(dataOf(concluded).concludeExperiment, { status: 'CONCLUDED', winnerVariantId: 'B' });
    assert.equal(dataOf(await server.gql<Served>(SERVED, { id: products[0]!, session: 'session-0' }, mobile)).product.description!.experiment, null);
  });
}

describe('experiments on SQLite', () => loop(() => ({})));

const postgres = await createTestDatabase();
if (!postgres.ok) {
  console.warn(`[experiments.test] PostgreSQL half SKIPPED: ${postgres.reason}`);
  test('experiments on PostgreSQL', { skip: postgres.reason }, () => {});
} else {
  const { database } = postgres;
  cleanup.unshift(() => database.drop());
  describe('experiments on PostgreSQL', () => loop(() => ({ databaseUrl: database.url })));
}
