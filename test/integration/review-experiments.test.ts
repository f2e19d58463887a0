/**
 * The review UI's experiments page (/review/experiments) in headless
 * Chromium against a real gateway with keys: the key form, a mobile key
 * refused, the list, and one experiment with three days of roll-ups in its
 * SQLite file: the decision and what to do, a line and an interval band per
 * variant, and the numbers experiment(id) answers. The view is the report
 * CLI's: the page shows the text the CLI's file holds. No console errors or
 * failed requests; screenshots go to SCREENSHOT_DIR when it is set.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { launchBrowser } from '../helpers/browser.js';
import { bearer, TEST_GATEWAY_API_KEYS, TEST_KEYS } from '../helpers/keys.js';
import { dataOf } from '../helpers/graphql.js';
import { experimentReport } from '../../src/experiments/experiment.service.js';
import { experimentSummary, reportModel } from '../../src/experiments/report-html.js';
import type { EventInput, Storage } from '../../src/storage/types.js';
import { must } from '../helpers/must.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** An experiment of two variants with three days of sessions: the treatment converts at three times the control's rate. */
async function seeded(storage: Storage): Promise<string> {
  const experiment = await storage.experiments.create({
    name: 'Warm copy <b>vs</b> plain',
    metric: 'ADD_TO_CART_RATE',
    allocation: 'FIXED',
    minSample: 50,
    refreshSeconds: 3600,
    productIds: ['p-exp-1'],
    variants: ['control', 'warm'].map((id) => ({
      id,
      name: id === 'warm' ? 'Warm copy' : 'control',
      weight: 1,
      descriptionIds: { 'p-exp-1': `${id}-text` },
    })),
  });
  const conversions = new Map([[experiment.id, 'ADD_TO_CART' as const]]);
  const rates: Record<string, number> = { control: 0.1, warm: 0.3 };
  let session = 0;
  const firstBucket = Math.floor(Date.now() / 3_600_000) - 3 * 24;
  for (let day = 0; day < 3; day++) {
    const events: EventInput[] = [];
    for (let i = 0; i < 400; i++, session++) {
      const variantId = session % 2 ? 'warm' : 'control';
      const base = {
        sessionId: `s${session}`,
        productId: 'p-exp-1',
        descriptionId: null,
        experimentId: experiment.id,
        variantId,
        occurredAt: new Date().toISOString(),
        value: null,
      };
      events.push({ ...base, eventId: `s${session}-i`, type: 'IMPRESSION' });
      // Deterministic conversions at the variant's rate: the sessions whose index falls in the rate's share of 100.
      if ((session * 37) % 100 < must(rates[variantId], `the rate of ${variantId}`) * 100)
        events.push({ ...base, eventId: `s${session}-a`, type: 'ADD_TO_CART' });
    }
    const bucket = firstBucket + day * 24;
    await storage.events.record({
      events,
      receivedAt: new Date(bucket * 3_600_000).toISOString(),
      bucket,
      conversions,
    });
  }
  return experiment.id;
}

interface Answer {
  experiment: {
    analysis: {
      decision: string;
      winnerVariantId: string | null;
      history: unknown[];
      variants: Array<{ variantId: string; exposures: number; conversions: number }>;
    };
  };
}

test('the experiments page: key, list, one experiment drawn as the report CLI draws it; a mobile key is refused', async () => {
  const server = await startTestServer({ gatewayApiKeys: TEST_GATEWAY_API_KEYS });
  cleanup.push(() => server.stop());
  const id = await seeded(server.storage);
  const answer = dataOf(
    await server.gql<Answer>(
      'query E($id: ID!) { experiment(id: $id) { analysis { decision winnerVariantId history { at } variants { variantId exposures conversions } } } }',
      { id },
      bearer(TEST_KEYS.internal),
    ),
  ).experiment.analysis;
  assert.equal(answer.history.length, 3, 'one look per day');
  assert.deepEqual([answer.decision, answer.winnerVariantId], ['STOP_WINNER', 'warm']);
  const cliText = experimentSummary(reportModel(await experimentReport(server.storage.experiments, id)));

  const { browser, close } = await launchBrowser();
  cleanup.push(close);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && !m.text().includes('403') && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
  page.on('response', (r) => r.status() >= 400 && r.status() !== 403 && problems.push(`${r.status()} ${r.url()}`));
  page.on('request', (r) => !r.url().startsWith(server.url) && problems.push(`external: ${r.url()}`));

  await page.goto(`${server.url}/review/experiments`);
  // The gateway has keys: the page asks for one first. A mobile key may not read experiments.
  await page.locator('#key-input').fill(TEST_KEYS.mobile);
  await page.locator('#key-form button[type=submit]').click();
  await page.locator('#message.problem').waitFor();
  assert.match(await page.locator('#message').innerText(), /internal role[\s\S]*FORBIDDEN/);
  assert.ok(await page.locator('#key-form').isVisible(), 'the key form is offered again');

  await page.locator('#key-input').fill(TEST_KEYS.internal);
  await page.locator('#key-form button[type=submit]').click();
  const item = page.locator('#experiment-list .queue-item');
  await item.waitFor();
  assert.equal(await item.count(), 1);
  assert.match(await item.innerText(), /Warm copy <b>vs<\/b> plain[\s\S]*running · stop: a winner \(warm\)/);
  await item.click();
  await page.locator('#experiment-view svg').waitFor();
  assert.equal(
    await page.locator('#experiment-heading').innerText(),
    'Warm copy <b>vs</b> plain',
    'names are text, never markup',
  );
  assert.equal(await page.locator('#experiment-heading b').count(), 0);
  const view = page.locator('#experiment-view');
  // A band and a line per variant, a point per look.
  assert.equal(await view.locator('svg polygon').count(), 2);
  assert.equal(await view.locator('svg polyline').count(), 2);
  assert.equal(await view.locator('svg circle').count(), 2 * 3);
  const text = await view.innerText();
  assert.match(text, /Stop: a winner — warm/);
  assert.match(text, /Conclude it with warm and publish its texts/);
  const rows = await view.locator('tbody tr').allInnerTexts();
  assert.equal(rows.length, 2);
  for (const [i, v] of answer.variants.entries()) {
    const cells = must(rows[i], `row ${i}`).split('\t');
    assert.deepEqual([cells[1], cells[2]], [String(v.exposures), String(v.conversions)], v.variantId);
    assert.match(
      must(cells[3], 'the rate cell'),
      new RegExp(`^${((100 * v.conversions) / v.exposures).toFixed(2)}% \\[`),
    );
  }
  // The page's view is the CLI's: the same text, drawn from GraphQL instead of the store.
  const cliPage = await browser.newPage();
  await cliPage.setContent(`<div id="v">${cliText}</div>`);
  assert.equal(text, await cliPage.locator('#v').innerText());
  await page.screenshot({
    path: path.join(process.env.SCREENSHOT_DIR ?? server.dir, 'review-experiment.png'),
    fullPage: true,
  });
  assert.deepEqual(problems, [], 'no console error, failed or external request');
});
