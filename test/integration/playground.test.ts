import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser } from '../helpers/browser.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

test('the playground is served from the gateway itself, with no CDN', async () => {
  const html = await (await fetch(`${server.url}/playground`)).text();
  const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(sources.length >= 4);
  for (const src of sources) {
    assert.ok(src.startsWith('/playground/assets/'), `external asset ${src}`);
    const r = await fetch(`${server.url}${src}`);
    assert.equal(r.status, 200, src);
    assert.ok((await r.arrayBuffer()).byteLength > 1000, src);
  }
  assert.equal((await fetch(`${server.url}/playground/assets/../../package.json`)).status, 404);
});

test('headless Chromium runs a products query through the GraphiQL UI', async () => {
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(server.url)) external.push(req.url());
    });
    await page.goto(`${server.url}/playground`);
    const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
    await editor.waitFor({ timeout: 20_000 });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('{ products(first: 3, filter: {category: "knitwear"}) { totalCount edges { node { sku title } } } }');
    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    await page.waitForFunction(() => /totalCount/.test(document.querySelector('.graphiql-response')?.textContent ?? ''), null, { timeout: 20_000 });
    const text = (await response.textContent()) ?? '';
    assert.match(text, /"totalCount": \d+/);
    assert.match(text, /SS-KNT-\d{3}/);
    assert.deepEqual(external, [], 'the playground must not load anything from outside the gateway');
  } finally {
    await close();
  }
});

test('the playground is off in production', async () => {
  const prod = await startTestServer({ nodeEnv: 'production', gatewayApiKeys: 'internal:playground-test-key-0123456789' });
  try {
    assert.equal((await fetch(`${prod.url}/playground`)).status, 404);
  } finally {
    await prod.stop();
  }
});
