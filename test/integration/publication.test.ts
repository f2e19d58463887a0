/**
 * The publication lifecycle through the real server on port 0, on SQLite and
 * on PostgreSQL (TEST_DATABASE_URL; skipped loudly without one): what
 * reaches `Product.description`, what the content team may do and who may,
 * the checks at publish, history and audit across a restart, concurrent
 * publishes, and the descriptionPublished subscription.
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createClient } from 'graphql-ws';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import type { ConfigInput } from '../../src/config.js';
import { dataOf, type GqlError } from '../helpers/graphql.js';
import { must, mustHave } from '../helpers/must.js';

const EDITOR_KEY = 'test-editor-key-4c6e8a0b2d';
const KEYS = `${TEST_GATEWAY_API_KEYS},editor:${EDITOR_KEY}`;
const editor = bearer(EDITOR_KEY);
const mobile = bearer(TEST_KEYS.mobile);
const personalization = bearer(TEST_KEYS.personalization);
/** A text that contradicts every sample product's record: the fake answers with it for the product named here. */
const BLOCKED_TEXT = 'Made of 100% mulberry silk, it comes in midnight blue and champagne. It is made in Italy.';

const GENERATE = `mutation G($input: [GenerateDescriptionInput!]!) {
  generateDescriptions(input: $input) {
    ... on Description { id text status version finishReason slot { locale channel segment } check { verdict findings { code } } }
    ... on GenerationError { code message }
  }
}`;
const READ = `query R($id: ID!, $p: PersonalizationInput, $channel: String) { product(id: $id) { description(personalization: $p, channel: $channel) { id text source status stale version } } }`;
const HISTORY = `query H($id: ID!) { descriptionHistory(productId: $id) {
  description { id status version publishedVersion }
  versions { version text author { name role } verdict diff { op text } note }
  events { descriptionId action from to version actor { name role } note at }
} }`;

interface Product {
  id: string;
  title: string;
  referenceDescription: string;
}

interface Actor {
  name: string;
  role: string;
}

interface Slot {
  locale: string;
  channel: string;
  segment: string;
}

/** A Description as GENERATE asks for it. */
interface Generated {
  id: string;
  text: string;
  status: string;
  version: number;
  finishReason: string;
  slot: Slot;
  check: { verdict: string; findings: Array<{ code: string }> };
}

/** Product.description as READ asks for it. */
interface Served {
  id: string;
  text: string;
  source: string;
  status: string | null;
  stale: boolean;
  version: number | null;
}

/** One entry of descriptionHistory as HISTORY asks for it. */
interface History {
  description: { id: string; status: string; version: number; publishedVersion: number | null };
  versions: Array<{
    version: number;
    text: string;
    author: Actor;
    verdict: string | null;
    diff: Array<{ op: string; text: string }>;
    note: string | null;
  }>;
  events: Array<{
    descriptionId: string;
    action: string;
    from: string | null;
    to: string;
    version: number;
    actor: Actor;
    note: string | null;
    at: string;
  }>;
}

/** What the lifecycle mutations these tests send answer, by field (each selects some of a Description's fields). */
interface Changed {
  id?: string;
  status?: string;
  version?: number;
  publishedVersion?: number | null;
  text?: string;
  check?: { verdict: string };
}
type BulkResult =
  | { __typename: 'Description'; id: string; status: string }
  | { __typename: 'LifecycleError'; id: string; code: string; reason: string | null };
interface Mutations {
  approveDescription: Changed;
  rejectDescription: Changed;
  publishDescription: Changed;
  unpublishDescription: Changed;
  editDescription: Changed;
  bulkApproveDescriptions: BulkResult[];
  bulkPublishDescriptions: BulkResult[];
}

/** A refused change: the code, the reason and what the reason carries. */
interface Refusal extends GqlError {
  extensions: {
    code: string;
    reason?: string;
    findings?: Array<{ code: string }>;
    currentVersion?: number;
    from?: string;
    to?: string;
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-publication-it-'));
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

let blockedTitle = '';
const fake: FakeOpenAI = await startFakeOpenAI({
  reply: (prompt) => (blockedTitle && prompt.includes(blockedTitle) ? BLOCKED_TEXT : undefined),
});
cleanup.push(() => fake.close());

const postgres = await createTestDatabase();
if (!postgres.ok) console.warn(`[publication.test] PostgreSQL half SKIPPED: ${postgres.reason}`);
else cleanup.push(() => postgres.database.drop());

/** Each backend gets its own database; `fresh` databases for tests that need an empty one are made per test. */
const backends: Array<{ name: string; database: () => Promise<Partial<ConfigInput>> }> = [
  {
    name: 'SQLite',
    database: async () => ({ databasePath: path.join(mkdtempSync(path.join(dir, 'db-')), 'gateway.db') }),
  },
];
if (postgres.ok) {
  backends.push({
    name: 'PostgreSQL',
    database: async () => {
      const db = await createTestDatabase();
      if (!db.ok) throw new Error(db.reason);
      cleanup.push(() => db.database.drop());
      return { databaseUrl: db.database.url };
    },
  });
} else {
  test('the publication lifecycle on PostgreSQL', { skip: postgres.reason }, () => {});
}

async function start(database: Partial<ConfigInput>, overrides: Partial<ConfigInput> = {}): Promise<TestServer> {
  const server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    cacheTtlMs: 0,
    gatewayApiKeys: KEYS,
    ...database,
    ...overrides,
  });
  cleanup.push(() => server.stop().catch(() => {}));
  return server;
}

async function productsOf(server: TestServer, n: number, headers = editor): Promise<Product[]> {
  const r = await server.gql<{ products: { edges: Array<{ node: Product }> } }>(
    `{ products(first: ${n}) { edges { node { id title referenceDescription } } } }`,
    {},
    headers,
  );
  return dataOf(r).products.edges.map((e) => e.node);
}

async function generate(
  server: TestServer,
  input: Record<string, unknown>,
  headers = personalization,
): Promise<Generated> {
  const r = await server.gql<{ generateDescriptions: Generated[] }>(GENERATE, { input: [input] }, headers);
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return must(dataOf(r).generateDescriptions[0], 'a generated description');
}

async function read(
  server: TestServer,
  product: Product,
  variables: Record<string, unknown> = {},
  headers = mobile,
): Promise<Served | null> {
  const r = await server.gql<{ product: { description: Served | null } }>(
    READ,
    { id: product.id, ...variables },
    headers,
  );
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return dataOf(r).product.description;
}

async function history(server: TestServer, product: Product, headers = editor): Promise<History[]> {
  return dataOf(await server.gql<{ descriptionHistory: History[] }>(HISTORY, { id: product.id }, headers))
    .descriptionHistory;
}

const reference = (p: Product) => ({
  id: `reference:${p.id}`,
  text: p.referenceDescription,
  source: 'REFERENCE',
  status: null,
  stale: false,
  version: null,
});

/** A change that must succeed: its data (dataOf fails the test on any error). */
async function act<T = Mutations>(
  server: TestServer,
  mutation: string,
  variables: Record<string, unknown>,
  headers = editor,
): Promise<T> {
  return dataOf(await server.gql<T>(mutation, variables, headers));
}

/** A change that must be refused: its first error. */
async function refused(
  server: TestServer,
  mutation: string,
  variables: Record<string, unknown>,
  headers = editor,
): Promise<Refusal> {
  const r = await server.gql(mutation, variables, headers);
  const error = r.body.errors?.[0];
  assert.ok(error?.extensions?.code, `expected a refusal, got ${JSON.stringify(r.body)}`);
  return error as Refusal;
}
const APPROVE = `mutation A($id: ID!) { approveDescription(id: $id) { id status } }`;
const PUBLISH = `mutation P($id: ID!, $override: Boolean! = false, $note: String) { publishDescription(id: $id, override: $override, note: $note) { id status version publishedVersion } }`;

for (const backend of backends) {
  describe(`publication lifecycle on ${backend.name}`, () => {
    test('a draft that fails the check and a text cut by maxTokens never reach Product.description, under auto too; a complete PASS text does at once', async () => {
      const server = await start(await backend.database(), { publishPolicy: 'auto' });
      const [clean, blocked, cut] = mustHave(await productsOf(server, 3), 3, 'products');
      blockedTitle = blocked.title;
      try {
        const b = await generate(server, { productId: blocked.id });
        assert.deepEqual([b.status, b.check.verdict], ['IN_REVIEW', 'BLOCK']);
        assert.ok(
          b.check.findings.some((f: { code: string }) => f.code === 'MATERIAL_NOT_IN_RECORD'),
          JSON.stringify(b.check),
        );
        const c = await generate(server, { productId: cut.id, params: { maxTokens: 5 } });
        assert.deepEqual([c.status, c.finishReason], ['IN_REVIEW', 'length']);
        const ok = await generate(server, { productId: clean.id });
        assert.deepEqual([ok.status, ok.check.verdict, ok.version], ['PUBLISHED', 'PASS', 1]);

        assert.deepEqual(await read(server, blocked), reference(blocked));
        assert.deepEqual(await read(server, cut), reference(cut));
        assert.deepEqual(await read(server, clean), {
          id: ok.id,
          text: ok.text,
          source: 'CACHED',
          status: 'PUBLISHED',
          stale: false,
          version: 1,
        });

        // Approved by a person, neither is published without more: the gate reruns the check.
        for (const id of [b.id, c.id])
          assert.equal((await act(server, APPROVE, { id })).approveDescription.status, 'APPROVED');
        const blockedPublish = await refused(server, PUBLISH, { id: b.id });
        assert.deepEqual(
          [blockedPublish.extensions.code, blockedPublish.extensions.reason],
          ['PUBLISH_BLOCKED', 'CHECK_BLOCKED'],
        );
        assert.ok(blockedPublish.extensions.findings?.some((f) => f.code === 'MATERIAL_NOT_IN_RECORD'));
        assert.equal(
          (await refused(server, PUBLISH, { id: b.id, override: true })).extensions.reason,
          'OVERRIDE_NEEDS_NOTE',
        );
        const incomplete = await refused(server, PUBLISH, { id: c.id, override: true, note: 'ship it' });
        assert.deepEqual([incomplete.extensions.code, incomplete.extensions.reason], ['PUBLISH_BLOCKED', 'INCOMPLETE']);
        assert.deepEqual(await read(server, blocked), reference(blocked));
        assert.deepEqual(await read(server, cut), reference(cut));

        // An editor's override with a note is the one way a BLOCK goes out, and the audit says so.
        const overridden = await act(server, PUBLISH, {
          id: b.id,
          override: true,
          note: 'the record is missing the lining',
        });
        assert.equal(overridden.publishDescription.status, 'PUBLISHED');
        const events = must((await history(server, blocked))[0], 'the history').events;
        assert.match(
          events.at(-1)?.note ?? '',
          /^override of BLOCK \(.*MATERIAL_NOT_IN_RECORD.*\): the record is missing the lining$/,
        );
      } finally {
        blockedTitle = '';
      }
    });

    test('under review an unapproved text never reaches shoppers; one an editor approves and publishes does, from the next read', async () => {
      const server = await start(await backend.database());
      const [p] = mustHave(await productsOf(server, 1), 1, 'products');
      const d = await generate(server, { productId: p.id });
      assert.deepEqual([d.status, d.check.verdict], ['IN_REVIEW', 'PASS']);
      assert.deepEqual(await read(server, p), reference(p));
      const both = await server.gql(
        `mutation($id: ID!) { a: approveDescription(id: $id) { status } p: publishDescription(id: $id) { status publishedVersion } }`,
        { id: d.id },
        editor,
      );
      assert.equal(both.body.errors?.[0] ?? null, null, JSON.stringify(both.body.errors));
      assert.deepEqual(both.body.data, { a: { status: 'APPROVED' }, p: { status: 'PUBLISHED', publishedVersion: 1 } });
      assert.deepEqual(await read(server, p), {
        id: d.id,
        text: d.text,
        source: 'CACHED',
        status: 'PUBLISHED',
        stale: false,
        version: 1,
      });
      // Other slots fall back to it; a read for an empty segment slot generates a draft there, which waits.
      const segment = await read(server, p, { p: { segment: 'commuters' }, channel: 'app' });
      assert.deepEqual([segment?.id, segment?.source], [d.id, 'CACHED']);
      const queue = await server.gql<{
        reviewQueue: {
          edges: Array<{ node: { slot: Omit<Slot, 'locale'>; status: string; product: { id: string } } }>;
        };
      }>(
        '{ reviewQueue(filter: {channel: "app"}) { totalCount edges { node { slot { channel segment } status product { id } } } } }',
        {},
        editor,
      );
      assert.deepEqual(
        dataOf(queue).reviewQueue.edges.map((e) => e.node),
        [{ slot: { channel: 'app', segment: 'commuters' }, status: 'IN_REVIEW', product: { id: p.id } }],
      );
      // Unpublished, the slot shows the reference again.
      assert.equal(
        (
          await act(server, `mutation($id: ID!) { unpublishDescription(id: $id, note: "season over") { status } }`, {
            id: d.id,
          })
        ).unpublishDescription.status,
        'APPROVED',
      );
      assert.deepEqual(await read(server, p), reference(p));
    });

    test('edits: a new version with its check rerun, STALE_VERSION for a stale one, and the live text unchanged until the edit is published', async () => {
      const server = await start(await backend.database(), { publishPolicy: 'auto' });
      const [p] = mustHave(await productsOf(server, 1), 1, 'products');
      const d = await generate(server, { productId: p.id });
      assert.equal(d.status, 'PUBLISHED');
      const EDIT = `mutation E($id: ID!, $text: String!, $v: Int!) { editDescription(id: $id, text: $text, expectedVersion: $v, note: "tone") { status version publishedVersion text check { verdict } } }`;
      const edited = await act(server, EDIT, { id: d.id, text: 'Made in Italy, this piece is easy to wear.', v: 1 });
      assert.deepEqual(edited.editDescription, {
        status: 'PUBLISHED',
        version: 2,
        publishedVersion: 1,
        text: 'Made in Italy, this piece is easy to wear.',
        check: { verdict: 'BLOCK' },
      });
      assert.equal((await read(server, p))?.text, d.text, 'shoppers still see version 1');
      const stale = await refused(server, EDIT, { id: d.id, text: 'Another try.', v: 1 });
      assert.deepEqual(
        [stale.extensions.code, stale.extensions.reason, stale.extensions.currentVersion],
        ['BAD_USER_INPUT', 'STALE_VERSION', 2],
      );
      assert.equal((await refused(server, PUBLISH, { id: d.id })).extensions.reason, 'CHECK_BLOCKED');
      const fixed = await act(server, EDIT, { id: d.id, text: 'An easy piece to wear, day to evening.', v: 2 });
      assert.deepEqual([fixed.editDescription.version, fixed.editDescription.check?.verdict], [3, 'PASS']);
      assert.deepEqual((await act(server, PUBLISH, { id: d.id })).publishDescription, {
        id: d.id,
        status: 'PUBLISHED',
        version: 3,
        publishedVersion: 3,
      });
      assert.deepEqual(await read(server, p), {
        id: d.id,
        text: 'An easy piece to wear, day to evening.',
        source: 'CACHED',
        status: 'PUBLISHED',
        stale: false,
        version: 3,
      });
      // Bad input is a clear error, never a crash.
      for (const [variables, reason] of [
        [{ id: d.id, text: '   ', v: 3 }, 'EMPTY_TEXT'],
        [{ id: d.id, text: 'x'.repeat(20_001), v: 3 }, 'TEXT_TOO_LONG'],
      ] as const) {
        assert.equal((await refused(server, EDIT, variables)).extensions.reason, reason);
      }
      assert.equal((await refused(server, EDIT, { id: 'no-such-id', text: 'x', v: 1 })).extensions.code, 'NOT_FOUND');
      assert.equal(
        (await refused(server, `mutation { rejectDescription(id: "${d.id}", reason: " ") { status } }`, {})).extensions
          .reason,
        'REASON_REQUIRED',
      );
      const again = await refused(server, APPROVE, { id: d.id });
      assert.deepEqual(
        [again.extensions.reason, again.extensions.from, again.extensions.to],
        ['INVALID_TRANSITION', 'PUBLISHED', 'APPROVED'],
      );
    });

    test('roles: the editor reviews and reads products and nothing more; mobile and personalization may not review', async () => {
      const server = await start(await backend.database());
      const [p] = mustHave(await productsOf(server, 1), 1, 'products');
      const d = await generate(server, { productId: p.id });
      for (const headers of [mobile, personalization]) {
        for (const query of [
          '{ reviewQueue { totalCount } }',
          `query { descriptionHistory(productId: "${p.id}") { versions { version } } }`,
        ]) {
          assert.equal((await server.gql(query, {}, headers)).body.errors?.[0]?.extensions?.code, 'FORBIDDEN', query);
        }
        assert.equal((await refused(server, APPROVE, { id: d.id }, headers)).extensions.code, 'FORBIDDEN');
      }
      assert.equal((await server.gql('{ products(first: 1) { totalCount } }', {}, editor)).status, 200);
      assert.equal(
        (await server.gql(GENERATE, { input: [{ productId: p.id }] }, editor)).body.errors?.[0]?.extensions?.code,
        'FORBIDDEN',
      );
      assert.equal(
        (await server.gql('mutation { importProducts(csv: "x") { created } }', {}, editor)).body.errors?.[0]?.extensions
          ?.code,
        'FORBIDDEN',
      );
      assert.equal(
        (await server.gql('{ providers { id } }', {}, editor)).body.errors?.[0]?.extensions?.code,
        'FORBIDDEN',
      );
      // The mobile role reads a description by id only once it is published.
      const byId = `query($id: ID!) { description(id: $id) { id status } }`;
      const byIdAs = async (headers: Record<string, string>) =>
        dataOf(await server.gql<{ description: { id: string; status: string } | null }>(byId, { id: d.id }, headers))
          .description;
      assert.equal(await byIdAs(mobile), null);
      assert.deepEqual(await byIdAs(personalization), { id: d.id, status: 'IN_REVIEW' });
      await act(
        server,
        `mutation($id: ID!) { a: approveDescription(id: $id) { status } p: publishDescription(id: $id) { status } }`,
        { id: d.id },
      );
      assert.deepEqual(await byIdAs(mobile), { id: d.id, status: 'PUBLISHED' });
    });

    test('bulk actions take the texts that passed, one result per id in order; the queue filters by verdict and counts per status', async () => {
      const server = await start(await backend.database());
      const [a, b, c] = mustHave(await productsOf(server, 3), 3, 'products');
      blockedTitle = b.title;
      let ids: string[];
      try {
        ids = [
          (await generate(server, { productId: a.id })).id,
          (await generate(server, { productId: b.id })).id,
          (await generate(server, { productId: c.id })).id,
        ];
      } finally {
        blockedTitle = '';
      }
      type Queue = {
        reviewQueue: {
          totalCount: number;
          counts: Array<{ status: string; count: number }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          edges: Array<{ node: { id: string } }>;
        };
      };
      const queue = await server.gql<Queue>(
        '{ reviewQueue(filter: {verdict: [PASS]}, first: 1) { totalCount counts { status count } pageInfo { hasNextPage endCursor } edges { node { id } } } }',
        {},
        editor,
      );
      const q = dataOf(queue).reviewQueue;
      assert.deepEqual([q.totalCount, q.pageInfo.hasNextPage, q.edges.map((e) => e.node.id)], [2, true, [ids[0]]]);
      assert.deepEqual(
        q.counts.find((x) => x.status === 'IN_REVIEW'),
        { status: 'IN_REVIEW', count: 2 },
      );
      const next = await server.gql<Queue>(
        `{ reviewQueue(filter: {verdict: [PASS]}, first: 1, after: "${q.pageInfo.endCursor}") { edges { node { id } } } }`,
        {},
        editor,
      );
      assert.deepEqual(
        dataOf(next).reviewQueue.edges.map((e) => e.node.id),
        [ids[2]],
      );
      const BULK = (name: string) =>
        `mutation($ids: [ID!]!) { ${name}(ids: $ids, note: "batch") { __typename ... on Description { id status } ... on LifecycleError { id code reason } } }`;
      const approved = await act(server, BULK('bulkApproveDescriptions'), { ids: [...ids, 'no-such-id'] });
      assert.deepEqual(approved.bulkApproveDescriptions, [
        { __typename: 'Description', id: ids[0], status: 'APPROVED' },
        { __typename: 'LifecycleError', id: ids[1], code: 'BAD_USER_INPUT', reason: 'NOT_PASSED' },
        { __typename: 'Description', id: ids[2], status: 'APPROVED' },
        { __typename: 'LifecycleError', id: 'no-such-id', code: 'NOT_FOUND', reason: null },
      ]);
      // Approved on its own, the blocked text is still left out: bulk publishing reruns the check and takes only a PASS.
      assert.equal((await act(server, APPROVE, { id: ids[1] })).approveDescription.status, 'APPROVED');
      const published = await act(server, BULK('bulkPublishDescriptions'), { ids: [...ids, ids[0]] });
      assert.deepEqual(
        published.bulkPublishDescriptions.map((r) => (r.__typename === 'Description' ? r.status : r.reason)),
        ['PUBLISHED', 'NOT_PASSED', 'PUBLISHED', 'INVALID_TRANSITION'],
      );
      assert.equal((await read(server, a))?.id, ids[0]);
      assert.deepEqual(await read(server, b), reference(b));
      const tooMany = await refused(server, BULK('bulkApproveDescriptions'), {
        ids: Array.from({ length: 101 }, (_, i) => `id-${i}`),
      });
      assert.equal(tooMany.extensions.reason, 'TOO_MANY_ITEMS');
    });

    test('two editors publishing in one slot at once leave exactly one published', async () => {
      const server = await start(await backend.database());
      const [p] = mustHave(await productsOf(server, 1), 1, 'products');
      const first = await generate(server, { productId: p.id });
      await act(server, APPROVE, { id: first.id });
      const second = await generate(server, { productId: p.id, params: { seed: 3 } });
      await act(server, APPROVE, { id: second.id });
      const other = bearer(TEST_KEYS.internal);
      const [x, y] = await Promise.all([
        server.gql(PUBLISH, { id: first.id }, editor),
        server.gql(PUBLISH, { id: second.id }, other),
      ]);
      assert.deepEqual([x.body.errors?.[0] ?? null, y.body.errors?.[0] ?? null], [null, null]);
      const entries = await history(server, p);
      assert.deepEqual(entries.map((h) => h.description.status).sort(), ['PUBLISHED', 'SUPERSEDED']);
      const live = entries.find((h) => h.description.status === 'PUBLISHED')?.description.id;
      assert.equal((await read(server, p))?.id, live);
    });

    test('history and audit survive a restart; a subscriber hears each publish and unpublish', async () => {
      const database = await backend.database();
      const server = await start(database);
      const [p] = mustHave(await productsOf(server, 1), 1, 'products');
      const client = createClient({
        url: `${server.url.replace('http', 'ws')}/graphql`,
        connectionParams: { authorization: `Bearer ${TEST_KEYS.mobile}` },
        lazy: true,
        retryAttempts: 0,
      });
      type Notice = {
        type: string;
        descriptionId: string;
        productId: string;
        slot: Slot;
        version: number;
        text: string | null;
        supersededId: string | null;
        actor: Actor;
      };
      // A message without the notice is kept as it came, so that a failure shows it.
      const notices: unknown[] = [];
      let heard: () => void = () => {};
      const unsubscribe = client.subscribe(
        {
          query: `subscription($id: ID) { descriptionPublished(productId: $id) { type descriptionId productId slot { locale channel segment } version text supersededId actor { name role } } }`,
          variables: { id: p.id },
        },
        {
          next: (m: { data?: { descriptionPublished?: Notice } | null }) => (
            notices.push(m.data?.descriptionPublished ?? m),
            heard()
          ),
          error: () => {},
          complete: () => {},
        },
      );
      // The subscription is live once the server acknowledged it: a round trip over the same socket orders it.
      await new Promise<void>((resolve, reject) =>
        client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: reject, complete: resolve }),
      );
      const d = await generate(server, { productId: p.id });
      const until = (n: number) =>
        new Promise<void>((resolve) => ((heard = () => notices.length >= n && resolve()), heard()));
      await act(
        server,
        `mutation($id: ID!) { a: approveDescription(id: $id, note: "good") { status } p: publishDescription(id: $id, note: "launch") { status } }`,
        { id: d.id },
      );
      await until(1);
      await act(server, `mutation($id: ID!) { rejectDescription(id: $id, reason: "wrong season") { status } }`, {
        id: d.id,
      });
      await until(2);
      unsubscribe();
      await client.dispose();
      const slot = { locale: 'en', channel: 'web', segment: '' };
      const first = must(notices[0] as Notice | undefined, 'the first notice');
      assert.match(first.actor.name, /^env-editor-[0-9a-f]{8}$/);
      const actor = { name: first.actor.name, role: 'editor' };
      assert.deepEqual(notices, [
        {
          type: 'PUBLISHED',
          descriptionId: d.id,
          productId: p.id,
          slot,
          version: 1,
          text: d.text,
          supersededId: null,
          actor,
        },
        {
          type: 'UNPUBLISHED',
          descriptionId: d.id,
          productId: p.id,
          slot,
          version: 1,
          text: null,
          supersededId: null,
          actor,
        },
      ]);
      const before = await history(server, p);
      assert.deepEqual(
        must(before[0], 'the history').events.map((e) => [e.action, e.from, e.to, e.actor.role, e.note]),
        [
          ['CREATE', null, 'DRAFT', 'personalization', null],
          ['SUBMIT', 'DRAFT', 'IN_REVIEW', 'system', 'PUBLISH_POLICY=review: a person approves every text'],
          ['APPROVE', 'IN_REVIEW', 'APPROVED', 'editor', 'good'],
          ['PUBLISH', 'APPROVED', 'PUBLISHED', 'editor', 'launch'],
          ['REJECT', 'PUBLISHED', 'REJECTED', 'editor', 'wrong season'],
        ],
      );
      await server.stop();
      const restarted = await start(database);
      const afterRestart = await history(restarted, p);
      assert.deepEqual(afterRestart, before);
      assert.deepEqual(await read(restarted, p), reference(p));
    });
  });
}

test('open mode (the quick start, no keys): the lifecycle applies and the open principal may publish', async () => {
  const server = await start(await must(backends[0], 'the first backend').database(), { gatewayApiKeys: undefined });
  const [p] = mustHave(await productsOf(server, 1, {}), 1, 'products');
  const d = await generate(server, { productId: p.id }, {});
  assert.equal(d.status, 'IN_REVIEW');
  assert.equal((await read(server, p, {}, {}))?.source, 'REFERENCE');
  const both = await server.gql(
    `mutation($id: ID!) { a: approveDescription(id: $id) { status } p: publishDescription(id: $id) { status } }`,
    { id: d.id },
  );
  assert.deepEqual(both.body.data, { a: { status: 'APPROVED' }, p: { status: 'PUBLISHED' } });
  assert.equal((await read(server, p, {}, {}))?.id, d.id);
  const events = must((await history(server, p, {}))[0], 'the history').events;
  assert.deepEqual(events.at(-1)?.actor, { name: 'open-access', role: 'internal' });
});
