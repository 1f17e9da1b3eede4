// (b) Crash safety: with the default fsync policy, every span whose export request was
// answered 200 survives `kill -9` of the server. Several concurrent OTLP/HTTP JSON writers
// (some gzip) stream traces; the server is killed mid-stream at three different moments,
// restarted on the same data dir each time, and every acknowledged span must be readable
// through /api/v1/traces/{id} (cumulatively over all rounds, no duplicates).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, makeTempDir, removeDir, httpGet, httpPost, waitFor } from './lib/server.mjs';
import { otlpRequest, traceId as newTraceId, spanId as newSpanId, nowNs } from './lib/otlp.mjs';

const WORKERS = 8;
const SERVICE = 'crash-svc';
const KILL_AFTER_MS = [2000, 2600, 3100];

const dataDir = makeTempDir('weft-it-crash-');
let current = null;
after(async () => {
  if (current && !current.exitInfo) await current.kill9();
  removeDir(dataDir);
});

/** One trace of n spans (a root and children) as OTLP JSON. */
function makeTrace(n) {
  const tid = newTraceId();
  const t0 = nowNs() - 1000000000n;
  const root = newSpanId();
  const spans = [{ traceId: tid, spanId: root, name: 'root', kind: 2, start: t0, end: t0 + 50000000n,
    attributes: { 'crash.seq': n, 'crash.kind': 'root' } }];
  for (let i = 1; i < n; i++) {
    spans.push({ traceId: tid, spanId: newSpanId(), parentSpanId: root, name: `child-${i}`, kind: 3,
      start: t0 + BigInt(i) * 1000000n, end: t0 + BigInt(i) * 1000000n + 500000n, attributes: { 'crash.i': i } });
  }
  return { tid, spanIds: spans.map((s) => s.spanId), body: otlpRequest(SERVICE, spans, { 'crash.worker': 'w' }) };
}

/** Stream exports until stop() is set; record acknowledged traces. */
async function writer(server, w, acked, stats, shouldStop) {
  let seq = 0;
  while (!shouldStop()) {
    const tr = makeTrace(5 + ((seq++ + w) % 16));
    const json = JSON.stringify(tr.body);
    const gz = w % 2 === 1;
    const headers = { 'content-type': 'application/json', ...(gz ? { 'content-encoding': 'gzip' } : {}) };
    try {
      const r = await httpPost(`${server.otlpHttp}/v1/traces`, gz ? gzipSync(json) : json, headers, { timeoutMs: 10000 });
      if (r.status === 200) {
        if (r.json?.partialSuccess?.rejectedSpans && String(r.json.partialSuccess.rejectedSpans) !== '0') {
          stats.partial++;
        } else {
          acked.set(tr.tid, tr.spanIds);
        }
      } else if (r.status === 429 || r.status === 503) {
        stats.retryLater++;
        await sleep(20);
      } else {
        stats.other.push(`${r.status}: ${r.text.slice(0, 200)}`);
      }
    } catch (e) {
      stats.errors++;
      if (shouldStop()) return;
      await sleep(10);
    }
  }
}

async function checkHealthy(server) {
  const h = await httpGet(`${server.query}/healthz`);
  assert.equal(h.status, 200, `healthz after restart: ${h.status} ${h.text}`);
  const ready = await waitFor(async () => (await httpGet(`${server.query}/readyz`)).status === 200, { timeoutMs: 20000 });
  assert.ok(ready, 'readyz did not become 200 within 20 s after restart');
}

/** Every acknowledged span must be readable; returns a list of problems. */
async function verifyAll(server, acked) {
  const problems = [];
  const entries = [...acked.entries()];
  let next = 0;
  async function worker() {
    while (next < entries.length) {
      const [tid, spanIds] = entries[next++];
      const r = await httpGet(`${server.query}/api/v1/traces/${tid}`);
      if (r.status !== 200 || !r.json) { problems.push(`trace ${tid}: HTTP ${r.status} ${r.text.slice(0, 120)}`); continue; }
      const got = (r.json.spans || []).map((s) => String(s.spanId).toLowerCase());
      const missing = spanIds.filter((id) => !got.includes(id));
      if (missing.length) problems.push(`trace ${tid}: ${missing.length}/${spanIds.length} acknowledged spans missing`);
      if (new Set(got).size !== got.length) problems.push(`trace ${tid}: duplicate spans after restart (${got.length} returned)`);
      if (got.length !== spanIds.length) problems.push(`trace ${tid}: ${got.length} spans returned, ${spanIds.length} sent`);
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker));
  return problems;
}

test('acknowledged spans survive kill -9 at three different moments', { timeout: 300000 }, async (t) => {
  const acked = new Map();
  for (let round = 0; round < KILL_AFTER_MS.length; round++) {
    current = await startServer({ dataDir });
    const server = current;
    if (round > 0) {
      await checkHealthy(server);
      const problems = await verifyAll(server, acked);
      assert.deepEqual(problems.slice(0, 20), [], `after restart ${round}: ${problems.length} problems over ${acked.size} acknowledged traces`);
    }
    const before = acked.size;
    const stats = { errors: 0, retryLater: 0, partial: 0, other: [] };
    let stop = false;
    const writers = Array.from({ length: WORKERS }, (_, w) => writer(server, w, acked, stats, () => stop));
    const killAt = KILL_AFTER_MS[round] + Math.floor(Math.random() * 200);
    await sleep(killAt);
    const info = await server.kill9();
    stop = true;
    await Promise.all(writers);
    t.diagnostic(`round ${round + 1}: killed after ${killAt} ms (${JSON.stringify({ code: info.code, signal: info.signal })}); ` +
      `${acked.size - before} traces acknowledged this round, ${stats.errors} connection errors, ` +
      `${stats.retryLater} retry-later, ${stats.partial} partial`);
    assert.equal(info.signal, 'SIGKILL', `server should have died from SIGKILL, got ${JSON.stringify(info)}; output:\n${server.output().slice(-2000)}`);
    assert.deepEqual(stats.other.slice(0, 5), [], 'unexpected export responses');
    assert.equal(stats.partial, 0, 'valid spans must not be rejected');
    assert.ok(acked.size - before > 0, `round ${round + 1}: no export was acknowledged`);
  }

  current = await startServer({ dataDir });
  await checkHealthy(current);
  const problems = await verifyAll(current, acked);
  assert.deepEqual(problems.slice(0, 20), [], `final: ${problems.length} problems over ${acked.size} acknowledged traces`);
  // The recovered store still accepts writes and shuts down cleanly.
  const tr = makeTrace(3);
  const r = await httpPost(`${current.otlpHttp}/v1/traces`, JSON.stringify(tr.body), { 'content-type': 'application/json' });
  assert.equal(r.status, 200, `export after recovery: ${r.status} ${r.text}`);
  const info = await current.stop();
  assert.equal(info.code, 0, `clean shutdown after recovery: ${JSON.stringify(info)}`);
});

test('SIGINT drains and exits 0; spans acknowledged before it are there after restart', { timeout: 60000 }, async () => {
  const dir = makeTempDir('weft-it-sigint-');
  try {
    let server = await startServer({ dataDir: dir });
    const trs = [makeTrace(4), makeTrace(7)];
    for (const tr of trs) {
      const r = await httpPost(`${server.otlpHttp}/v1/traces`, JSON.stringify(tr.body), { 'content-type': 'application/json' });
      assert.equal(r.status, 200, `export: ${r.status} ${r.text}`);
    }
    const info = await server.signalAndWait('SIGINT');
    assert.equal(info.code, 0, `exit on SIGINT: ${JSON.stringify(info)}\n${server.output().slice(-2000)}`);
    server = await startServer({ dataDir: dir });
    try {
      const acked = new Map(trs.map((tr) => [tr.tid, tr.spanIds]));
      assert.deepEqual(await verifyAll(server, acked), []);
    } finally {
      await server.stop();
    }
  } finally {
    removeDir(dir);
  }
});
