// The pipeline through the real binary (issue 12): RED metrics exact for every call, the
// service graph built at ingest answering the dependency endpoints, metrics kept across a
// restart, the cardinality cap, SLA alerts fired and resolved at a real webhook receiver,
// and a bad alert rule refused at start with its config line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  REPO_ROOT, WEFT_BIN, getJson, httpGet, httpPost, makeTempDir, parseMetrics, postJson, removeDir, startServer,
  sumMetric, waitFor,
} from './lib/server.mjs';
import { nowNs, otlpRequest, spanId, traceId } from './lib/otlp.mjs';

const MS = 1000000n;
const SERVER = 2, CLIENT = 3, PRODUCER = 4, CONSUMER = 5;
const ERROR = { code: 2, message: 'failed' };

async function post(server, service, spans) {
  const r = await postJson(`${server.otlpHttp}/v1/traces`, otlpRequest(service, spans));
  assert.equal(r.status, 200, r.text);
}

// One point over the whole window: calls, errors and percentiles of a service's spans.
async function redTotals(server, service) {
  const end = nowNs() + 60_000n * MS;
  const start = end - 3_600_000n * MS;
  const r = await getJson(`${server.query}/api/v1/metrics/red?service=${service}` +
    `&start=${start}&end=${end}&step=1h`);
  const out = { calls: 0, errors: 0, series: r.series };
  for (const s of r.series) for (const p of s.points) { out.calls += p.calls; out.errors += p.errors; }
  return out;
}

// The value at rank q of sorted values, as a quantile sketch answers it.
const exactQuantile = (sorted, q) => sorted[Math.floor(q * (sorted.length - 1))];

test('RED metrics count every call exactly, percentiles within 1 %; a refused request counts nothing', async () => {
  const server = await startServer({ args: ['--max-spans-per-request', '500'] });
  try {
    const end = nowNs() - 20_000n * MS;
    const durationsMs = [];
    const spans = [];
    for (let i = 0; i < 400; i++) {
      const d = BigInt(i + 1) * MS;
      durationsMs.push(i + 1);
      spans.push({
        traceId: traceId(), spanId: spanId(), name: 'GET /item', kind: SERVER,
        start: end - d, end, ...(i % 25 === 0 ? { status: ERROR } : {}),
      });
    }
    for (let i = 0; i < 400; i += 100) await post(server, 'red-a', spans.slice(i, i + 100));
    // Over --max-spans-per-request: refused whole (413), so none of it may be counted.
    const tooMany = [];
    for (let i = 0; i < 600; i++) {
      tooMany.push({ traceId: traceId(), spanId: spanId(), name: 'GET /item', kind: SERVER, start: end - MS, end });
    }
    const refused = await postJson(`${server.otlpHttp}/v1/traces`, otlpRequest('red-a', tooMany));
    assert.equal(refused.status, 413);

    const totals = await redTotals(server, 'red-a');
    assert.equal(totals.calls, 400);
    assert.equal(totals.errors, 16);
    assert.equal(totals.series.length, 1);
    const point = totals.series[0].points.find((p) => p.calls > 0);
    assert.equal(totals.series[0].operation, 'GET /item');
    assert.equal(totals.series[0].spanKind, 'server');
    for (const [q, key] of [[0.5, 'p50Ms'], [0.9, 'p90Ms'], [0.99, 'p99Ms']]) {
      const exact = exactQuantile(durationsMs, q);
      assert.ok(Math.abs(point[key] - exact) / exact <= 0.011,
        `${key} ${point[key]} vs exact ${exact}`);
    }
    // Exemplars name a trace we sent.
    const sent = new Set(spans.map((s) => s.traceId));
    assert.ok(totals.series[0].exemplars.length > 0);
    for (const e of totals.series[0].exemplars) assert.ok(sent.has(e.traceId), e.traceId);

    // The Jaeger Monitor tab's API: call counts per second over a 10-minute window.
    const endMs = Number(nowNs() / MS) + 60_000;
    const calls = await getJson(`${server.query}/api/metrics/calls?service=red-a&endTs=${endMs}` +
      '&lookback=600000&step=60000&ratePer=600000');
    assert.equal(calls.name, 'service_call_rate');
    assert.equal(calls.metrics.length, 1);
    assert.deepEqual(calls.metrics[0].labels, [{ name: 'service_name', value: 'red-a' }]);
    const maxRate = Math.max(...calls.metrics[0].metricPoints.map((p) => p.gaugeValue.doubleValue));
    assert.ok(Math.abs(maxRate - 400 / 600) < 1e-9, `rate ${maxRate}`);
    const errors = await getJson(`${server.query}/api/metrics/errors?service=red-a&endTs=${endMs}` +
      '&lookback=600000&step=60000&ratePer=600000');
    const maxErr = Math.max(...errors.metrics[0].metricPoints.map((p) => p.gaugeValue.doubleValue));
    assert.ok(Math.abs(maxErr - 16 / 400) < 1e-9, `error rate ${maxErr}`);
    const minstep = await getJson(`${server.query}/api/metrics/minstep`);
    assert.equal(minstep.data, 10000);
  } finally {
    await server.stop();
  }
});

// frontend -CLIENT/SERVER-> checkout (the server side fails), checkout -> postgresql (a
// database with no spans: a virtual node), checkout -PRODUCER/CONSUMER-> mailer.
function graphTrace() {
  const t = traceId();
  const end = nowNs() - 1000n * MS;
  const root = spanId(), call = spanId(), handle = spanId(), query = spanId(), send = spanId();
  return {
    frontend: [
      { traceId: t, spanId: root, name: 'GET /', kind: SERVER, start: end - 100n * MS, end },
      { traceId: t, spanId: call, parentSpanId: root, name: 'POST /checkout', kind: CLIENT, start: end - 90n * MS, end: end - 10n * MS },
    ],
    checkout: [
      { traceId: t, spanId: handle, parentSpanId: call, name: 'POST /checkout', kind: SERVER, start: end - 85n * MS, end: end - 15n * MS, status: ERROR },
      { traceId: t, spanId: query, parentSpanId: handle, name: 'SELECT orders', kind: CLIENT, start: end - 80n * MS, end: end - 70n * MS, attributes: { 'db.system': 'postgresql', 'server.address': 'pg-main' } },
      { traceId: t, spanId: send, parentSpanId: handle, name: 'orders publish', kind: PRODUCER, start: end - 60n * MS, end: end - 55n * MS, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' } },
    ],
    mailer: [
      { traceId: t, spanId: spanId(), parentSpanId: send, name: 'orders process', kind: CONSUMER, start: end - 50n * MS, end: end - 20n * MS },
    ],
  };
}

test('the service graph is built at ingest: pairs across requests, virtual nodes, every dependency endpoint', async () => {
  const server = await startServer({ args: ['--graph-window', '1s'] });
  try {
    const traces = Array.from({ length: 5 }, graphTrace);
    // The halves of each pair arrive in separate requests, server side first for some.
    await post(server, 'checkout', traces.slice(0, 2).flatMap((t) => t.checkout));
    await post(server, 'frontend', traces.flatMap((t) => t.frontend));
    await post(server, 'mailer', traces.flatMap((t) => t.mailer));
    await post(server, 'checkout', traces.slice(2).flatMap((t) => t.checkout));

    const find = (deps, parent, child) => deps.find((d) => d.parent === parent && d.child === child);
    // The database call becomes a virtual edge once the pairing window has passed.
    const deps = await waitFor(async () => {
      const d = (await getJson(`${server.query}/api/v1/dependencies?lookback=1h`)).dependencies;
      return find(d, 'checkout', 'postgresql@pg-main') ? d : undefined;
    }, { timeoutMs: 15000 });
    assert.ok(deps, 'the virtual database edge appeared');
    assert.deepEqual(find(deps, 'frontend', 'checkout'),
      { parent: 'frontend', child: 'checkout', callCount: 5, errorCount: 5, childKind: 'service', virtual: false });
    assert.deepEqual(find(deps, 'checkout', 'postgresql@pg-main'),
      { parent: 'checkout', child: 'postgresql@pg-main', callCount: 5, errorCount: 0, childKind: 'database', virtual: true });
    assert.deepEqual(find(deps, 'checkout', 'mailer'),
      { parent: 'checkout', child: 'mailer', callCount: 5, errorCount: 0, childKind: 'service', virtual: false });
    assert.equal(deps.length, 3, JSON.stringify(deps));

    // Jaeger's and Zipkin's endpoints read the same graph.
    const endMs = Number(nowNs() / MS) + 60_000;
    const jaeger = (await getJson(`${server.query}/api/dependencies?endTs=${endMs}&lookback=3600000`)).data;
    assert.equal(find(jaeger, 'frontend', 'checkout').callCount, 5);
    assert.equal(jaeger.length, 3);
    const zipkin = await getJson(`${server.zipkin}/api/v2/dependencies?endTs=${endMs}&lookback=3600000`);
    assert.equal(find(zipkin, 'checkout', 'mailer').callCount, 5);
    assert.equal(find(zipkin, 'frontend', 'checkout').errorCount, 5);

    // The native edge view carries latency percentiles and the peer kind.
    const edges = (await getJson(`${server.query}/api/v1/metrics/edges?lookback=1h`)).edges;
    const pay = edges.find((e) => e.client === 'frontend' && e.server === 'checkout');
    assert.ok(Math.abs(pay.p50Ms - 80) / 80 <= 0.011, `p50 ${pay.p50Ms}`);
    const kafka = edges.find((e) => e.client === 'checkout' && e.server === 'mailer');
    assert.equal(kafka.messaging, true);

    const m = parseMetrics((await httpGet(`${server.query}/metrics`)).text);
    assert.equal(sumMetric(m, 'weft_graph_paired_total'), 10);
    assert.equal(sumMetric(m, 'weft_graph_virtual_edges_total'), 5);
  } finally {
    await server.stop();
  }
});

test('RED metrics survive a clean restart; the cardinality cap holds and counts the rest', async () => {
  const dataDir = makeTempDir('weft-it-pipeline-');
  try {
    const args = ['--metrics-max-series', '20'];
    let server = await startServer({ dataDir, args });
    const end = nowNs() - 5000n * MS;
    // 300 span names with an ID in them: past the cap they are counted under "__other__".
    const spans = Array.from({ length: 300 }, (_, i) => ({
      traceId: traceId(), spanId: spanId(), name: `GET /user/${i}`, kind: SERVER, start: end - 5n * MS, end,
    }));
    for (let i = 0; i < 300; i += 100) await post(server, 'ids', spans.slice(i, i + 100));
    const before = await redTotals(server, 'ids');
    assert.equal(before.calls, 300);
    assert.ok(before.series.length <= 21, `${before.series.length} series`);
    assert.ok(before.series.some((s) => s.operation === '__other__'));
    const m = parseMetrics((await httpGet(`${server.query}/metrics`)).text);
    assert.ok(sumMetric(m, 'weft_red_overflowed_calls_total') >= 280);
    assert.ok(sumMetric(m, 'weft_red_series') <= 21);
    await server.stop();

    server = await startServer({ dataDir, args });
    try {
      const after = await redTotals(server, 'ids');
      assert.equal(after.calls, 300, 'every call counted before the restart is still there');
      assert.equal(after.series.length, before.series.length);
    } finally {
      await server.stop();
    }
  } finally {
    removeDir(dataDir);
  }
});

// `weft serve --config FILE` expected to refuse to start: runs to its exit.
function serveWithConfig(config, dir) {
  return spawnSync(WEFT_BIN, ['serve', '--config', config, '--data-dir', path.join(dir, 'data'),
    '--query-addr', '127.0.0.1:0', '--otlp-grpc-addr', '127.0.0.1:0', '--otlp-http-addr', '127.0.0.1:0',
    '--zipkin-addr', '127.0.0.1:0', '--jaeger-http-addr', 'off', '--jaeger-compact-addr', 'off',
    '--jaeger-binary-addr', 'off'], { encoding: 'utf8', timeout: 30000 });
}

// A webhook receiver in the test: collects the Alertmanager payloads POSTed to it.
async function startWebhook() {
  const received = [];
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ path: req.url, type: req.headers['content-type'], json: JSON.parse(body) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${http.address().port}/hook`, received, close: () => http.close() };
}

test('an SLA rule fires and resolves at a real webhook, with the offending traces', async () => {
  const hook = await startWebhook();
  const dir = makeTempDir('weft-it-alerts-');
  const config = path.join(dir, 'weft.yaml');
  writeFileSync(config, [
    'fsync: interval',
    'alerts:',
    '  evaluation_interval: 1s',
    `  webhook: {url: "${hook.url}", timeout: 2s, max_retries: 2}`,
    '  rules:',
    '    - name: pay-errors',
    '      service: pay',
    '      error_rate: {threshold: 10%}',
    // Long enough that the alert is still firing when the test looks (the window counts
    // whole 10-second buckets: it may cover as little as 20 s of a 30 s window).
    '      window: 30s',
    '      labels: {team: shop}',
    '',
  ].join('\n'));
  const dataDir = path.join(dir, 'data');
  let server = await startServer({ dataDir, args: ['--config', config] });
  try {
    const rules = await getJson(`${server.query}/api/v1/alerts/rules`);
    assert.equal(rules.rules.length, 1);
    const end = nowNs();
    const spans = Array.from({ length: 20 }, (_, i) => ({
      traceId: traceId(), spanId: spanId(), name: 'charge', kind: SERVER, start: end - 5n * MS, end,
      ...(i % 2 ? { status: ERROR } : {}),
    }));
    await post(server, 'pay', spans);
    const firing = await waitFor(() => hook.received.find((r) => r.json.status === 'firing'), { timeoutMs: 20000 });
    assert.ok(firing, 'a firing notification arrived');
    assert.equal(firing.path, '/hook');
    assert.match(firing.type, /application\/json/);
    assert.equal(firing.json.version, '4');
    const alert = firing.json.alerts[0];
    assert.equal(alert.labels.alertname, 'pay-errors');
    assert.equal(alert.labels.service, 'pay');
    assert.equal(alert.labels.team, 'shop');
    const errorTraces = new Set(spans.filter((s) => s.status).map((s) => s.traceId));
    const named = alert.annotations.trace_ids.split(',').filter(Boolean);
    assert.ok(named.length > 0);
    for (const id of named) assert.ok(errorTraces.has(id), `${id} is one of the failed calls`);
    assert.match(alert.annotations.trace_url, new RegExp(`^${server.query}/trace/[0-9a-f]{32}$`));

    const state = await getJson(`${server.query}/api/v1/alerts`);
    assert.equal(state.alerts[0].state, 'firing');

    // kill -9 while firing, once the state file says so; the restarted server takes the
    // alert up as firing: it never notifies it again, and when the alert resolves (an
    // inactive alert could not) the receiver hears it.
    const stateFile = path.join(dataDir, 'alerts.state');
    assert.ok(await waitFor(() => existsSync(stateFile) && /^firing .* pay-errors$/m.test(readFileSync(stateFile, 'utf8')),
      { timeoutMs: 5000 }), 'the state file holds the firing alert');
    await server.kill9();
    server = await startServer({ dataDir, args: ['--config', config] });

    // No more traffic: once the window has passed the alert resolves, notified once.
    const resolved = await waitFor(() => hook.received.find((r) => r.json.status === 'resolved'), { timeoutMs: 60000 });
    assert.ok(resolved, 'a resolved notification arrived');
    assert.equal(resolved.json.alerts[0].labels.alertname, 'pay-errors');
    assert.equal(hook.received.filter((r) => r.json.status === 'firing').length, 1);
    assert.equal((await getJson(`${server.query}/api/v1/alerts`)).alerts[0].state, 'inactive');
    const m = parseMetrics((await httpGet(`${server.query}/metrics`)).text);
    assert.equal(sumMetric(m, 'weft_alert_notifications_sent_total'), 1);  // this process: the resolved one
  } finally {
    await server.stop();
    hook.close();
    removeDir(dir);
  }
});

test('a bad alert rule stops the server from starting and names the config line', async () => {
  const dir = makeTempDir('weft-it-alerts-bad-');
  const config = path.join(dir, 'weft.yaml');
  writeFileSync(config, [
    'alerts:',
    '  rules:',
    '    - name: slow',
    '      service: checkout',
    '      latency: {percentile: 99, threshold: "300"}',
    '',
  ].join('\n'));
  try {
    const r = serveWithConfig(config, dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /config line 5/);
    assert.match(r.stderr, /threshold/);
    // An unknown key in a rule, and a missing service, the same way.
    writeFileSync(config, 'alerts:\n  rules:\n    - name: x\n      servise: checkout\n      error_rate: {threshold: 1%}\n');
    const r2 = serveWithConfig(config, dir);
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, /config line 4/);
    assert.match(r2.stderr, /servise/);
  } finally {
    removeDir(dir);
  }
});

test('tail sampling in dry run: decisions counted per policy and service, every trace kept', async () => {
  const dir = makeTempDir('weft-it-tail-');
  const config = path.join(dir, 'weft.yaml');
  writeFileSync(config, [
    'tail_sampling:',
    '  dry_run: true',
    '  decision_wait: 1s',
    '  root_grace: 1s',
    '  policies:',
    '    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}',
    '    - {name: slow, type: latency, latency: {threshold_ms: 500}}',
    '',
  ].join('\n'));
  const server = await startServer({ args: ['--config', config] });
  try {
    const end = nowNs();
    const ids = [];
    const spans = [];
    for (let i = 0; i < 10; i++) {
      const id = traceId();
      ids.push(id);
      const d = i === 9 ? 800n * MS : 20n * MS;  // trace 9 is slow, traces 0-2 fail
      spans.push({ traceId: id, spanId: spanId(), name: 'checkout', kind: SERVER, start: end - d, end,
        ...(i < 3 ? { status: ERROR } : {}) });
    }
    await post(server, 'shop', spans);
    const counted = await waitFor(async () => {
      const m = parseMetrics((await httpGet(`${server.query}/metrics`)).text);
      const kept = sumMetric(m, 'weft_tail_sampling_traces_total', { service: 'shop', decision: 'kept' });
      const dropped = sumMetric(m, 'weft_tail_sampling_traces_total', { service: 'shop', decision: 'dropped' });
      return kept + dropped === 10 ? { m, kept, dropped } : undefined;
    }, { timeoutMs: 15000 });
    assert.ok(counted, 'all ten traces were decided');
    assert.equal(counted.kept, 4);
    assert.equal(counted.dropped, 6);
    assert.equal(sumMetric(counted.m, 'weft_tail_sampling_policy_decisions_total', { policy: 'errors', decision: 'sampled' }), 3);
    assert.equal(sumMetric(counted.m, 'weft_tail_sampling_policy_decisions_total', { policy: 'slow', decision: 'sampled' }), 1);
    // A dry run drops nothing: every trace is still there, after the cut into a block too.
    assert.equal((await httpPost(`${server.query}/api/v1/admin/flush`, '')).status, 200);
    for (const id of ids) assert.equal((await httpGet(`${server.query}/api/v1/traces/${id}`)).status, 200);
  } finally {
    await server.stop();
    removeDir(dir);
  }
});

test('a bad tail-sampling policy stops the server from starting and names the config line', async () => {
  const dir = makeTempDir('weft-it-tail-bad-');
  const config = path.join(dir, 'weft.yaml');
  writeFileSync(config, 'tail_sampling:\n  decision_wait: 5s\n  policies:\n    - {name: all, type: alwayz}\n');
  try {
    const r = serveWithConfig(config, dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /config line 4/);
    assert.match(r.stderr, /alwayz/);
  } finally {
    removeDir(dir);
  }
});

test('with --no-red-metrics the metrics and graph endpoints say why they are off', async () => {
  const server = await startServer({ args: ['--no-red-metrics'] });
  try {
    const r = await httpGet(`${server.query}/api/v1/dependencies`);
    assert.equal(r.status, 503);
    assert.match(r.json.error.message, /--red-metrics/);
    const jaeger = await httpGet(`${server.query}/api/metrics/calls?service=x`);
    assert.equal(jaeger.status, 503);
    assert.match(jaeger.json.errors[0].msg, /--red-metrics/);
    // Ingest is unaffected.
    const end = nowNs();
    await post(server, 'plain', [{ traceId: traceId(), spanId: spanId(), name: 'op', start: end - MS, end }]);
  } finally {
    await server.stop();
  }
});

test('the example config (examples/weft.yaml) starts weft serve with its rules and policies', async () => {
  const config = path.join(REPO_ROOT, 'examples', 'weft.yaml');
  const server = await startServer({ args: ['--config', config] });
  try {
    // The start log names what runs; the flags given by the test (data dir, ports) win.
    const log = server.output();
    assert.match(log, /tail sampling \(4 policies, decision 30000 ms after a trace's last span; dropped traces never reach a block\)/);
    assert.match(log, /2 alert rules -> http:\/\/127\.0\.0\.1:5001\/weft/);
    const alerts = await getJson(`${server.query}/api/v1/alerts`);
    assert.deepEqual(alerts.alerts.map((a) => a.name).sort(), ['checkout-p99', 'payments-errors']);
  } finally {
    await server.stop();
  }
});
