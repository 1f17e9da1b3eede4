// End-to-end tests of the web UI: a real `weft serve` (port 0, filled by `weft loadgen` and
// hand-built traces) serving web/dist, driven in Debian's headless Chromium.
//
// WEFT_UI_SCREENSHOTS=DIR saves a screenshot of each page there (scripts/screenshots.sh
// uses it for docs/screenshots/).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpGet, startServer, waitFor } from '../../tests/integration/lib/server.mjs';
import { launchChromium, waitReady } from './browser.mjs';
import { XSS, loadgen, sendHostileTrace, sendLinkedTraces } from './data.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const UI_DIR = path.resolve(here, '..', 'dist');
const SHOTS = process.env.WEFT_UI_SCREENSHOTS;

let server, browser, linked, hostile;

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

// Rows of the waterfall on screen (the waterfall recycles a pool of row elements and hides
// the unused ones).
const ROWS = '[data-testid="span-row"]:visible';
const countRows = (page) => page.locator(ROWS).count();
const waitRows = (page, n) => page.waitForFunction((want) =>
  [...document.querySelectorAll('[data-testid="span-row"]')].filter((e) => e.offsetParent !== null).length === want, n);

// A page that fails the test on any uncaught error or console error of the UI.
async function newPage() {
  const page = await browser.context.newPage();
  page.errors = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  return page;
}

before(async () => {
  assert.ok(existsSync(path.join(UI_DIR, 'index.html')),
    `the UI is not built (${UI_DIR}/index.html missing): run (cd web && npm ci && npm run build)`);
  // A short pairing window: cart's database call becomes a virtual-node edge 1 s after it
  // ends, before the service map is looked at.
  server = await startServer({ args: ['--ui-dir', UI_DIR, '--graph-window', '1s'] });
  await loadgen(server, 3000);
  linked = await sendLinkedTraces(server);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the query port serves the UI at every route, and the API beside it', async () => {
  for (const p of ['/', '/search?service=x', `/trace/${linked.checkout}`, '/dependencies']) {
    const r = await httpGet(server.query + p);
    assert.equal(r.status, 200, p);
    assert.match(r.text, /id="app"/, p);
  }
  const api = await httpGet(`${server.query}/api/v1/services`);
  assert.equal(api.status, 200);
  assert.ok(api.json.services.includes('frontend'));
});

test('search → trace → collapse → span detail → follow a link → service map', async () => {
  const page = await newPage();
  await page.goto(`${server.query}/search?lookback=1h`);
  await waitReady(page, 'search');
  assert.ok(await page.locator('[data-testid="result"]').count() > 0, 'recent traces are listed');
  assert.ok(await page.locator('[data-testid="scatter"] circle[data-trace-id]').count() > 0, 'scatter has dots');
  await shot(page, 'search');

  // Narrow down by attribute through the form; the state goes into the URL.
  await page.fill('[data-testid="tags"]', 'ui.test=linked');
  await page.click('[data-testid="search-submit"]');
  await page.waitForURL(/tag=ui\.test%3Dlinked|tag=ui.test=linked/);
  await waitReady(page, 'search');
  const rows = page.locator('[data-testid="result"]');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.first().getAttribute('data-trace-id'), linked.checkout);

  // Open it.
  await rows.first().locator(`a[href^="/trace/${linked.checkout}"]`).first().click();
  await page.waitForURL(`**/trace/${linked.checkout}`);
  await waitReady(page, 'trace');
  const header = await page.textContent('[data-testid="trace-header"]');
  assert.match(header, /GET \/checkout/);
  assert.match(header, /frontend/);
  assert.equal(await countRows(page), 5);

  // Collapse the root's subtree, then expand it again.
  const rootRow = page.locator(`[data-testid="span-row"][data-span-id="${linked.spans.root}"]`);
  await rootRow.locator('[data-testid="toggle"]').click();
  await waitRows(page, 1);
  await rootRow.locator('[data-testid="toggle"]').click();
  await waitRows(page, 5);

  // Span detail of the failed payment: status, event, link; the selection is in the URL.
  await page.locator(`[data-testid="span-row"][data-span-id="${linked.spans.pay}"]`).click();
  const detail = page.locator('[data-testid="span-detail"]');
  await detail.waitFor();
  const text = await detail.textContent();
  for (const want of ['charge card', 'payments', 'card declined', 'retry', linked.spans.pay])
    assert.ok(text.includes(want), `span detail shows ${want}`);
  await page.waitForURL(new RegExp(`span=${linked.spans.pay}`));
  // The critical path over the bars (it comes after the trace).
  await page.locator('[data-testid="critical-path"][data-state="ready"]').waitFor();
  assert.ok(await page.locator(`[data-span-id="${linked.spans.call}"] [data-testid="cp-seg"]:visible`).count() > 0, 'the call to payments is on the critical path');
  await shot(page, 'trace');

  const link = detail.locator('[data-testid="span-link"] a');
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), `/trace/${linked.settlement}?span=${linked.spans.settleRoot}`);
  await link.click();
  await page.waitForURL(`**/trace/${linked.settlement}?span=${linked.spans.settleRoot}`);
  await waitReady(page, 'trace');
  await page.locator('[data-testid="span-detail"]').waitFor();
  assert.match(await page.textContent('[data-testid="span-detail"]'), /settle batch/);

  // Back returns to the first trace with its span selected.
  await page.goBack();
  await waitReady(page, 'trace');
  assert.match(page.url(), new RegExp(`/trace/${linked.checkout}`));

  // Service map: services as nodes, calls as edges, the uninstrumented database as a virtual node
  // (the service graph draws it once the pairing window has passed).
  const graphReady = await waitFor(async () => {
    const deps = (await httpGet(`${server.query}/api/v1/dependencies?lookback=1h`)).json;
    return deps?.dependencies?.some((d) => d.parent === 'cart' && d.child === 'cartdb');
  }, { timeoutMs: 15000 });
  assert.ok(graphReady, 'cart -> cartdb in the service graph');
  await page.click('a[href="/dependencies"]');
  await waitReady(page, 'dependencies');
  for (const n of ['frontend', 'payments', 'cart', 'cartdb'])
    assert.equal(await page.locator(`[data-testid="service-map"] [data-node="${n}"]`).count(), 1, `node ${n}`);
  assert.equal(await page.locator('[data-edge="frontend->payments"]').count(), 1);
  assert.equal(await page.locator('[data-edge="cart->cartdb"]').count(), 1);
  await shot(page, 'dependencies');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a big trace from the reference workload: header, waterfall, search inside the trace', async () => {
  const page = await newPage();
  const r = await httpGet(`${server.query}/api/v1/search?order=longest&limit=1`);
  const id = r.json.traces[0].traceId;
  await page.goto(`${server.query}/trace/${id}`);
  await waitReady(page, 'trace');
  assert.ok(await countRows(page) > 1);
  await page.locator('[data-testid="minimap"]').waitFor();
  const firstName = await page.locator(ROWS).nth(1).getAttribute('data-span-id');
  await page.fill('[data-testid="trace-search"]', firstName);
  await page.keyboard.press('Enter');
  await page.locator(`[data-testid="span-row"][data-span-id="${firstName}"].wf-is-match`).first().waitFor();
  assert.match(await page.textContent('[data-testid="search-count"]'), /1 of 1/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('span names, attributes, events, links and resources holding markup run nothing', async () => {
  hostile = await sendHostileTrace(server);
  const page = await newPage();
  await page.goto(`${server.query}/search?lookback=1h&tag=ui.test%3Dhostile`);
  await waitReady(page, 'search');
  const row = page.locator(`[data-testid="result"][data-trace-id="${hostile}"]`);
  await row.waitFor();
  assert.ok((await row.textContent()).includes(XSS.script), 'the hostile name shows as text');

  await page.goto(`${server.query}/trace/${hostile}`);
  await waitReady(page, 'trace');
  assert.equal(await countRows(page), 2);
  await page.locator(ROWS).first().click();
  const detail = page.locator('[data-testid="span-detail"]');
  await detail.waitFor();
  const text = await detail.textContent();
  for (const want of [XSS.script, XSS.img, XSS.alert, XSS.js]) assert.ok(text.includes(want), `detail shows ${want} as text`);
  await page.click('text=Raw JSON');
  await page.locator('[data-testid="raw-json"]').waitFor();
  // The service map with hostile service names.
  await page.goto(`${server.query}/dependencies`);
  await waitReady(page, 'dependencies');
  await page.goto(`${server.query}/trace/${hostile}?span=${'0'.repeat(16)}`);
  await waitReady(page, 'trace');

  const verdict = await page.evaluate(() => ({
    xss: window.__xss,
    images: document.querySelectorAll('#app img').length,
    scripts: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
    handlers: [...document.querySelectorAll('#app *')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href'))).length,
  }));
  assert.deepEqual(verdict, { xss: undefined, images: 0, scripts: 0, handlers: 0, jsLinks: 0 });
  assert.deepEqual(page.dialogs, []);
  await page.close();
});

test('unknown trace, unknown page, a file, and an API that went away', async () => {
  const page = await newPage();
  await page.goto(`${server.query}/trace/0123456789abcdef0123456789abcdef`);
  await page.locator('[data-testid="not-found"]').waitFor();
  assert.match(await page.textContent('[data-testid="not-found"]'), /0123456789abcdef0123456789abcdef/);
  await page.goto(`${server.query}/no/such/page`);
  await page.locator('[data-testid="not-found"]').waitFor();

  // A trace from a JSON file (Jaeger's format, as Jaeger UI downloads it).
  const jaeger = await httpGet(`${server.query}/api/traces/${linked.checkout}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-ui-file-'));
  const file = path.join(dir, 'trace.json');
  writeFileSync(file, jaeger.text);
  await page.goto(`${server.query}/trace/file`);
  await page.setInputFiles('[data-testid="open-file"]', file);
  await waitReady(page, 'trace');
  assert.equal(await countRows(page), 5);
  rmSync(dir, { recursive: true, force: true });

  // A second server that goes away while its page is open: a banner, not a blank page.
  const doomed = await startServer({ args: ['--ui-dir', UI_DIR] });
  const p2 = await newPage();
  await p2.goto(`${doomed.query}/search`);
  await waitReady(p2, 'search');
  await doomed.stop();
  await p2.click('[data-testid="search-submit"]');
  await p2.locator('[data-testid="api-down"]').waitFor({ state: 'visible' });
  assert.ok((await p2.locator('#app').textContent()).length > 0, 'the page is not blank');
  await p2.close();
  await page.close();
});
