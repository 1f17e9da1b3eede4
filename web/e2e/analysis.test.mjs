// End-to-end tests of the trace-analysis UI (docs/api.md, "Trace analysis"): a real
// `weft serve` serving web/dist, hand-built traces over OTLP/HTTP JSON, Debian's headless
// Chromium.
//
//   * the trace page: the critical path over the waterfall's bars (on the right rows only)
//     and its self time per service; a server span on a host whose clock is ahead, marked
//     as clock-adjusted, and the "Raw times" toggle that shows it where its clock put it;
//   * the analysis page (from the trace's "Analyse this operation"): bands of the critical
//     path with the planted slow database call first in the slowest band, the cohort
//     table's rows linking to traces;
//   * the compare view (from the trace's "Compare with…", and from two ticked search
//     results): a node only the second trace has;
//   * a log-built trace (weft tails a log file): the RpcId gaps noted in the header.
//
// WEFT_UI_SCREENSHOTS=DIR saves critical-path.png, analysis.png and compare.png there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpGet, makeTempDir, removeDir, startServer, waitFor } from '../../tests/integration/lib/server.mjs';
import { T0 as LOG_T0, hexId, line, waitTrace } from '../../tests/integration/lib/loglines.mjs';
import { launchChromium, waitReady } from './browser.mjs';
import { sendCartTraces, sendSkewedTrace } from './analysis_data.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const UI_DIR = path.resolve(here, '..', 'dist');
const SHOTS = process.env.WEFT_UI_SCREENSHOTS;
const CART_TRACES = 200;

let server, browser, skewed, cart, logDir;

async function shot(page, name, opts = {}) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), ...opts });
}

async function newPage() {
  const page = await browser.context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  return page;
}

const row = (page, spanId) => page.locator(`[data-testid="span-row"][data-span-id="${spanId}"]`);
const visibleSegs = (page, spanId) => row(page, spanId).locator('[data-testid="cp-seg"]:visible').count();

before(async () => {
  assert.ok(existsSync(path.join(UI_DIR, 'index.html')),
    `the UI is not built (${UI_DIR}/index.html missing): run (cd web && npm ci && npm run build)`);
  logDir = makeTempDir('weft-ui-analysis-logs-');
  server = await startServer({ args: ['--ui-dir', UI_DIR, '--tail', path.join(logDir, '*.log'), '--tail-from', 'beginning', '--tail-window', '1s'] });
  skewed = await sendSkewedTrace(server);
  cart = await sendCartTraces(server, CART_TRACES);
  const ok = await waitFor(async () => {
    const r = await httpGet(`${server.query}/api/v1/search?service=shop&lookback=1h&limit=1000`);
    const t = await httpGet(`${server.query}/api/v1/traces/${skewed.id}`);
    return r.json?.traces?.length === CART_TRACES && t.status === 200 && t.json.spans.length === 5;
  }, { timeoutMs: 30000 });
  assert.ok(ok, 'the traces are searchable');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (logDir) removeDir(logDir);
});

test('trace page: the critical path over the bars, clock-skew marks, raw times', async () => {
  const page = await newPage();
  await page.goto(`${server.query}/trace/${skewed.id}`);
  await waitReady(page, 'trace');
  await page.locator('[data-testid="critical-path"][data-state="ready"]').waitFor();

  // On the path: the root, the client call, the skewed server span and its work; not the
  // audit call that ended before anything waited on it.
  for (const k of ['root', 'client', 'server', 'work'])
    assert.ok(await visibleSegs(page, skewed.spans[k]) > 0, `${k} has critical-path pieces`);
  assert.equal(await visibleSegs(page, skewed.spans.audit), 0, 'audit log is not on the critical path');
  assert.match(await row(page, skewed.spans.root).getAttribute('class'), /wf-on-cp/);
  // The root is on the path before and after its call: two pieces.
  assert.equal(await visibleSegs(page, skewed.spans.root), 2);

  // Self time per service × operation, most first.
  const selfTimes = page.locator('[data-testid="cp-self-time"]');
  assert.ok(await selfTimes.count() >= 3);
  assert.equal(await selfTimes.first().getAttribute('data-service'), 'backend');
  assert.equal(await selfTimes.first().getAttribute('data-operation'), 'handle');

  // The toggle hides and shows the overlay, and says so in the URL.
  await page.click('[data-testid="cp-toggle"]');
  await page.waitForURL(/cp=0/);
  assert.equal(await visibleSegs(page, skewed.spans.root), 0);
  await page.click('[data-testid="cp-toggle"]');
  assert.equal(await visibleSegs(page, skewed.spans.root), 2);

  // The backend's spans moved ~990 ms back into their caller: marked, with the amount.
  const mark = row(page, skewed.spans.server).locator('[data-testid="skew-mark"]');
  await mark.waitFor({ state: 'visible' });
  assert.match(await mark.getAttribute('title'), /^clock adjusted by \u2212990ms$/);
  assert.ok(await row(page, skewed.spans.work).locator('[data-testid="skew-mark"]:visible').count() === 1);
  assert.equal(await row(page, skewed.spans.client).locator('[data-testid="skew-mark"]:visible').count(), 0);
  await page.locator('[data-testid="skew-note"]').waitFor();
  await shot(page, 'critical-path');

  const barLeft = () => row(page, skewed.spans.server).locator('.wf-bar').evaluate((e) => parseFloat(e.style.left));
  const adjustedLeft = await barLeft();
  assert.ok(adjustedLeft > 10 && adjustedLeft < 30, `adjusted: inside its caller (${adjustedLeft}%)`);
  assert.match(await page.textContent('[data-testid="trace-duration"]'), /^120ms$/);

  // Raw times: the span where its own clock put it, after the caller had returned.
  await page.click('[data-testid="raw-times-toggle"]');
  await page.waitForURL(/adjust=false/);
  await waitReady(page, 'trace');
  const rawLeft = await barLeft();
  assert.ok(rawLeft > 85, `raw: past the root's end (${rawLeft}%)`);
  assert.match(await page.textContent('[data-testid="trace-duration"]'), /^1\.09s$/);
  assert.equal(await page.locator('[data-testid="skew-mark"]:visible').count(), 0);
  assert.ok(await page.isChecked('[data-testid="raw-times-toggle"]'));
  await page.locator('[data-testid="raw-note"]').waitFor();
  // Back to adjusted times.
  await page.click('[data-testid="raw-times-toggle"]');
  await waitReady(page, 'trace');
  assert.doesNotMatch(page.url(), /adjust=false/);
  assert.ok(Math.abs(await barLeft() - adjustedLeft) < 0.01);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('analysis page: bands with the slow database call first in the slowest, cohorts linking to traces', async () => {
  const page = await newPage();
  await page.goto(`${server.query}/trace/${cart.compareA}`);
  await waitReady(page, 'trace');
  await page.click('[data-testid="analyse-operation"]');
  await page.waitForURL(/\/analysis\?service=shop&operation=GET\+%2Fcart&lookback=1h/);
  await waitReady(page, 'analysis');

  const bands = page.locator('[data-testid="band"]');
  assert.deepEqual(await bands.evaluateAll((els) => els.map((e) => e.dataset.band)), ['all', 'median', 'slowest5', 'slowest1']);
  const first = (band) => page.locator(`[data-testid="band"][data-band="${band}"] [data-testid="band-seg"]`).first();
  for (const band of ['slowest5', 'slowest1']) {
    assert.equal(await first(band).getAttribute('data-service'), 'cartdb', `${band}: cartdb first`);
    assert.equal(await first(band).getAttribute('data-operation'), 'SELECT items');
    assert.match(await first(band).getAttribute('title'), /^cartdb: SELECT items — \d+% of the critical path \(median traces: \d+(\.\d)?%\)/);
  }
  assert.notEqual(await first('median').getAttribute('data-service'), 'cartdb', 'typical traces wait on something else first');
  assert.match(await page.textContent('[data-testid="cp-summary"]'), /200 traces of shop: GET \/cart/);
  assert.ok(await page.locator('[data-testid="cp-legend"]').textContent().then((t) => t.includes('cartdb')));
  const examples = page.locator('[data-testid="band"][data-band="slowest1"] [data-testid="example-trace"]');
  assert.ok(cart.slow.includes(decodeURIComponent((await examples.first().getAttribute('href')).split('/').pop())), 'the slowest example is a slow trace');

  // Cohorts of the slowest 5 %: db.shard=7 leads; each row links to traces.
  const rows = page.locator('[data-testid="cohort-row"]');
  await rows.first().waitFor();
  const features = await rows.locator('.an-feature').allTextContents();
  assert.ok(features.slice(0, 3).includes('db.shard=7'), `db.shard=7 among the first features: ${features.slice(0, 5)}`);
  const link = rows.first().locator('a[href^="/trace/"]').first();
  const href = await link.getAttribute('href');
  assert.ok(cart.slow.includes(href.slice('/trace/'.length)), 'an example of the selection');
  await shot(page, 'analysis', { fullPage: true });

  // With errors: auth.region=eu; the selection goes into the URL.
  await page.click('[data-testid="cohort-select-error"]');
  await page.waitForURL(/select=error/);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="cohort-row"] .an-feature')].some((e) => e.textContent === 'auth.region=eu'));

  // Follow an example.
  await page.locator('[data-testid="cohort-row"] a[href^="/trace/"]').first().click();
  await page.waitForURL(/\/trace\//);
  await waitReady(page, 'trace');
  assert.ok(cart.failed.some((id) => page.url().includes(id)), 'an example of the failed traces');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('compare view: from a trace, the node only the second trace has', async () => {
  const page = await newPage();
  await page.goto(`${server.query}/trace/${cart.compareA}`);
  await waitReady(page, 'trace');
  await page.fill('[data-testid="compare-input"]', cart.compareB);
  await page.press('[data-testid="compare-input"]', 'Enter');
  await page.waitForURL(`**/compare?a=${cart.compareA}&b=${cart.compareB}`);
  await waitReady(page, 'compare');
  const onlyB = page.locator('[data-testid="compare-row"][data-side="onlyB"]');
  assert.equal(await onlyB.count(), 1);
  assert.equal(await onlyB.getAttribute('data-service'), 'cache');
  assert.match(await onlyB.textContent(), /only in B/);
  assert.equal(await page.locator('[data-testid="compare-row"][data-side="onlyA"]').count(), 0);
  const rootRow = page.locator('[data-testid="compare-row"]').first();
  assert.equal(await rootRow.getAttribute('data-side'), 'both');
  assert.equal(await rootRow.getAttribute('data-depth'), '0');
  assert.match(await rootRow.locator('.cmp-delta').textContent(), /^\+/);
  assert.match(await page.textContent('[data-testid="compare-summary"]'), /1 only in B/);
  await shot(page, 'compare');

  // From search results: tick two, compare them (the older as A).
  await page.goto(`${server.query}/search?service=shop&lookback=1h&limit=3`);
  await waitReady(page, 'search');
  const picks = page.locator('[data-testid="compare-pick"]');
  assert.equal(await picks.count(), 3);
  assert.equal(await page.getAttribute('[data-testid="compare-selected"]', 'href'), null);
  await picks.nth(0).check();
  await picks.nth(1).check();
  await picks.nth(2).check(); // the first is unticked
  assert.equal(await picks.nth(0).isChecked(), false);
  const ids = await page.locator('[data-testid="result"]').evaluateAll((els) => els.map((e) => e.dataset.traceId));
  await page.click('[data-testid="compare-selected"]');
  await page.waitForURL(`**/compare?a=${ids[2]}&b=${ids[1]}`); // newest first: the third is older
  await waitReady(page, 'compare');
  assert.ok(await page.locator('[data-testid="compare-row"]').count() >= 4);

  // The form: a malformed ID is refused in place; the empty page explains itself.
  await page.goto(`${server.query}/compare`);
  await waitReady(page, 'compare');
  await page.locator('[data-testid="compare-intro"]').waitFor();
  await page.fill('[data-testid="compare-a"]', 'not-an-id');
  await page.fill('[data-testid="compare-b"]', cart.compareB);
  await page.click('[data-testid="compare-submit"]');
  assert.match(await page.textContent('.an-form-error'), /Trace A is not a trace ID/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a log-built trace: the RpcId gaps in the header', async () => {
  const id = hexId();
  appendFileSync(path.join(logDir, 'shop.log'), [
    line('request.info', id, '0.1', 'logshop', LOG_T0, { x_module: 'GET /gap', x_duration: 1 }),
    line('mysql.request', id, '0.2', 'logshop', LOG_T0),
    line('http.post', id, '0.4', 'logshop', LOG_T0, { x_action: 'http://backend/x' }),
    line('request.info', id, '0.4.1', 'logbackend', LOG_T0, { x_module: 'POST /x' }),
    line('redis.request', id, '0.4.3', 'logbackend', LOG_T0),
  ].join('\n') + '\n');
  await waitTrace(server, id, 5, 0);
  const page = await newPage();
  await page.goto(`${server.query}/trace/${id}`);
  await waitReady(page, 'trace');
  const note = page.locator('[data-testid="rpc-gaps"]');
  await note.waitFor();
  const text = await note.textContent();
  assert.match(text, /^2 calls missing/);
  assert.deepEqual(await note.locator('code').allTextContents(), ['0.3', '0.4.2']);
  // A trace without RpcIds has no such note.
  await page.goto(`${server.query}/trace/${skewed.id}`);
  await waitReady(page, 'trace');
  await page.locator('[data-testid="critical-path"][data-state="ready"]').waitFor();
  assert.equal(await page.locator('[data-testid="rpc-gaps"]').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});
