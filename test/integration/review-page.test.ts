/**
 * The review page (/review) in headless Chromium against a real gateway
 * with keys: the key prompt, the queue and its filters, a flagged text with
 * its findings marked, an edit (check rerun) approved and published and then
 * served to the mobile app, a stale edit, bulk approval of passing texts, a
 * rejection with its reason, the shortcuts, and no console errors or failed
 * requests throughout, with the editor key held to trusted documents. Screenshots go to SCREENSHOT_DIR when it is set.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../helpers/paths.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { launchBrowser } from '../helpers/browser.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { dataOf } from '../helpers/graphql.js';
import { must } from '../helpers/must.js';
import { highlightPieces } from '../../src/http/review/highlight.js';

const EDITOR_KEY = 'test-editor-key-review-5e1d9c7a3b';
/** The test's own reads and the other editor's change go with the internal key: the page's editor key keeps its request budget to itself. */
const internal = bearer(TEST_KEYS.internal);
/** Contradicts every sample product's record: the fake answers with it for the flagged product. */
const FLAGGED_TEXT = 'Made of 100% mulberry silk, it comes in midnight blue and champagne. It is made in Italy.';

interface Finding {
  code: string;
  start: number;
  end: number;
}
interface Queued {
  id: string;
  text: string;
  status: string;
  version: number;
  check: { verdict: string; findings: Finding[] };
  product: { id: string; title: string };
}

let fake: FakeOpenAI;
let server: TestServer;
let flaggedTitle = '';
before(async () => {
  fake = await startFakeOpenAI({
    reply: (prompt) => (flaggedTitle && prompt.includes(flaggedTitle) ? FLAGGED_TEXT : undefined),
  });
  // The editor key may send only trusted documents: the page sends nothing else.
  server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    cacheTtlMs: 0,
    gatewayApiKeys: `${TEST_GATEWAY_API_KEYS},editor:${EDITOR_KEY}`,
    trustedDocumentsManifest: path.join(repoRoot, 'clients', 'generated', 'persisted-documents.json'),
    trustedDocuments: 'editor=require',
  });
});
after(async () => {
  await server.stop();
  await fake.close();
});

const screenshotDir = () => process.env.SCREENSHOT_DIR ?? server.dir;

async function queue(status = 'IN_REVIEW'): Promise<Queued[]> {
  const r = await server.gql<{ reviewQueue: { edges: Array<{ node: Queued }> } }>(
    'query Q($s: [DescriptionStatus!]) { reviewQueue(filter: {status: $s}, first: 100) { edges { node { id text status version check { verdict findings { code start end } } product { id title } } } } }',
    { s: [status] },
    internal,
  );
  return dataOf(r).reviewQueue.edges.map((e) => e.node);
}

async function description(id: string): Promise<Queued> {
  const r = await server.gql<{ description: Queued }>(
    'query D($id: ID!) { description(id: $id) { id text status version check { verdict findings { code start end } } product { id title } } }',
    { id },
    internal,
  );
  return dataOf(r).description;
}

/** Writes one draft per product, the first of them flagged; they wait for review (PUBLISH_POLICY=review, the default). */
async function seedDrafts(n: number): Promise<Array<{ id: string; title: string }>> {
  const r = await server.gql<{ products: { edges: Array<{ node: { id: string; title: string } }> } }>(
    `{ products(first: ${n}) { edges { node { id title } } } }`,
    {},
    internal,
  );
  const products = dataOf(r).products.edges.map((e) => e.node);
  flaggedTitle = must(products[0], 'a product').title;
  for (const p of products) {
    const g = await server.gql(
      'mutation G($id: ID!) { generateDescriptions(input: [{productId: $id}]) { ... on Description { id } ... on GenerationError { code message } } }',
      { id: p.id },
      bearer(TEST_KEYS.personalization),
    );
    assert.equal(g.body.errors, undefined, JSON.stringify(g.body.errors));
  }
  flaggedTitle = '';
  return products;
}

/** Waits for the page's message line to match, and returns it. */
async function message(page: Page, expected: RegExp): Promise<string> {
  await page.waitForFunction(
    (source) => new RegExp(source).test(document.getElementById('message')?.textContent ?? ''),
    expected.source,
    { timeout: 20_000 },
  );
  return (await page.locator('#message').textContent()) ?? '';
}

async function openItem(page: Page, id: string): Promise<void> {
  await page.locator(`.queue-item[data-id="${id}"]`).click();
  await page.waitForFunction(
    (want) =>
      document.querySelector('.queue-item[aria-current]')?.getAttribute('data-id') === want &&
      !document.getElementById('detail-body')?.hidden,
    id,
    { timeout: 20_000 },
  );
}

/** The text as shown, without the findings' reference numbers. */
function shownText(page: Page): Promise<string> {
  return page.locator('#text').evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    for (const sup of Array.from(copy.querySelectorAll('sup'))) sup.remove();
    return copy.textContent;
  });
}

const currentId = (page: Page) =>
  page.evaluate(() => document.querySelector('.queue-item[aria-current]')?.getAttribute('data-id') ?? null);

test('a merchandiser reviews, edits, approves and publishes through the page, and the mobile app serves the new text', async (t) => {
  const products = await seedDrafts(5);
  const waiting = await queue();
  assert.equal(waiting.length, products.length);
  const flaggedId = must(products[0], 'a seeded product').id;
  const flagged = must(
    waiting.find((d) => d.product.id === flaggedId),
    'the flagged draft',
  );
  assert.notEqual(flagged.check.verdict, 'PASS', 'the flagged draft has findings');
  const passing = waiting.filter((d) => d.check.verdict === 'PASS');
  assert.ok(passing.length >= 2, 'some drafts pass the check');

  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
    const problems: string[] = [];
    const authorized: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url)) problems.push(`external: ${r.url()}`);
      if (r.headers().authorization) authorized.push(new URL(r.url()).pathname);
    });

    // The gateway has keys: the page asks for one before anything else, once.
    await page.goto(`${server.url}/review`);
    await page.locator('#key-dialog').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'key-input');
    await page.locator('#key-input').fill(EDITOR_KEY);
    await page.locator('#key-input').press('Enter');
    await page.waitForFunction((n) => document.querySelectorAll('.queue-item').length === n, waiting.length, {
      timeout: 20_000,
    });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('stylesprint.review.key')), EDITOR_KEY);
    assert.match(
      (await page.locator('#filter-status option[value=IN_REVIEW]').textContent()) ?? '',
      new RegExp(`\\(${waiting.length}\\)`),
    );
    await page.screenshot({ path: path.join(screenshotDir(), 'review-queue.png'), fullPage: true });

    // Filter on the verdict: only the flagged text is listed.
    await page.locator('#filter-verdict').selectOption(flagged.check.verdict);
    await page.waitForFunction(() => document.querySelectorAll('.queue-item').length === 1, null, { timeout: 20_000 });
    await openItem(page, flagged.id);
    await assertFindingsShown(page, flagged);
    await page.screenshot({ path: path.join(screenshotDir(), 'review-flagged.png'), fullPage: true });

    // Edit by keyboard; the API reruns the check and the page shows its new verdict.
    const title = flagged.product.title;
    const fixed = `Meet the ${title}: a versatile piece for everyday wear.`;
    await page.keyboard.press('e');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'edit-text');
    await page.locator('#edit-text').fill(fixed);
    await page.screenshot({ path: path.join(screenshotDir(), 'review-edit.png'), fullPage: true });
    await page.keyboard.press('Control+Enter');
    await message(page, /Saved as version 2/);
    const edited = await description(flagged.id);
    assert.deepEqual([edited.text, edited.version, edited.status], [fixed, 2, 'IN_REVIEW']);
    assert.equal(await shownText(page), fixed);
    assert.equal(await page.locator('#text mark').count(), edited.check.findings.filter((f) => f.end > f.start).length);
    assert.equal(edited.check.verdict, 'PASS', JSON.stringify(edited.check));
    assert.match((await page.locator('#findings').textContent()) ?? '', /No findings/);

    // Approve and publish by keyboard; the mobile app gets the edited text from the next read.
    await page.locator('#detail-heading').focus();
    await page.keyboard.press('a');
    await message(page, /Approved/);
    await page.keyboard.press('p');
    await message(page, /Published/);
    const served = await server.gql<{ product: { description: { text: string; source: string; version: number } } }>(
      'query M($id: ID!) { product(id: $id) { description { text source version } } }',
      { id: flagged.product.id },
      bearer(TEST_KEYS.mobile),
    );
    assert.deepEqual(dataOf(served).product.description, { text: fixed, source: 'CACHED', version: 2 });

    t.diagnostic(`screenshots in ${screenshotDir()}`);
    await staleEdit(page, must(passing[0], 'a passing draft'));
    await bulkApproval(page);
    await rejectWithReason(page);
    await shortcutsAndHelp(page);

    assert.ok(
      authorized.length > 0 && authorized.every((p) => p === '/graphql'),
      `the key goes only to /graphql: ${authorized.join(', ')}`,
    );
    assert.deepEqual(problems, [], 'no console error, failed or external request');
  } finally {
    await close();
  }
});

/** Each finding with a span is a <mark> over exactly its text, pointing at its explanation, which names its code. */
async function assertFindingsShown(page: Page, d: Queued): Promise<void> {
  const spans = d.check.findings;
  const expected = highlightPieces(d.text, spans).filter((p) => p.findings.length);
  const marks = await page
    .locator('#text mark')
    .evaluateAll((els) => els.map((e) => ({ text: e.textContent, describedBy: e.getAttribute('aria-describedby') })));
  assert.deepEqual(
    marks,
    expected.map((p) => ({ text: p.text, describedBy: p.findings.map((i) => `finding-${i + 1}`).join(' ') })),
  );
  assert.ok(marks.length > 0);
  const items = await page.locator('#findings li').allTextContents();
  assert.deepEqual(
    items.map((text, i) => text.includes(must(spans[i], `finding ${i}`).code)),
    spans.map(() => true),
  );
  assert.equal(await shownText(page), d.text);
}

/** Someone else edits the text while the merchandiser does: the page says so, shows their text and keeps the draft. */
async function staleEdit(page: Page, d: Queued): Promise<void> {
  await page.locator('#filter-verdict').selectOption('');
  await page.waitForFunction((id) => !!document.querySelector(`.queue-item[data-id="${id}"]`), d.id, {
    timeout: 20_000,
  });
  await openItem(page, d.id);
  await page.keyboard.press('e');
  await page.locator('#edit-text').fill('My own words for this piece.');
  const theirs = `${d.text} Someone else added this.`;
  const other = await server.gql(
    'mutation E($id: ID!, $text: String!) { editDescription(id: $id, text: $text, expectedVersion: 1) { version } }',
    { id: d.id, text: theirs },
    internal,
  );
  assert.equal(other.body.errors, undefined);
  await page.locator('#edit-form button[type=submit]').click();
  const said = await message(page, /Someone else changed this text/);
  assert.match(said, /STALE_VERSION/);
  assert.equal(await shownText(page), theirs);
  assert.equal(await page.locator('#edit-text').inputValue(), 'My own words for this piece.');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#edit-form').isHidden(), true);
}

/** "Approve all passing" approves exactly the queue's passing texts, as the API lists them. */
async function bulkApproval(page: Page): Promise<void> {
  const before = await queue();
  const passing = before.filter((d) => d.check.verdict === 'PASS').map((d) => d.id);
  assert.ok(passing.length > 0);
  await page.locator('#bulk-approve').click();
  await message(page, new RegExp(`Approved ${passing.length} passing text`));
  const approved = (await queue('APPROVED')).map((d) => d.id);
  for (const id of passing) assert.ok(approved.includes(id), `${id} approved`);
  const left = (await queue()).map((d) => d.id);
  assert.deepEqual(
    left,
    before.filter((d) => !passing.includes(d.id)).map((d) => d.id),
  );
  await page.waitForFunction((n) => document.querySelectorAll('.queue-item').length === n, left.length, {
    timeout: 20_000,
  });
}

/** Reject by keyboard, with the reason on record. */
async function rejectWithReason(page: Page): Promise<void> {
  await page.locator('#filter-status').selectOption('APPROVED');
  const approved = await queue('APPROVED');
  await page.waitForFunction((n) => document.querySelectorAll('.queue-item').length === n, approved.length, {
    timeout: 20_000,
  });
  await page.locator('#detail-heading').focus();
  await page.keyboard.press('j');
  await page.waitForFunction(() => !!document.querySelector('.queue-item[aria-current]'), null, { timeout: 20_000 });
  const id = must(await currentId(page), 'the current item');
  await page.keyboard.press('r');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'reject-reason');
  await page.keyboard.type('The colour named is not the one we sell.');
  await page.keyboard.press('Enter');
  await message(page, /Rejected/);
  const rejected = must(
    approved.find((d) => d.id === id),
    'the rejected text',
  );
  const r = await server.gql<{
    descriptionHistory: Array<{
      description: { id: string; status: string };
      events: Array<{ action: string; note: string | null }>;
    }>;
  }>(
    'query H($id: ID!) { descriptionHistory(productId: $id) { description { id status } events { action note } } }',
    { id: rejected.product.id },
    internal,
  );
  const entry = must(
    dataOf(r).descriptionHistory.find((h) => h.description.id === id),
    'its history',
  );
  assert.equal(entry.description.status, 'REJECTED');
  assert.deepEqual(entry.events.at(-1), { action: 'REJECT', note: 'The colour named is not the one we sell.' });
}

/** j and k walk the queue; ? lists the shortcuts. */
async function shortcutsAndHelp(page: Page): Promise<void> {
  const ids = await page.locator('.queue-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  assert.ok(ids.length >= 2, 'two texts to walk between');
  await openItem(page, must(ids[0], 'the first item id'));
  await page.locator('#detail-heading').focus();
  await page.keyboard.press('j');
  await page.waitForFunction(
    (id) => document.querySelector('.queue-item[aria-current]')?.getAttribute('data-id') === id,
    ids[1],
    { timeout: 20_000 },
  );
  await page.keyboard.press('k');
  await page.waitForFunction(
    (id) => document.querySelector('.queue-item[aria-current]')?.getAttribute('data-id') === id,
    ids[0],
    { timeout: 20_000 },
  );
  await page.keyboard.press('?');
  assert.equal(await page.locator('#help-dialog').isVisible(), true);
  assert.deepEqual(await page.locator('#help-dialog kbd').allTextContents(), ['j', 'k', 'a', 'e', 'r', 'p', '?']);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#help-dialog').isVisible(), false);
}

test('in open mode the page asks for no key, and it is served with nothing from outside the gateway', async () => {
  const open = await startTestServer();
  try {
    const html = await (await fetch(`${open.url}/review`)).text();
    assert.match(html, /data-needs-key="false"/);
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => must(m[1], 'an asset path'));
    for (const src of sources) {
      assert.ok(src.startsWith('/review/assets/') || src === '/favicon.ico', `external asset ${src}`);
      assert.equal((await fetch(`${open.url}${src}`)).status, 200, src);
    }
    assert.equal((await fetch(`${open.url}/review/assets/../../package.json`)).status, 404);
    assert.equal((await fetch(`${open.url}/review/assets/page.js.map`)).status, 404);
    const { browser, close } = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 820, height: 1180 } });
      await page.goto(`${open.url}/review`);
      await page.waitForFunction(
        () => !/loading/.test(document.getElementById('queue-count')?.textContent ?? 'loading'),
        null,
        { timeout: 20_000 },
      );
      assert.equal(await page.locator('#key-dialog').isVisible(), false);
      assert.match((await page.locator('#key-status').textContent()) ?? '', /no key needed/);
      await page.screenshot({
        path: path.join(process.env.SCREENSHOT_DIR ?? open.dir, 'review-tablet-open.png'),
        fullPage: true,
      });
    } finally {
      await close();
    }
  } finally {
    await open.stop();
  }
});

test('REVIEW_PAGE=false takes the page off', async () => {
  const off = await startTestServer({ reviewPage: false });
  try {
    assert.equal((await fetch(`${off.url}/review`)).status, 404);
    assert.equal((await fetch(`${off.url}/review/assets/page.js`)).status, 404);
  } finally {
    await off.stop();
  }
});
