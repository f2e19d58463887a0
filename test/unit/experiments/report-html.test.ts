/**
 * The HTML view of an experiment, from real roll-ups: an experiment in a
 * SQLite file, three days of events, experimentReport and the renderer,
 * then the page in headless Chromium (SCREENSHOT_DIR keeps the screenshot).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SqliteStorage } from '../../../src/storage/index.js';
import type { EventInput } from '../../../src/storage/types.js';
import { experimentReport } from '../../../src/experiments/experiment.service.js';
import { renderExperimentHtml } from '../../../src/experiments/report-html.js';
import { launchBrowser } from '../../helpers/browser.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { must } from '../../helpers/must.js';

const DAY_BUCKETS = 24;
/** True rates per variant, as per-mille draws over sessions numbered 0, 1, 2, … */
const RATES: Record<string, number> = { control: 0.1, 'warm-copy': 0.3 };

async function seeded(file: string): Promise<{ storage: SqliteStorage; id: string }> {
  const storage = new SqliteStorage(file);
  const products = ['p1'];
  const experiment = await storage.experiments.create({
    name: 'Warm copy <b>vs</b> plain',
    metric: 'ADD_TO_CART_RATE',
    allocation: 'FIXED',
    minSample: 50,
    refreshSeconds: 3600,
    productIds: products,
    variants: ['control', 'warm-copy'].map((id) => ({ id, name: id, weight: 1, descriptionIds: { p1: `${id}-p1` } })),
  });
  const conversions = new Map([[experiment.id, 'ADD_TO_CART' as const]]);
  let session = 0;
  for (let day = 0; day < 3; day++) {
    const events: EventInput[] = [];
    for (let i = 0; i < 600; i++, session++) {
      const variantId = session % 2 ? 'warm-copy' : 'control';
      const base = {
        sessionId: `s${session}`,
        productId: 'p1',
        descriptionId: null,
        experimentId: experiment.id,
        variantId,
        occurredAt: '2026-12-01T10:00:00.000Z',
        value: null,
      };
      events.push({ ...base, eventId: `s${session}-i`, type: 'IMPRESSION' });
      // Deterministic conversions at the variant's rate: every session whose index falls in the rate's share of 100.
      if ((session * 37) % 100 < must(RATES[variantId], `${variantId}'s rate`) * 100)
        events.push({ ...base, eventId: `s${session}-a`, type: 'ADD_TO_CART' });
    }
    const bucket = 500_000 + day * DAY_BUCKETS + 5;
    await storage.events.record({
      events,
      receivedAt: new Date(bucket * 3_600_000).toISOString(),
      bucket,
      conversions,
    });
  }
  return { storage, id: experiment.id };
}

test('the experiment view: a line and a band per variant over the daily looks, the decision, escaped names; Chromium draws it', async (t) => {
  const dir = tempDir('stylesprint-experiment-report', t);
  const { storage, id } = await seeded(path.join(dir, 'report.db'));
  const report = await experimentReport(storage.experiments, id);
  await storage.close();
  assert.equal(report.looks.length, 3, 'one look per day');
  const html = renderExperimentHtml(report);
  assert.equal(html.match(/<polygon /g)?.length, 2, 'one interval band per variant');
  assert.equal(html.match(/<polyline /g)?.length, 2, 'one line per variant');
  assert.equal(html.match(/<circle /g)?.length, 6, 'a point per variant per look');
  assert.match(html, /Warm copy &lt;b&gt;vs&lt;\/b&gt; plain/);
  assert.doesNotMatch(html, /<b>vs<\/b>/);
  assert.equal(report.analysis.decision, 'STOP_WINNER', report.analysis.reason);
  assert.match(html, /Stop: a winner — warm-copy/);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, 'self-contained');

  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    await page.setContent(html);
    const box = await page.locator('svg').boundingBox();
    assert.ok(box && box.width > 600 && box.height > 200, `the chart is drawn: ${JSON.stringify(box)}`);
    assert.equal(await page.locator('tbody tr').count(), 2);
    await page.screenshot({
      path: path.join(process.env.SCREENSHOT_DIR ?? dir, 'experiment-report.png'),
      fullPage: true,
    });
  } finally {
    await close();
  }
});
