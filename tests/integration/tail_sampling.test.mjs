// Tail sampling that really drops (README.md, "Tail sampling"): with a `tail_sampling:`
// section and no `dry_run`, weft serve acknowledges spans once they are in the WAL, answers
// queries from the head, decides each trace `decision_wait` after its latest span (or
// `root_grace` after its root) and, when the head is cut into a block, leaves the dropped
// traces out and writes the kept ones whole.
//
// (1) ~300 four-span traces, each split over two requests, the server kill -9ed while every
//     trace still awaits its decision, restarted on the same data dir: the WAL replay remakes
//     the decisions, every error and slow trace is kept whole, the normal ones are kept exactly
//     when the probabilistic policy's trace-ID hash says so, and the dropped ones are gone
//     from every read path and from the store's figures; /metrics counts each decision once.
// (2) Late spans of decided traces follow the decision, whether the trace is still in the head
//     or already cut into a block: a kept trace gets them, a dropped one stays gone even when
//     the late span is itself an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  httpGet, httpPost, makeTempDir, parseMetrics, postJson, removeDir, startServer, sumMetric,
  waitFor,
} from './lib/server.mjs';
import { nowNs, otlpRequest, spanId, traceId } from './lib/otlp.mjs';

const MS = 1000000n;
const INTERNAL = 1, SERVER = 2, CLIENT = 3;
const OK = { code: 1 };
const ERROR = { code: 2, message: 'card declined' };

// ---------- helpers ----------

/** Writes a YAML config file into `dir` and returns its path. */
function writeConfig(dir, lines) {
  const file = path.join(dir, 'weft.yaml');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function post(server, service, spans) {
  const r = await postJson(`${server.otlpHttp}/v1/traces`, otlpRequest(service, spans));
  assert.equal(r.status, 200, `export of ${spans.length} spans (${service}): ${r.status} ${r.text}`);
  // Nothing partially rejected: every span sent is acknowledged (in the WAL).
  const rejected = r.json?.partialSuccess?.rejectedSpans;
  assert.ok(!rejected || String(rejected) === '0', `partial success: ${r.text}`);
}

async function metrics(server) {
  return parseMetrics((await httpGet(`${server.query}/metrics`)).text);
}

/** POST /api/v1/admin/flush: cut the head into a block and wait until it is durable. */
async function flush(server) {
  // The cut may wait up to decision_wait + 2 s for traces still undecided: give it room.
  const r = await httpPost(`${server.query}/api/v1/admin/flush`, '', {}, { timeoutMs: 30000 });
  assert.equal(r.status, 200, `flush: ${r.status} ${r.text}`);
  return r.json;
}

/** The span IDs of a trace through the native API, or null when it answers 404. */
async function nativeSpanIds(server, tid) {
  const r = await httpGet(`${server.query}/api/v1/traces/${tid}`);
  if (r.status === 404) return null;
  assert.equal(r.status, 200, `GET /api/v1/traces/${tid}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json.spans.map((s) => String(s.spanId).toLowerCase());
}

/** The span IDs of a trace through Jaeger's API v3 (OTLP JSON), or null on 404. */
async function v3SpanIds(server, tid) {
  const r = await httpGet(`${server.query}/api/v3/traces/${tid}`);
  if (r.status === 404) return null;
  assert.equal(r.status, 200, `GET /api/v3/traces/${tid}: ${r.status} ${r.text.slice(0, 300)}`);
  const ids = [];
  for (const rs of r.json.result.resourceSpans || []) {
    for (const ss of rs.scopeSpans || []) for (const s of ss.spans || []) ids.push(String(s.spanId).toLowerCase());
  }
  return ids;
}

/** The trace IDs the native search finds for a service (the whole store, one page). */
async function searchIds(server, service) {
  const r = await httpGet(`${server.query}/api/v1/search?service=${service}&limit=10000`);
  assert.equal(r.status, 200, `search: ${r.status} ${r.text.slice(0, 300)}`);
  return new Set(r.json.traces.map((t) => t.traceId));
}

/** Runs fn over items with at most n in flight; returns the results in order. */
async function mapLimit(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

const sorted = (ids) => [...ids].sort();

// The probabilistic policy as the OpenTelemetry Collector's (and src/pipeline/sampling/
// basic_policies.cc): FNV-1a 64 over the salt ("default-hash-seed" when none is configured)
// and then the 16 trace-ID bytes; sampled when the hash is <= 2^64 * percentage / 100
// (a double, truncated). This lets the test know exactly which normal traces must be kept.
const FNV_OFFSET = 14695981039346656037n;
const FNV_PRIME = 1099511628211n;
const U64 = (1n << 64n) - 1n;
function probabilisticHash(salt, tidHex) {
  let h = FNV_OFFSET;
  for (const b of [...Buffer.from(salt, 'utf8'), ...Buffer.from(tidHex, 'hex')]) {
    h = ((h ^ BigInt(b)) * FNV_PRIME) & U64;
  }
  return h;
}
const probabilisticKeeps = (percentage, tidHex) =>
  probabilisticHash('default-hash-seed', tidHex) <= BigInt(Math.trunc((percentage / 100) * 2 ** 64));

// ---------- 1. keep errors and slow traces, a fair share of the rest, across kill -9 ----------

const DECISION_WAIT_MS = 8000;  // generous: under AddressSanitizer in CI the sending is slower
const ROOT_GRACE_MS = 8000;
const FAIR_PERCENT = 10;
const TRACES = 300;

/**
 * One trace of four spans: a SERVER root of `tail-shop` and three children reported by
 * `tail-backend`. kind 'error': the charge child fails; 'slow': the root lasts 800 ms (over
 * the 500 ms threshold); 'normal': 50 ms, every status OK. Every span lies inside the root,
 * so the trace's duration is the root's.
 */
function makeTrace(kind, base) {
  const tid = traceId();
  const root = spanId();
  const rootEnd = base + (kind === 'slow' ? 800n : 50n) * MS;
  const children = [
    { traceId: tid, spanId: spanId(), parentSpanId: root, name: 'SELECT cart', kind: CLIENT,
      start: base + 5n * MS, end: base + 15n * MS, status: OK },
    { traceId: tid, spanId: spanId(), parentSpanId: root, name: 'POST /charge', kind: CLIENT,
      start: base + 16n * MS, end: base + 30n * MS, status: kind === 'error' ? ERROR : OK },
    { traceId: tid, spanId: spanId(), parentSpanId: root, name: 'render', kind: INTERNAL,
      start: base + 31n * MS, end: base + 45n * MS, status: OK },
  ];
  const rootSpan = { traceId: tid, spanId: root, name: 'GET /checkout', kind: SERVER,
    start: base, end: rootEnd, status: OK, attributes: { 'tail.kind': kind } };
  return { tid, kind, children, root: rootSpan, spanIds: [root, ...children.map((s) => s.spanId)] };
}

test('tail sampling keeps every error and slow trace and a fair share of the rest, whole, across a kill -9 mid-window',
  { timeout: 90000 }, async (t) => {
    const dir = makeTempDir('weft-it-tail-');
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir);
    const config = writeConfig(dir, [
      'tail_sampling:',
      `  decision_wait: ${DECISION_WAIT_MS / 1000}s`,
      `  root_grace: ${ROOT_GRACE_MS / 1000}s`,
      '  policies:',
      '    - name: errors',
      '      type: status_code',
      '      status_code:',
      '        status_codes: [ERROR]',
      '    - name: slow',
      '      type: latency',
      '      latency:',
      '        threshold_ms: 500',
      '    - name: fair',
      '      type: probabilistic',
      '      probabilistic:',
      `        sampling_percentage: ${FAIR_PERCENT}`,
    ]);
    const args = ['--config', config];
    let server = null;
    try {
      server = await startServer({ dataDir, args });

      // 20 error, 20 slow and 260 normal traces, interleaved so every request mixes them.
      const base = nowNs() - 10_000n * MS;
      const traces = Array.from({ length: TRACES }, (_, i) =>
        makeTrace(i % 15 === 0 ? 'error' : i % 15 === 1 ? 'slow' : 'normal', base + BigInt(i) * MS));
      const errors = traces.filter((x) => x.kind === 'error');
      const slow = traces.filter((x) => x.kind === 'slow');
      const normal = traces.filter((x) => x.kind === 'normal');
      assert.equal(errors.length, 20);
      assert.equal(slow.length, 20);

      // Each group of 30 traces: the children in one request, then the roots in a second. A
      // trace is decided no sooner than root_grace after its root or decision_wait after its
      // latest span, so nothing can be decided before both halves arrived.
      const sendStart = Date.now();
      for (let g = 0; g < TRACES; g += 30) {
        const group = traces.slice(g, g + 30);
        await post(server, 'tail-backend', group.flatMap((x) => x.children));
        await post(server, 'tail-shop', group.map((x) => x.root));
      }
      // All 300 traces acknowledged (in the WAL) and none decided yet: the pending gauge is
      // read live, so it says so right now (waitFor only in case the commit trails the answer
      // by a moment).
      const pendingAtKill = await waitFor(async () => {
        const v = sumMetric(await metrics(server), 'weft_tail_sampling_pending_traces');
        return v === TRACES ? v : undefined;
      }, { timeoutMs: 1000, intervalMs: 20 });
      const sentMs = Date.now() - sendStart;
      // kill -9 mid-window: well before the earliest possible decision (root_grace after the
      // first root), so the decisions must be made by the restarted server from the WAL.
      const killed = await server.kill9();
      t.diagnostic(`300 traces sent and acknowledged in ${sentMs} ms, then kill -9`);
      assert.equal(killed.signal, 'SIGKILL', JSON.stringify(killed));
      assert.equal(pendingAtKill, TRACES, 'every trace was pending (undecided) at the kill');
      assert.ok(sentMs < ROOT_GRACE_MS,
        `${sentMs} ms from the first export to the kill, not within root_grace: the kill was not mid-window`);

      // Restart on the same data dir with the same config.
      server = await startServer({ dataDir, args });
      const restartedAt = Date.now();
      // The WAL replay reopened every trace's pending decision (decision_wait from now).
      const pendingAfter = await waitFor(async () => {
        const v = sumMetric(await metrics(server), 'weft_tail_sampling_pending_traces');
        return v === TRACES ? v : undefined;
      }, { timeoutMs: 2000, intervalMs: 50 });
      assert.equal(pendingAfter, TRACES, 'the replayed traces await their decisions again');
      // Until the head is cut, every acknowledged trace is in the head, whole: the crash lost
      // no span and a decision alone removes nothing.
      const beforeCut = await mapLimit(traces, 16, async (x) => [x, await nativeSpanIds(server, x.tid)]);
      for (const [x, got] of beforeCut) {
        assert.deepEqual(sorted(got ?? []), sorted(x.spanIds), `trace ${x.tid} (${x.kind}) whole in the head after replay`);
      }

      // decision_wait + 3 s after the restart every trace is due (the decider runs every
      // second); the flush then cuts the head: kept traces into the block, dropped ones out.
      await sleep(Math.max(0, restartedAt + DECISION_WAIT_MS + 3000 - Date.now()));
      const flushed = await flush(server);

      // Which normal traces the 10 % policy keeps is a function of the trace ID alone.
      const fairKept = new Set(traces.filter((x) => probabilisticKeeps(FAIR_PERCENT, x.tid)).map((x) => x.tid));
      const normalExpected = normal.filter((x) => fairKept.has(x.tid));
      const kept = [...errors, ...slow, ...normalExpected];
      t.diagnostic(`normal traces the fair policy keeps (by hash): ${normalExpected.length}/${normal.length}`);

      const results = await mapLimit(traces, 16, async (x) =>
        [x, await nativeSpanIds(server, x.tid), await v3SpanIds(server, x.tid)]);
      const found = new Map(results.filter(([, n]) => n !== null).map(([x, n]) => [x.tid, n]));
      // Every error trace and every slow trace is kept (a policy samples it), all 4 spans,
      // none twice — including the halves that were only in the WAL at the kill.
      for (const x of [...errors, ...slow]) {
        assert.ok(found.has(x.tid), `${x.kind} trace ${x.tid} was dropped`);
        assert.deepEqual(sorted(found.get(x.tid)), sorted(x.spanIds), `${x.kind} trace ${x.tid} whole`);
      }
      // Normal traces: only the probabilistic policy can keep them, so about 10 % survive;
      // 2–25 % leaves binomial noise (sd ≈ 1.9 % over 260 traces) far inside the bounds.
      const normalFound = normal.filter((x) => found.has(x.tid));
      assert.ok(normalFound.length >= 0.02 * normal.length && normalFound.length <= 0.25 * normal.length,
        `${normalFound.length} of ${normal.length} normal traces kept, expected 2–25 %`);
      // ... and exactly those whose trace-ID hash is under the threshold (the collector's rule).
      assert.deepEqual(sorted(normalFound.map((x) => x.tid)), sorted(normalExpected.map((x) => x.tid)),
        'the normal traces kept are the ones the trace-ID hash selects');
      // A kept normal trace is whole: the decision is per trace, never per span or request.
      for (const x of normalFound) {
        assert.deepEqual(sorted(found.get(x.tid)), sorted(x.spanIds), `normal trace ${x.tid} whole`);
      }
      // Jaeger's API v3 reads the same store: kept whole there too, dropped ones 404.
      for (const [x, n, v3] of results) {
        assert.deepEqual(v3 === null ? null : sorted(v3), n === null ? null : sorted(n),
          `trace ${x.tid} (${x.kind}): /api/v3 agrees with /api/v1`);
      }

      // The dropped traces are gone from the store, not just from lookups by ID: the search
      // finds exactly the kept ones, and the block and the store's figures hold only them.
      assert.deepEqual(sorted(await searchIds(server, 'tail-shop')), sorted(kept.map((x) => x.tid)),
        'the search finds exactly the kept traces');
      assert.equal(flushed.headSpans, 0, `flush answer ${JSON.stringify(flushed)}`);
      assert.equal(flushed.blockSpans, 4 * kept.length, `flush answer ${JSON.stringify(flushed)}: blocks hold the kept spans only`);
      const m = await metrics(server);
      assert.equal(sumMetric(m, 'weft_store_traces'), kept.length, 'weft_store_traces counts the kept traces only');
      assert.equal(sumMetric(m, 'weft_store_spans'), 4 * kept.length, 'weft_store_spans counts the kept spans only');

      // /metrics: each trace decided once by the restarted server (the first one decided
      // nothing). The counters are brought up to date by the decider's 1 s tick: wait for it.
      const counted = await waitFor(async () => {
        const mm = await metrics(server);
        const n = sumMetric(mm, 'weft_tail_sampling_traces_total', { service: 'tail-shop' });
        return n >= TRACES ? mm : undefined;
      }, { timeoutMs: 10000 });
      assert.ok(counted, 'the 300 decisions reach /metrics');
      const policy = (name, decision) =>
        sumMetric(counted, 'weft_tail_sampling_policy_decisions_total', { policy: name, decision });
      // Every policy sees every trace (all are evaluated, the collector's way).
      assert.equal(policy('errors', 'sampled'), errors.length);
      assert.equal(policy('errors', 'not_sampled'), TRACES - errors.length);
      assert.equal(policy('slow', 'sampled'), slow.length);
      assert.equal(policy('slow', 'not_sampled'), TRACES - slow.length);
      assert.equal(policy('fair', 'sampled'), fairKept.size);
      assert.equal(policy('fair', 'not_sampled'), TRACES - fairKept.size);
      // Per root service (tail-shop: the root's, though the children arrived first).
      const perService = (decision) =>
        sumMetric(counted, 'weft_tail_sampling_traces_total', { service: 'tail-shop', decision });
      assert.equal(perService('kept'), kept.length);
      assert.equal(perService('dropped'), TRACES - kept.length);
      assert.equal(sumMetric(counted, 'weft_tail_sampling_traces_total', { service: 'tail-backend' }), 0,
        'traces are counted under their root service');

      const info = await server.stop();
      assert.equal(info.code, 0, `clean shutdown: ${JSON.stringify(info)}\n${server.output().slice(-2000)}`);
    } finally {
      if (server && !server.exitInfo) await server.kill9();
      removeDir(dir);
    }
  });

// ---------- 2. late spans follow their trace's decision ----------

/** A two-span trace of `late-shop`: root and a child, the child failing when `error`. */
function smallTrace(error, base) {
  const tid = traceId();
  const root = spanId();
  const spans = [
    { traceId: tid, spanId: root, name: 'GET /cart', kind: SERVER, start: base, end: base + 40n * MS, status: OK },
    { traceId: tid, spanId: spanId(), parentSpanId: root, name: 'SELECT cart', kind: CLIENT,
      start: base + 5n * MS, end: base + 20n * MS, status: error ? ERROR : OK },
  ];
  return { tid, root, error, spans, spanIds: spans.map((s) => s.spanId) };
}

/** One more child of an already decided trace, arriving late. */
function lateSpan(tr, status, base) {
  const s = { traceId: tr.tid, spanId: spanId(), parentSpanId: tr.root, name: 'late callback', kind: INTERNAL,
    start: base + 30n * MS, end: base + 35n * MS, status };
  tr.spanIds.push(s.spanId);
  return s;
}

test('late spans of a decided trace follow its decision', { timeout: 60000 }, async () => {
  const dir = makeTempDir('weft-it-tail-late-');
  const config = writeConfig(dir, [
    'tail_sampling:',
    '  decision_wait: 1s',
    '  root_grace: 1s',
    '  policies:',
    '    - name: errors',
    '      type: status_code',
    '      status_code:',
    '        status_codes: [ERROR]',
  ]);
  let server = null;
  try {
    server = await startServer({ args: ['--config', config] });
    const decisions = async () => {
      const m = await metrics(server);
      return {
        kept: sumMetric(m, 'weft_tail_sampling_traces_total', { service: 'late-shop', decision: 'kept' }),
        dropped: sumMetric(m, 'weft_tail_sampling_traces_total', { service: 'late-shop', decision: 'dropped' }),
      };
    };
    const waitDecided = async (kept, dropped) => {
      const d = await waitFor(async () => {
        const x = await decisions();
        return x.kept === kept && x.dropped === dropped ? x : undefined;
      }, { timeoutMs: 15000 });
      assert.ok(d, `expected ${kept} kept / ${dropped} dropped decisions; /metrics has ${JSON.stringify(await decisions())}`);
    };
    const base = nowNs() - 10_000n * MS;

    // Pair B: decided, then cut — the error trace goes into block 1, the normal one is gone.
    const bErr = smallTrace(true, base);
    const bOk = smallTrace(false, base + MS);
    await post(server, 'late-shop', [...bErr.spans, ...bOk.spans]);
    await waitDecided(1, 1);  // decision_wait/root_grace 1 s, decider tick 1 s
    await flush(server);
    assert.deepEqual(sorted(await nativeSpanIds(server, bErr.tid)), sorted(bErr.spanIds), 'error trace kept');
    assert.equal(await nativeSpanIds(server, bOk.tid), null, 'normal trace dropped at the cut');

    // Pair A: decided, still in the head when its late spans come.
    const aErr = smallTrace(true, base + 2n * MS);
    const aOk = smallTrace(false, base + 3n * MS);
    await post(server, 'late-shop', [...aErr.spans, ...aOk.spans]);
    await waitDecided(2, 2);

    // The late spans. The kept traces' late spans are OK: only the remembered decision keeps
    // them (a fresh decision on them alone would drop them). The dropped traces' late spans
    // are errors: only the remembered decision drops them (a fresh one would keep them).
    await post(server, 'late-shop', [
      lateSpan(bErr, OK, base), lateSpan(aErr, OK, base + 2n * MS),
      lateSpan(bOk, ERROR, base + MS), lateSpan(aOk, ERROR, base + 3n * MS),
    ]);
    const flushed = await flush(server);

    // Kept traces are whole with their late span: bErr across two blocks, aErr in one.
    for (const tr of [bErr, aErr]) {
      assert.deepEqual(sorted(await nativeSpanIds(server, tr.tid)), sorted(tr.spanIds), `kept trace ${tr.tid} with its late span`);
      assert.deepEqual(sorted(await v3SpanIds(server, tr.tid)), sorted(tr.spanIds), `kept trace ${tr.tid} via /api/v3`);
    }
    // Dropped traces stay dropped: no fragment made of the late (error) span either.
    for (const tr of [bOk, aOk]) {
      assert.equal(await nativeSpanIds(server, tr.tid), null, `dropped trace ${tr.tid} absent (native)`);
      assert.equal(await v3SpanIds(server, tr.tid), null, `dropped trace ${tr.tid} absent (/api/v3)`);
    }
    assert.deepEqual(sorted(await searchIds(server, 'late-shop')), sorted([bErr.tid, aErr.tid]));
    assert.equal(flushed.headSpans, 0, JSON.stringify(flushed));
    assert.equal(flushed.blockSpans, 6, `only the kept traces' 3 + 3 spans are in blocks: ${JSON.stringify(flushed)}`);
    // A late span opens no new decision: still two kept and two dropped.
    await sleep(1500);  // past one more decider tick
    assert.deepEqual(await decisions(), { kept: 2, dropped: 2 });
    const info = await server.stop();
    assert.equal(info.code, 0, `clean shutdown: ${JSON.stringify(info)}`);
  } finally {
    // stop() (SIGTERM, SIGKILL after 10 s) also removes the server's own temp data dir.
    if (server && !server.exitInfo) await server.stop();
    removeDir(dir);
  }
});
