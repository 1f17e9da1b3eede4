// `weft demo`: the demo shop of examples/ (C++ services on the weft SDK) sends real traces.
//
// (1) weft serve on port 0; `weft demo --endpoint ... --duration 5` drives traffic into it;
//     then the Jaeger API must show the exporting services, a checkout trace that crosses
//     frontend -> orders -> payments with correct parent links, the mysql virtual node in
//     the dependency graph, and inventory's trace log lines must name traces weft has.
// (2) `weft demo --serve`: one command starts weft serve too (tailing inventory's trace log,
//     whose spans must join the SDK services' traces), and SIGTERM stops every process it
//     started.
// Every process is bounded in time and killed by PID if it overstays.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  WEFT_BIN, assertBinary, getJson, makeTempDir, removeDir, startServer, waitFor,
} from './lib/server.mjs';

const DEMO_TIMEOUT_MS = 90000;
const EXPORTING = ['frontend', 'orders', 'payments'];

/** Run `weft demo` with args; resolves {code, signal, out} when it exits. */
function runDemo(args, { timeoutMs = DEMO_TIMEOUT_MS, onOutput } = {}) {
  const child = spawn(WEFT_BIN, ['demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const append = (d) => { out += d.toString(); if (onOutput) onOutput(out); };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const timer = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, timeoutMs);
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out }); });
    child.on('error', (err) => { clearTimeout(timer); resolve({ code: null, signal: null, err, out }); });
  });
  return { child, exited, output: () => out };
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Child PIDs printed by `weft demo` ("  orders    http://127.0.0.1:N  pid 123  output ..."). */
function childPids(out) {
  return [...out.matchAll(/ pid (\d+) /g)].map((m) => Number(m[1]));
}

function serviceOf(trace, span) { return trace.processes[span.processID].serviceName; }
function tag(span, key) { const t = span.tags.find((x) => x.key === key); return t ? t.value : undefined; }
function parentOf(span) {
  const ref = (span.references || []).find((r) => r.refType === 'CHILD_OF');
  return ref ? ref.spanID : undefined;
}

describe('weft demo into a running weft serve', () => {
  let server;
  let logDir;
  let demoRun;

  before(async () => {
    assertBinary();
    // A short pairing window: calls to mysql and the bank (no spans of their own) become
    // virtual-node edges 2 s after they end rather than 10 s.
    server = await startServer({ args: ['--graph-window', '2s'] });
    logDir = makeTempDir('weft-it-demo-logs-');
    const run = runDemo([
      '--endpoint', server.otlpHttp, '--rate', '20', '--duration', '5', '--log-dir', logDir,
    ]);
    demoRun = await run.exited;
  });

  after(async () => {
    if (server) await server.stop();
    removeDir(logDir);
  });

  test('weft demo runs for --duration and exits 0, stopping its children', () => {
    assert.equal(demoRun.code, 0, `weft demo failed:\n${demoRun.out}`);
    assert.match(demoRun.out, /the shop is open/);
    assert.match(demoRun.out, /done, \d+ requests/);
    const pids = childPids(demoRun.out);
    assert.equal(pids.length, 4, demoRun.out);
    for (const pid of pids) assert.ok(!alive(pid), `demo service pid ${pid} still running`);
  });

  test('the exporting services appear, inventory (log lines only) does not', async () => {
    const services = await waitFor(async () => {
      const r = await getJson(`${server.query}/api/services`);
      return EXPORTING.every((s) => r.data.includes(s)) ? r.data : undefined;
    }, { timeoutMs: 15000 });
    assert.ok(services, 'frontend, orders and payments never all appeared in /api/services');
    assert.ok(!services.includes('inventory'), `inventory exported spans: ${services}`);
  });

  test('a checkout trace is one trace across frontend, orders and payments with correct parents', async () => {
    const op = encodeURIComponent('GET /checkout');
    const r = await getJson(`${server.query}/api/traces?service=frontend&operation=${op}&limit=200&lookback=1h`);
    assert.ok(r.data.length > 0, 'no checkout traces');
    const full = r.data.find((t) => {
      const svcs = new Set(t.spans.map((s) => serviceOf(t, s)));
      return EXPORTING.every((s) => svcs.has(s));
    });
    assert.ok(full, `no checkout trace reached payments among ${r.data.length}`);

    const byId = new Map(full.spans.map((s) => [s.spanID, s]));
    for (const s of full.spans) assert.equal(s.traceID, full.traceID, 'spans of one trace disagree on the trace id');
    const roots = full.spans.filter((s) => !parentOf(s));
    assert.equal(roots.length, 1, `expected one root, got ${roots.map((s) => s.operationName)}`);
    const root = roots[0];
    assert.equal(serviceOf(full, root), 'frontend');
    assert.equal(root.operationName, 'GET /checkout');
    assert.equal(tag(root, 'span.kind'), 'server');
    assert.equal(tag(root, 'http.request.method'), 'GET');
    assert.equal(tag(root, 'url.path'), '/checkout');
    for (const s of full.spans) {
      const p = parentOf(s);
      if (p) assert.ok(byId.has(p), `${serviceOf(full, s)} ${s.operationName}: parent ${p} not in the trace`);
    }
    const find = (svc, name, kind) => full.spans.find((s) =>
      serviceOf(full, s) === svc && s.operationName === name && tag(s, 'span.kind') === kind);
    // frontend SERVER -> frontend CLIENT POST /orders -> orders SERVER POST /orders
    const feCall = find('frontend', 'POST /orders', 'client');
    const ordersServer = find('orders', 'POST /orders', 'server');
    assert.ok(feCall && ordersServer, 'missing the frontend -> orders call');
    assert.equal(parentOf(feCall), root.spanID);
    assert.equal(parentOf(ordersServer), feCall.spanID);
    assert.equal(tag(feCall, 'peer.service'), 'orders');
    // orders SERVER -> orders CLIENT POST /charge -> payments SERVER POST /charge
    const payCall = find('orders', 'POST /charge', 'client');
    const payServer = find('payments', 'POST /charge', 'server');
    assert.ok(payCall && payServer, 'missing the orders -> payments call');
    assert.equal(parentOf(payCall), ordersServer.spanID);
    assert.equal(parentOf(payServer), payCall.spanID);
    // The call to inventory is there (its server side is in inventory's log, not in weft).
    const invCall = find('orders', 'POST /reserve', 'client');
    assert.ok(invCall, 'missing the orders -> inventory call');
    assert.equal(parentOf(invCall), ordersServer.spanID);
    // W3C baggage set by the frontend reached orders.
    const validate = find('orders', 'order.validate', 'internal');
    assert.ok(validate, 'missing orders order.validate');
    assert.ok(['free', 'plus', 'gold'].includes(tag(validate, 'customer.tier')),
      `baggage customer.tier did not arrive: ${tag(validate, 'customer.tier')}`);
    // payments -> bank: a CLIENT span to an uninstrumented peer.
    const bank = find('payments', 'POST /v1/charges', 'client');
    assert.ok(bank, 'missing the payments -> bank call');
    assert.equal(tag(bank, 'peer.service'), 'bank');
  });

  test('database CLIENT spans carry the OTel db attributes', async () => {
    const r = await getJson(`${server.query}/api/traces?service=orders&tag=db.system:mysql&limit=20&lookback=1h`);
    assert.ok(r.data.length > 0, 'no orders trace with a mysql call');
    const spans = r.data.flatMap((t) => t.spans.filter((s) => tag(s, 'db.system') === 'mysql'));
    assert.ok(spans.length > 0);
    const s = spans[0];
    assert.equal(tag(s, 'span.kind'), 'client');
    assert.equal(tag(s, 'peer.service'), 'mysql');
    assert.equal(tag(s, 'server.port'), 3306);
    assert.ok(tag(s, 'server.address'));
    assert.match(String(tag(s, 'db.statement')), /^INSERT INTO orders/);
  });

  test('the service graph shows the mysql and bank virtual nodes', async () => {
    const deps = await waitFor(async () => {
      const r = await getJson(`${server.query}/api/dependencies?endTs=${Date.now()}&lookback=3600000`);
      const has = (p, c) => r.data.some((d) => d.parent === p && d.child === c && d.callCount > 0);
      return has('orders', 'mysql') && has('frontend', 'orders') && has('orders', 'payments') ? r.data : undefined;
    }, { timeoutMs: 20000 });
    assert.ok(deps, 'orders -> mysql, frontend -> orders or orders -> payments missing from /api/dependencies');
    const edges = deps.map((d) => `${d.parent}->${d.child}`);
    assert.ok(edges.includes('payments->bank'), `no payments->bank edge: ${edges}`);
    assert.ok(edges.includes('orders->inventory'), `no orders->inventory edge: ${edges}`);
  });

  test('inventory wrote trace log lines whose trace ids weft has', async () => {
    const file = path.join(logDir, 'inventory.trace.log');
    assert.ok(existsSync(file), `${file} missing`);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
    assert.ok(lines.length > 0, 'empty trace log');
    const records = lines.map((l, i) => {
      try { return JSON.parse(l); } catch { assert.fail(`line ${i + 1} is not JSON: ${l.slice(0, 200)}`); }
      return undefined;
    });
    for (const r of records) assert.match(String(r.x_trace_id), /^[0-9a-f]{32}$/, JSON.stringify(r));
    // Requests and calls are numbered with RpcIds that came in from the callers: inventory
    // is never the entry (0.1), always deeper. (Lines of its INTERNAL spans name spans by id.)
    const withIds = records.filter((r) => typeof r.x_rpc_id === 'string');
    assert.ok(withIds.length > 0, 'no line has an x_rpc_id');
    for (const r of withIds) assert.match(r.x_rpc_id, /^0(\.\d+){2,}$/, `unexpected RpcId ${r.x_rpc_id}`);
    const requests = records.filter((r) => r.x_name === 'request.info');
    assert.ok(requests.length > 0, `no request.info lines among ${records.length}`);
    for (const r of requests) assert.equal(typeof r.x_rpc_id, 'string', JSON.stringify(r));
    assert.ok(records.some((r) => r.x_name === 'mysql.request'), 'no mysql.request lines');
    const ids = [...new Set(withIds.map((r) => r.x_trace_id))].slice(0, 10);
    const found = await getJson(`${server.query}/api/traces?${ids.map((id) => `traceID=${id}`).join('&')}`);
    const have = new Set(found.data.map((t) => t.traceID));
    for (const id of ids) assert.ok(have.has(id), `trace ${id} from inventory's log is not in weft`);

    // The RpcId flowed: inventory's request R.1 answers the caller's CLIENT span R, which
    // weft holds (tag weft.rpc_id) in the same trace (per-request numbering, LOGFORMAT.md).
    const byTrace = new Map(found.data.map((t) => [t.traceID, t]));
    let matched = 0;
    for (const r of requests.filter((x) => byTrace.has(x.x_trace_id))) {
      assert.match(r.x_rpc_id, /\.1$/, `request RpcId ${r.x_rpc_id} does not end in .1`);
      const callerId = r.x_rpc_id.slice(0, -2);
      const t = byTrace.get(r.x_trace_id);
      const call = t.spans.find((sp) => tag(sp, 'span.kind') === 'client' && tag(sp, 'peer.service') === 'inventory');
      assert.ok(call, `trace ${r.x_trace_id} has no CLIENT span calling inventory`);
      assert.equal(tag(call, 'weft.rpc_id'), callerId, `trace ${r.x_trace_id}`);
      ++matched;
    }
    assert.ok(matched > 0, 'no request.info line of a trace looked up');
  });
});

describe('weft demo --serve', () => {
  test('starts weft serve itself, prints where to look, and SIGTERM stops everything', async () => {
    assertBinary();
    const logDir = makeTempDir('weft-it-demo-serve-logs-');
    const dataDir = makeTempDir('weft-it-demo-serve-data-');
    let run;
    try {
      run = runDemo([
        '--serve', '--serve-any-ports', '--data-dir', dataDir, '--log-dir', logDir, '--rate', '20',
      ]);
      const open = await waitFor(() => /the shop is open/.test(run.output()), { timeoutMs: 45000 });
      assert.ok(open, `weft demo --serve never opened the shop:\n${run.output()}`);
      const m = run.output().match(/traces\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/traces\?service=frontend/);
      assert.ok(m, `no query URL printed:\n${run.output()}`);
      const query = m[1];
      const services = await waitFor(async () => {
        const r = await getJson(`${query}/api/services`);
        return EXPORTING.every((s) => r.data.includes(s));
      }, { timeoutMs: 20000 });
      assert.ok(services, 'the services never appeared in the weft serve that demo started');
      // inventory's spans come from its trace log (demo passes --tail to weft serve), joined
      // into the SDK services' traces: its request hangs under its caller's CLIENT span.
      const joined = await waitFor(async () => {
        const r = await getJson(`${query}/api/traces?service=inventory&limit=20`);
        for (const t of r.data) {
          const inv = t.spans.find((sp) => serviceOf(t, sp) === 'inventory' && tag(sp, 'span.kind') === 'server');
          const parent = inv && t.spans.find((sp) => sp.spanID === parentOf(inv));
          if (parent && tag(parent, 'span.kind') === 'client' && serviceOf(t, parent) !== 'inventory' &&
              tag(inv, 'weft.placeholder') === undefined && tag(parent, 'weft.placeholder') === undefined) return true;
        }
        return false;
      }, { timeoutMs: 30000, intervalMs: 500 });
      assert.ok(joined, `no log-built inventory span under its caller's span:\n${run.output()}`);
      run.child.kill('SIGTERM');
      const res = await run.exited;
      assert.equal(res.code, 0, `weft demo did not exit 0 after SIGTERM:\n${res.out}`);
      const pids = childPids(res.out);
      assert.equal(pids.length, 4, res.out);
      for (const pid of pids) assert.ok(!alive(pid), `demo service pid ${pid} still running`);
      // weft serve is gone too: its query port no longer answers.
      await sleep(100);
      await assert.rejects(fetch(`${query}/healthz`, { signal: AbortSignal.timeout(2000) }));
    } finally {
      if (run && run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      removeDir(logDir);
      removeDir(dataDir);
    }
  });
});
