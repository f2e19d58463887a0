import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser } from '../helpers/browser.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS } from '../helpers/keys.js';
import { must } from '../helpers/must.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

const QUERY = '{ products(first: 3, filter: {category: "knitwear"}) { totalCount edges { node { sku title } } } }';

/** Types `query` into GraphiQL's editor, runs it and returns the response pane's text once it has `expect`. */
async function runQuery(page: Page, query: string, expect: RegExp): Promise<string> {
  const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.waitFor({ timeout: 20_000 });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(query);
  await page.locator('.graphiql-execute-button').click();
  await page.waitForFunction(
    (source) => new RegExp(source).test(document.querySelector('.graphiql-response')?.textContent ?? ''),
    expect.source,
    { timeout: 20_000 },
  );
  return (await page.locator('.graphiql-response').textContent()) ?? '';
}

test('the playground is served from the gateway itself, with no CDN', async () => {
  const html = await (await fetch(`${server.url}/playground`)).text();
  const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => must(m[1], 'an asset path'));
  assert.ok(sources.length >= 5);
  for (const src of sources) {
    assert.ok(src.startsWith('/playground/assets/') || src === '/favicon.ico', `external asset ${src}`);
    const r = await fetch(`${server.url}${src}`);
    assert.equal(r.status, 200, src);
    assert.ok((await r.arrayBuffer()).byteLength > (src === '/favicon.ico' ? 100 : 1000), src);
  }
  assert.equal((await fetch(`${server.url}/playground/assets/../../package.json`)).status, 404);
});

test('/favicon.ico is a real 32×32 icon, served by the gateway', async () => {
  const r = await fetch(`${server.url}/favicon.ico`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/x-icon');
  const ico = Buffer.from(await r.arrayBuffer());
  // ICONDIR: reserved 0, type 1 (icon), one image; its entry says 32×32 at 32 bits, and where the PNG is.
  assert.deepEqual(
    [ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4), ico[6], ico[7], ico.readUInt16LE(12)],
    [0, 1, 1, 32, 32, 32],
  );
  const image = ico.subarray(ico.readUInt32LE(18), ico.readUInt32LE(18) + ico.readUInt32LE(14));
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [32, 32, 4]);
  const colours = new Set<string>();
  for (let i = 0; i < data.length; i += 4) colours.add(data.subarray(i, i + 4).toString('hex'));
  assert.ok(
    colours.has('ffffffff') && colours.has('0f766eff') && colours.has('00000000'),
    `a white glyph on the brand colour with cut corners: ${[...colours].join(' ')}`,
  );
  assert.equal((await fetch(`${server.url}/favicon.ico`, { method: 'HEAD' })).status, 200);
});

test('headless Chromium runs a products query through the GraphiQL UI', async (t) => {
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    const external: string[] = [];
    const missing: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(server.url)) external.push(req.url());
    });
    page.on('response', (res) => {
      if (res.status() >= 400) missing.push(`${res.status()} ${res.url()}`);
    });
    await page.goto(`${server.url}/playground`);
    const text = await runQuery(page, QUERY, /totalCount/);
    assert.match(text, /"totalCount": \d+/);
    assert.match(text, /SS-KNT-\d{3}/);
    assert.match(
      (await page.locator('#key-status').textContent()) ?? '',
      /No key set \(none is needed while the gateway has no keys\)/,
    );
    const shot = path.join(server.dir, 'playground-open.png');
    await page.screenshot({ path: shot });
    t.diagnostic(`screenshot: ${shot}`);
    assert.deepEqual(external, [], 'the playground must not load anything from outside the gateway');
    assert.deepEqual(missing, [], 'every request of the page is answered, the favicon included');
  } finally {
    await close();
  }
});

test('with keys, the page asks for one; the key stays in the tab, out of every URL and the log', async (t) => {
  const keyed = await startTestServer({ gatewayApiKeys: TEST_GATEWAY_API_KEYS });
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    const urls: string[] = [];
    const authorized: string[] = [];
    page.on('request', (req) => {
      urls.push(req.url());
      if (req.headers().authorization) authorized.push(new URL(req.url()).pathname);
    });
    await page.goto(`${keyed.url}/playground`);
    // GraphiQL's schema query is refused; the page says why and what to do.
    await page.waitForFunction(() => document.getElementById('key-bar')?.classList.contains('problem'), null, {
      timeout: 20_000,
    });
    assert.match((await page.locator('#key-status').textContent()) ?? '', /needs an API key \(UNAUTHENTICATED\)/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'key-input');
    const asking = path.join(keyed.dir, 'playground-asks-for-key.png');
    await page.screenshot({ path: asking });

    await page.locator('#key-input').fill(TEST_KEYS.mobile);
    await page.locator('#key-bar button[type=submit]').click();
    await page.waitForFunction(() => /FORBIDDEN/.test(document.getElementById('key-status')?.textContent ?? ''), null, {
      timeout: 20_000,
    });

    await page.locator('#key-input').fill(TEST_KEYS.internal);
    await page.locator('#key-bar button[type=submit]').click();
    const text = await runQuery(page, QUERY, /totalCount/);
    assert.match(text, /SS-KNT-\d{3}/);
    assert.match(
      (await page.locator('#key-status').textContent()) ?? '',
      new RegExp(`ending in ${TEST_KEYS.internal.slice(-4)}`),
    );
    assert.equal(await page.locator('#key-input').inputValue(), '', 'the field does not keep the key on show');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('stylesprint.playground.key')), TEST_KEYS.internal);
    const done = path.join(keyed.dir, 'playground-with-key.png');
    await page.screenshot({ path: done });
    t.diagnostic(`screenshots: ${asking} ${done}`);

    // A #key= link works too, and the key leaves the address bar at once.
    const fresh = await browser.newPage();
    fresh.on('request', (req) => urls.push(req.url()));
    await fresh.goto(`${keyed.url}/playground#key=${TEST_KEYS.internal}`);
    assert.match(await runQuery(fresh, QUERY, /totalCount/), /SS-KNT-\d{3}/);
    assert.equal(fresh.url(), `${keyed.url}/playground`);

    for (const key of [TEST_KEYS.internal, TEST_KEYS.mobile]) {
      assert.ok(
        urls.every((u) => !new URL(u).search.includes(key)),
        'no key in a URL query',
      );
    }
    assert.ok(
      authorized.length > 0 && authorized.every((p) => p === '/graphql'),
      `the key goes only to /graphql: ${authorized.join(', ')}`,
    );
  } finally {
    await close();
    await keyed.stop();
  }
  const log = readFileSync(keyed.logFile, 'utf8');
  for (const key of Object.values(TEST_KEYS)) assert.ok(!log.includes(key), 'no key in the log');
});

test('the playground is off in production', async () => {
  const prod = await startTestServer({
    nodeEnv: 'production',
    gatewayApiKeys: 'internal:playground-test-key-0123456789',
  });
  try {
    assert.equal((await fetch(`${prod.url}/playground`)).status, 404);
  } finally {
    await prod.stop();
  }
});
