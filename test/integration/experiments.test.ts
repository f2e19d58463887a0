/**
 * The experiment loop through the real server, small: two descriptions per
 * product through the publication lifecycle (A published, B approved), an
 * experiment over GraphQL, 2,000 simulated
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
import { must, mustHave } from '../helpers/must.js';
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
  product: {
    description: {
      id: string;
      text: string;
      experiment: { experimentId: string; variantId: string; servedControl: boolean } | null;
    } | null;
  };
}
/** The description `query` shows a shopper; fails the test when the product shows none. */
async function servedDescription(server: TestServer, query: string, variables: Record<string, unknown>) {
  const served = dataOf(await server.gql<Served>(query, variables, mobile)).product.description;
  return must(served, 'a served description');
}

interface EventResults {
  recordEvents: {
    accepted: number;
    duplicates: number;
    rejected: number;
    results: Array<{ eventId: string; status: string; reason: string | null }>;
  };
}
interface AnalysisData {
  experiment: {
    status: string;
    analysis: {
      decision: string;
      winnerVariantId: string | null;
      looks: number;
      variants: Array<{
        variantId: string;
        exposures: number;
        conversions: number;
        rate: number;
        interval: { lower: number; upper: number };
        lift: { estimate: number; lower: number; upper: number } | null;
        probabilityBeatsControl: number | null;
      }>;
    };
  };
}

const SERVED = `query Served($id: ID!, $session: String!) { product(id: $id) { description(sessionId: $session) { id text experiment { experimentId variantId servedControl } } } }`;
const USUAL = `query Usual($id: ID!) { product(id: $id) { description { id text experiment { experimentId variantId servedControl } } } }`;
const RECORD = `mutation Record($events: [DescriptionEventInput!]!) { recordEvents(events: $events) { accepted duplicates rejected results { eventId status reason } } }`;
const ANALYSIS = `query Analysis($id: ID!) { experiment(id: $id) { status analysis { decision winnerVariantId looks
  variants { variantId exposures conversions rate interval { lower upper } lift { estimate lower upper } probabilityBeatsControl } } } }`;

async function start(overrides: Partial<ConfigInput>): Promise<TestServer> {
  const fake = await startFakeOpenAI();
  cleanup.push(() => fake.close());
  return startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    openaiApiKey: 'sk-test-experiments-secret',
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
    ...overrides,
  });
}

async function lifecycle(
  server: TestServer,
  action: 'approveDescription' | 'publishDescription',
  ids: string[],
): Promise<void> {
  for (const id of ids) {
    const r = await server.gql<Record<string, { status: string }>>(
      `mutation L($id: ID!) { ${action}(id: $id) { status } }`,
      { id },
      internal,
    );
    assert.ok(dataOf(r)[action], JSON.stringify(r.body));
  }
}

/**
 * Two descriptions of each product, generated (PUBLISH_POLICY=review: they
 * wait in the queue) and moved through the lifecycle by a person: A's
 * published, the control every shopper sees; B's approved, served only to
 * sessions of the experiment. One of B is left in review to show that the
 * experiment refuses it.
 */
async function twoDescriptionsEach(
  server: TestServer,
  products: string[],
): Promise<{ a: string[]; b: string[]; inReview: string }> {
  const generate = async (temperature: number) => {
    const r = await server.gql<{ generateDescriptions: Array<{ id: string; productId: string }> }>(
      'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { ... on Description { id productId } } }',
      { input: products.map((productId) => ({ productId, params: { temperature, seed: 1 } })) },
      internal,
    );
    return dataOf(r).generateDescriptions.map((d) => d.id);
  };
  const a = await generate(0.2);
  await lifecycle(server, 'approveDescription', a);
  await lifecycle(server, 'publishDescription', a);
  const b = await generate(0.9);
  await lifecycle(server, 'approveDescription', b.slice(1));
  const refused = await createExperiment(server, products, a, b);
  assert.equal(
    typeof refused === 'string' ? refused : refused.reason,
    'DESCRIPTION_NOT_ADMISSIBLE',
    'a text in review is no variant',
  );
  await lifecycle(server, 'approveDescription', b.slice(0, 1));
  return { a, b, inReview: must(b[0], 'a text in review') };
}

/** The experiment's id, or the reason it was refused. */
async function createExperiment(
  server: TestServer,
  products: string[],
  a: string[],
  b: string[],
): Promise<string | { reason: unknown }> {
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
  const created = await server.gql<{ createExperiment: { id: string } }>(query, { input }, internal);
  if (created.body.errors) return { reason: created.body.errors[0]?.extensions?.reason };
  return dataOf(created).createExperiment.id;
}

/** Each session reads one product's description and reports an impression, and an add-to-cart at its variant's true rate. */
async function shop(server: TestServer, products: string[], descriptions: Map<string, string>, experimentId: string) {
  const random = seededRandom(26);
  const events: Array<Record<string, unknown>> = [];
  const now = new Date().toISOString();
  for (let i = 0; i < SESSIONS; i++) {
    const sessionId = `session-${i}`;
    const productId = products[i % products.length];
    const served = await servedDescription(server, SERVED, { id: productId, session: sessionId });
    assert.equal(served.experiment?.experimentId, experimentId);
    assert.equal(descriptions.get(served.id), served.experiment.variantId, "the text served is the assigned variant's");
    const base = {
      sessionId,
      productId,
      descriptionId: served.id,
      experimentId,
      variantId: served.experiment.variantId,
      occurredAt: now,
    };
    events.push({ ...base, eventId: `${sessionId}-i`, type: 'IMPRESSION' });
    if (random() < must(TRUE_RATES[served.experiment.variantId], 'the true rate'))
      events.push({ ...base, eventId: `${sessionId}-a`, type: 'ADD_TO_CART' });
  }
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < events.length; i += 400) batches.push(events.slice(i, i + 400));
  for (const batch of batches)
    assert.equal(
      dataOf(await server.gql<EventResults>(RECORD, { events: batch }, mobile)).recordEvents.accepted,
      batch.length,
    );
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
  let a: string[];
  let b: string[];

  test('2,000 sessions through the API: the analysis names the variant with the higher true rate, with its interval', async () => {
    server = await start(overrides());
    const first = server;
    cleanup.push(() => first.stop());
    products = await productIds(server.gql, 3, internal);
    ({ a, b } = await twoDescriptionsEach(server, products));
    const created = await createExperiment(server, products, a, b);
    assert.equal(typeof created, 'string', JSON.stringify(created));
    experimentId = created as string;
    const descriptions = new Map([...a.map((id) => [id, 'A'] as const), ...b.map((id) => [id, 'B'] as const)]);
    firstBatch = must((await shop(server, products, descriptions, experimentId))[0], 'the first batch');
    // Assignment is a function of experiment and session: the same on every read.
    const again = await servedDescription(server, SERVED, { id: products[0], session: 'session-0' });
    assert.equal(again.id, (await servedDescription(server, SERVED, { id: products[0], session: 'session-0' })).id);

    const result = await analysis(server, experimentId);
    assert.equal(result.decision, 'STOP_WINNER', JSON.stringify(result));
    assert.equal(result.winnerVariantId, 'B');
    const [ctl, trt] = mustHave(result.variants, 2, 'variants');
    assert.equal(ctl.exposures + trt.exposures, SESSIONS);
    for (const v of result.variants) {
      assert.ok(v.interval.lower < v.rate && v.rate < v.interval.upper);
      const truth = must(TRUE_RATES[v.variantId], `the true rate of ${v.variantId}`);
      assert.ok(Math.abs(v.rate - truth) < 0.06, `${v.variantId}: rate ${v.rate} far from the true ${truth}`);
    }
    assert.ok(must(trt.lift, 'the lift').lower > 0 && must(trt.probabilityBeatsControl, 'P(B beats A)') > 0.99);
    // Outside the experiment (no session) shoppers get the published text, never the approved one.
    assert.equal((await servedDescription(server, USUAL, { id: products[0] })).id, a[0]);
  });

  test('a retried batch counts once; bad events are refused one by one while the good ones land', async () => {
    const before = await analysis(server, experimentId);
    const retried = dataOf(await server.gql<EventResults>(RECORD, { events: firstBatch }, mobile)).recordEvents;
    assert.deepEqual([retried.accepted, retried.duplicates, retried.rejected], [0, firstBatch.length, 0]);
    const good = {
      eventId: 'late-click',
      type: 'CLICK',
      sessionId: 'session-1',
      productId: products[1],
      experimentId,
      variantId: 'A',
      occurredAt: new Date().toISOString(),
    };
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
    const tooMany = await server.gql(
      RECORD,
      { events: Array.from({ length: 501 }, (_, i) => ({ ...good, eventId: `many-${i}` })) },
      mobile,
    );
    assert.deepEqual(
      [tooMany.body.errors?.[0]?.extensions?.code, tooMany.body.errors?.[0]?.extensions?.reason],
      ['BAD_USER_INPUT', 'TOO_MANY_EVENTS'],
    );
    assert.deepEqual(
      (await analysis(server, experimentId)).variants,
      before.variants,
      'neither the retry nor a click changed the add-to-cart counts',
    );
  });

  test('events survive a restart; the event bucket refuses a flood; a rejected text gives way to the control; publishWinner publishes through the lifecycle', async () => {
    const before = await analysis(server, experimentId);
    const databasePath = server.config.databasePath;
    // close, not stop: stop removes the folder that holds the SQLite file.
    await server.close();
    server = await start({ ...overrides(), databasePath, eventRateLimits: 'mobile=10/1' });
    const restarted = server;
    cleanup.push(() => restarted.stop());
    assert.deepEqual((await analysis(server, experimentId)).variants, before.variants);
    const retried = dataOf(
      await server.gql<EventResults>(RECORD, { events: firstBatch.slice(0, 10) }, mobile),
    ).recordEvents;
    assert.equal(retried.duplicates, 10);
    const flood = await server.gql(RECORD, { events: firstBatch.slice(10, 15) }, mobile);
    assert.deepEqual(
      [flood.body.errors?.[0]?.extensions?.code, flood.body.errors?.[0]?.extensions?.reason],
      ['RATE_LIMITED', 'EVENT_RATE_LIMIT'],
    );
    // A variant's text that is turned down leaves the experiment at once: its sessions get the control, and say so.
    const rejected = await server.gql(
      'mutation R($id: ID!) { rejectDescription(id: $id, reason: "off brand") { status } }',
      { id: b[2] },
      internal,
    );
    assert.ok(dataOf(rejected));
    const sessionOfB = must(
      firstBatch.find((e) => e.variantId === 'B' && e.productId === products[2]),
      "a session of B's",
    ).sessionId as string;
    const fallback = await servedDescription(server, SERVED, { id: products[2], session: sessionOfB });
    assert.deepEqual(
      [fallback.id, fallback.experiment?.variantId, fallback.experiment?.servedControl],
      [a[2], 'B', true],
    );
    // Concluded with publishWinner, B's approved texts go live through the lifecycle and the experiment assigns nobody.
    const concluded = await server.gql<{
      concludeExperiment: {
        experiment: { status: string; winnerVariantId: string };
        published: Array<{ id: string; status?: string }>;
      };
    }>(
      'mutation E($id: ID!) { concludeExperiment(id: $id, publishWinner: true) { experiment { status winnerVariantId } published { ... on Description { id status } ... on LifecycleError { id code } } } }',
      { id: experimentId },
      internal,
    );
    const { experiment, published } = dataOf(concluded).concludeExperiment;
    assert.deepEqual(experiment, { status: 'CONCLUDED', winnerVariantId: 'B' });
    assert.deepEqual(
      published,
      b.slice(0, 2).map((id) => ({ id, status: 'PUBLISHED' })),
      'the rejected text is not published',
    );
    const after = await servedDescription(server, SERVED, { id: products[0], session: 'session-0' });
    assert.deepEqual([after.id, after.experiment], [b[0], null]);
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

test('a recipe variant: its texts are generated through the publication policy, and its sessions see the control until a person approves one', async () => {
  const server = await start({});
  cleanup.push(() => server.stop());
  const products = await productIds(server.gql, 2, internal);
  const { a } = await twoDescriptionsEach(server, products);
  const query = `mutation C($input: CreateExperimentInput!) { createExperiment(input: $input) { id variants { id recipe { channel promptVersion } descriptions { productId descriptionId } } } }`;
  const input = (variants: unknown[]) => ({
    input: { name: 'recipe', productIds: products, metric: 'CLICK_RATE', variants },
  });
  const recipe = { params: { temperature: 0.7, promptVersion: 'v2' } };
  const onControl = await server.gql(
    query,
    input([
      { id: 'R', recipe },
      { id: 'A', descriptionIds: a },
    ]),
    internal,
  );
  assert.equal(onControl.body.errors?.[0]?.extensions?.reason, 'CONTROL_IS_RECIPE');

  type Created = {
    createExperiment: {
      id: string;
      variants: Array<{
        id: string;
        recipe: { channel: string; promptVersion: string } | null;
        descriptions: Array<{ productId: string; descriptionId: string }>;
      }>;
    };
  };
  const created = dataOf(
    await server.gql<Created>(
      query,
      input([
        { id: 'A', descriptionIds: a },
        { id: 'R', recipe },
      ]),
      internal,
    ),
  ).createExperiment;
  const r = must(created.variants[1], 'the recipe variant');
  assert.equal(r.recipe?.promptVersion, 'v2');
  assert.equal(r.descriptions.length, products.length, 'one generated text per product');
  // PUBLISH_POLICY=review: the texts wait in the queue, under the experiment's own channel.
  const queue = await server.gql<{ reviewQueue: { totalCount: number } }>(
    'query Q($channel: String) { reviewQueue(filter: { channel: $channel }) { totalCount } }',
    { channel: r.recipe.channel },
    internal,
  );
  assert.equal(dataOf(queue).reviewQueue.totalCount, products.length);

  const read = (session: string) => servedDescription(server, SERVED, { id: products[0], session });
  let session = '';
  for (let i = 0; !session; i++) if ((await read(`recipe-${i}`)).experiment?.variantId === 'R') session = `recipe-${i}`;
  const before = await read(session);
  assert.deepEqual([before.id, before.experiment?.servedControl], [a[0], true], 'a text in review is never served');
  const rText = must(
    r.descriptions.find((d) => d.productId === products[0]),
    'the recipe text',
  ).descriptionId;
  await lifecycle(server, 'approveDescription', [rText]);
  const after = await read(session);
  assert.deepEqual([after.id, after.experiment?.variantId, after.experiment?.servedControl], [rText, 'R', false]);
  assert.equal(
    (await servedDescription(server, USUAL, { id: products[0] })).id,
    a[0],
    'outside the experiment, the published text',
  );
});
