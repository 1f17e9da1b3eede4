// The embedded store's immutable blocks, end to end through a real `weft serve`:
// (a) many times the head budget of the reference workload (`weft loadgen`, OTLP/HTTP
//     protobuf) is cut into blocks; every trace comes back whole, field for field, by ID
//     and by search (service + tag, minDuration, newest first, longest first), also after a
//     clean restart on the same data directory (no span twice; blocks on disk, a small WAL);
// (b) late spans: a trace split over two blocks is returned whole and searched as one trace;
//     admin compaction joins it into one block;
// (c) retention: a disk budget drops the oldest blocks (metric, files gone, recent traces
//     kept); an age limit drops blocks of old traces at the next retention pass;
// (d) a search that cannot match (unknown attribute value) answers empty, fast;
// and `weft inspect` / `weft verify` cover the RED metrics segments under metrics/ (after (c)).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, makeTempDir, removeDir, getJson, httpGet, waitFor } from './lib/server.mjs';
import { STATUS_NAME, padSpan, padTrace, normValue } from './lib/compare.mjs';
import { nowNs } from './lib/otlp.mjs';
import {
  MS, SEC, KiB, MiB, adminCompact, checkGone, checkTraces, describeDisk, diskState, expectedSearch, getTrace, inspectBlockNames,
  loadgen, makeTrace, mustCompact, mustFlush, parseDump, runWeft, sendTraces, storeMetrics, weftInspect, weftVerify,
} from './lib/blockstore.mjs';

const dirs = [];
const servers = [];
after(async () => {
  for (const s of servers) if (!s.exitInfo) await s.kill9();
  for (const d of dirs) removeDir(d);
});
function tempDir(prefix) { const d = makeTempDir(prefix); dirs.push(d); return d; }
async function serve(opts) { const s = await startServer(opts); servers.push(s); return s; }
async function stopClean(server) {
  const info = await server.stop();
  assert.equal(info.code, 0, `clean stop: ${JSON.stringify(info)}\n${server.output().slice(-2000)}`);
}

// OTLP's SpanKind numbers (the dump is OTLP JSON; OTel JS's API enum is numbered differently).
const OTLP_KIND_NAME = { 1: 'internal', 2: 'server', 3: 'client', 4: 'producer', 5: 'consumer' };
const byKey = (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const normAttrs = (list) => (list || []).map((kv) => ({ key: kv.key, value: normValue(kv.value) })).sort(byKey);
const ns = (x) => String(x ?? '0');

/** Compare one native span with the OTLP JSON span loadgen dumped; returns differences. */
function spanDiff(want, got) {
  const d = [];
  const eq = (what, a, b) => { if (JSON.stringify(a) !== JSON.stringify(b)) d.push(`${what}: want ${JSON.stringify(a)} got ${JSON.stringify(b)}`); };
  const w = want.raw;
  eq('parentSpanId', want.parentSpanId, got.parentSpanId ? padSpan(got.parentSpanId) : '');
  eq('name', w.name, got.name);
  eq('kind', OTLP_KIND_NAME[w.kind] ?? 'unspecified', got.kind);
  eq('start', ns(w.startTimeUnixNano), ns(got.startTimeUnixNano));
  eq('end', ns(w.endTimeUnixNano), ns(got.endTimeUnixNano));
  eq('service', want.service, got.service);
  eq('attributes', normAttrs(w.attributes), normAttrs(got.attributes));
  eq('events', (w.events || []).map((e) => [ns(e.timeUnixNano), e.name, normAttrs(e.attributes)]),
    (got.events || []).map((e) => [ns(e.timeUnixNano), e.name, normAttrs(e.attributes)]));
  eq('links', (w.links || []).map((l) => [padTrace(l.traceId), padSpan(l.spanId), normAttrs(l.attributes)]),
    (got.links || []).map((l) => [padTrace(l.traceId), padSpan(l.spanId), normAttrs(l.attributes)]));
  eq('status', [STATUS_NAME[w.status?.code ?? 0], w.status?.message ?? ''], [got.status?.code, got.status?.message ?? '']);
  return d;
}

// ---------------------------------------------------------------------------------------
// (a) the reference workload, many times the head budget
// ---------------------------------------------------------------------------------------
describe('(a) reference workload over many blocks', { concurrency: 1, timeout: 240000 }, () => {
  const SPANS = 30000;
  const SEED = 7;
  const BUDGET = 2 * MiB;
  const startSec = Math.floor(Date.now() / 1000) - 1200; // traces start 20 to 10 minutes ago
  const WINDOW = 600;
  const dataDir = tempDir('weft-it-blocks-a-');
  const dumpDir = tempDir('weft-it-blocks-dump-');
  const dumpFile = path.join(dumpDir, 'dump.jsonl');
  const genArgs = ['--spans', String(SPANS), '--seed', String(SEED), '--start', String(startSec), '--window', String(WINDOW)];
  let server;
  let traces; // Map tid -> parsed trace
  const serveArgs = ['--head-budget-bytes', String(BUDGET)];

  /** The search queries checked before and after the restart, with their expectations. */
  function queries() {
    const all = [...traces.values()];
    // A busy service and a tag value that some but not all of its traces hold.
    const svc = 'svc-03';
    const durs = all.filter((t) => t.spans.some((s) => s.service === svc)).map((t) => t.durNs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const p75 = durs[Math.floor(durs.length * 0.75)];
    const minDurMs = p75 / MS;
    return [
      { q: `service=${svc}&tag=${encodeURIComponent('http.method=POST')}&limit=10000`,
        want: expectedSearch(traces, { service: svc, tags: [['http.method', 'POST']], limit: 10000 }) },
      { q: `service=${svc}&tag=${encodeURIComponent('http.method=POST')}&limit=20`,
        want: expectedSearch(traces, { service: svc, tags: [['http.method', 'POST']], limit: 20 }) },
      { q: `service=svc-11&tag=${encodeURIComponent('http.status_code=200')}&tag=${encodeURIComponent('region=eu-west-1')}&limit=10000`,
        want: expectedSearch(traces, { service: 'svc-11', tags: [['http.status_code', '200'], ['region', 'eu-west-1']], limit: 10000 }),
        maybeEmpty: true },
      { q: `service=${svc}&minDuration=${minDurMs}ms&limit=10000`,
        want: expectedSearch(traces, { service: svc, minDurationNs: minDurMs * MS, limit: 10000 }) },
      { q: `service=${svc}&order=longest&limit=20`,
        want: expectedSearch(traces, { service: svc, order: 'longest', limit: 20 }), longest: true },
      { q: `order=longest&limit=50`, want: expectedSearch(traces, { order: 'longest', limit: 50 }), longest: true },
      { q: `limit=100`, want: expectedSearch(traces, { limit: 100 }) },
      { q: `tag=${encodeURIComponent('feature.flag=new-pricing')}&limit=10000`,
        want: expectedSearch(traces, { tags: [['feature.flag', 'new-pricing']], limit: 10000 }) },
    ];
  }

  async function checkSearches(label) {
    for (const { q, want, longest, maybeEmpty } of queries()) {
      if (!maybeEmpty) assert.ok(want.length > 0, `${label}: expected result of ${q} is empty; pick another query`);
      const body = await getJson(`${server.query}/api/v1/search?${q}`, { timeoutMs: 30000 });
      const got = body.traces || [];
      const gotIds = got.map((t) => padTrace(t.traceId));
      if (longest) {
        // Ties in duration may come in either order: compare durations, then the sets.
        assert.deepEqual(got.map((t) => String(t.durationNanos)), want.map((t) => String(t.durNs)), `${label}: ${q}: durations, longest first`);
      } else {
        assert.deepEqual(gotIds, want.map((t) => t.tid), `${label}: ${q}: ${got.length} traces returned, ${want.length} expected (newest first)`);
      }
      for (const t of got) {
        const w = traces.get(padTrace(t.traceId));
        assert.ok(w, `${label}: ${q}: unknown trace ${t.traceId}`);
        assert.equal(Number(t.spanCount), w.spans.length, `${label}: ${q}: trace ${t.traceId} not whole`);
        assert.equal(String(t.startTimeUnixNano), String(w.start), `${label}: ${q}: trace ${t.traceId} start`);
        assert.equal(String(t.durationNanos), String(w.durNs), `${label}: ${q}: trace ${t.traceId} duration`);
      }
    }
  }

  async function checkById(label, { fields = 300 } = {}) {
    const expected = new Map([...traces.values()].map((t) => [t.tid, t.spans.map((s) => s.spanId)]));
    const problems = await checkTraces(server, expected);
    assert.deepEqual(problems.slice(0, 20), [], `${label}: ${problems.length} problems over ${expected.size} traces`);
    // Field for field on a sample: the large traces and every 10th other trace.
    const sample = [...traces.values()].filter((t, i) => t.spans.length >= 500 || i % 10 === 0).slice(0, fields);
    for (const t of sample) {
      const r = await getTrace(server, t.tid);
      assert.equal(r.status, 200);
      const got = new Map(r.spans.map((s) => [padSpan(s.spanId), s]));
      for (const s of t.spans) {
        const diff = spanDiff(s, got.get(s.spanId));
        assert.deepEqual(diff, [], `${label}: trace ${t.tid} span ${s.spanId} differs from what was sent`);
      }
      const starts = r.spans.map((s) => BigInt(s.startTimeUnixNano));
      for (let i = 1; i < starts.length; i++) assert.ok(starts[i - 1] <= starts[i], `${label}: trace ${t.tid}: spans not sorted by start`);
    }
  }

  test('loadgen: 30k spans, all acknowledged, cut into several blocks', async (t) => {
    const d = await loadgen(['--dump', dumpFile, ...genArgs, '--quiet']);
    assert.equal(d.code, 0, `loadgen --dump: ${d.stderr}`);
    ({ traces } = parseDump(dumpFile));
    const spanCount = [...traces.values()].reduce((a, t) => a + t.spans.length, 0);
    assert.equal(spanCount, SPANS);
    t.diagnostic(`${traces.size} traces, largest ${Math.max(...[...traces.values()].map((x) => x.spans.length))} spans`);

    server = await serve({ dataDir, args: serveArgs });
    const r = await loadgen(['--endpoint', server.ports.otlp_http, '--protocol', 'otlp-http', ...genArgs, '--quiet']);
    assert.equal(r.code, 0, `loadgen: ${r.stdout}\n${r.stderr}`);
    assert.equal(r.result.spans_acked, String(SPANS), `loadgen: ${r.stdout}`);
    assert.equal(r.result.spans_rejected, '0');
    assert.equal(r.result.requests_failed, '0');

    // Far more than the budget went in: the head must have been cut into blocks by now.
    const m = await waitFor(async () => { const x = await storeMetrics(server); return x.flushes >= 2 && x.blocks >= 1 ? x : undefined; }, { timeoutMs: 20000 });
    const sm = m ?? await storeMetrics(server);
    t.diagnostic(`after load: ${JSON.stringify(sm)}; ${describeDisk(diskState(dataDir))}`);
    assert.ok(sm.flushes >= 2, `head of ${BUDGET} B took ${SPANS} spans but was cut ${sm.flushes} times: ${JSON.stringify(sm)}`);
    assert.ok(sm.blocks >= 1, `no block: ${JSON.stringify(sm)}`);
    assert.ok(sm.blockSpans > 0 && sm.blockSpans <= SPANS, `weft_store_block_spans ${sm.blockSpans}`);
    const st = diskState(dataDir);
    assert.equal(st.blocks.length, sm.blocks, `block files on disk vs weft_store_blocks: ${describeDisk(st)}`);
  });

  test('every trace by ID: whole, field for field', async () => {
    await checkById('before restart');
  });

  test('search: service + tag, minDuration, newest first, longest first; whole traces', async () => {
    await checkSearches('before restart');
  });

  test('clean stop leaves blocks and a small WAL; restart finds every trace once', async (t) => {
    const before = await storeMetrics(server);
    await stopClean(server);
    const st = diskState(dataDir);
    t.diagnostic(`after clean stop: ${describeDisk(st)}`);
    assert.ok(st.blocks.length >= 1, `no block files after a clean stop: ${describeDisk(st)}`);
    assert.deepEqual(st.tmp, [], 'temp files after a clean stop');
    assert.deepEqual(st.blocksDirOther, [], 'other files in blocks/');
    // 30k spans take ~1.7 MB of WAL; after a clean stop the blocks hold them, not the WAL.
    assert.ok(st.walBytes <= 128 * KiB, `WAL holds ${st.walBytes} B after a clean stop (blocks ${st.blockBytes} B)`);
    const v = await weftVerify(dataDir);
    assert.equal(v.code, 0, `weft verify: ${v.stdout}\n${v.stderr}`);
    const ins = await weftInspect(dataDir);
    assert.equal(ins.code, 0, `weft inspect: ${ins.stderr}`);
    const listed = inspectBlockNames(ins).sort();
    if (listed.length) assert.deepEqual(listed, st.blocks, `inspect lists other blocks than blocks/ holds:\n${ins.text.slice(0, 2000)}`);

    server = await serve({ dataDir, args: serveArgs });
    const m = await storeMetrics(server);
    t.diagnostic(`before stop ${JSON.stringify(before)}; after restart ${JSON.stringify(m)}`);
    assert.equal(m.blockSpans, SPANS, 'after restart every span is in a block exactly once (weft_store_block_spans)');
    await checkById('after restart');
    await checkSearches('after restart');
  });

  test('(d) a search that cannot match answers empty, fast', async () => {
    for (const q of [`tag=${encodeURIComponent('http.method=NO-SUCH-METHOD')}`,
      `service=svc-03&tag=${encodeURIComponent('user.id=no-such-user-anywhere')}`,
      `service=svc-03&tag=${encodeURIComponent('no.such.key=1')}`,
      `service=no-such-service&tag=${encodeURIComponent('http.method=GET')}`,
      `service=svc-03&minDuration=1000h`]) {
      const t0 = process.hrtime.bigint();
      const body = await getJson(`${server.query}/api/v1/search?${q}&limit=20`);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      assert.deepEqual(body.traces, [], `${q}: expected no trace`);
      assert.ok(ms < 1000, `${q} took ${ms.toFixed(1)} ms`);
    }
    await stopClean(server);
  });
});

// ---------------------------------------------------------------------------------------
// (b) late spans: one trace in two blocks
// ---------------------------------------------------------------------------------------
test('(b) late spans: a trace cut over two blocks is whole, searched as one, one block after compaction', { timeout: 60000 }, async (t) => {
  const dataDir = tempDir('weft-it-blocks-b-');
  const args = ['--head-budget-bytes', String(64 * MiB), '--compaction', 'off'];
  let server = await serve({ dataDir, args });
  const t0 = nowNs() - 300n * SEC;
  // The trace: 10 spans over 900 ms. First half: service late-a, the root; second half
  // (sent after the first is flushed): service late-b, with an attribute of its own.
  const full = makeTrace({ n: 10, startNs: t0, durMs: 900, service: 'late-a', name: 'late-root', attrs: { 'late.half': 1 } });
  const firstHalf = { ...full, spans: full.spans.slice(0, 5) };
  const secondHalf = {
    ...full, service: 'late-b',
    spans: full.spans.slice(5).map((s) => ({ ...s, start: s.start + 200n * MS, end: s.end + 300n * MS, attributes: { ...s.attributes, 'late.half': 2, 'late.only': 'second' } })),
  };
  const wantSpans = [...firstHalf.spans, ...secondHalf.spans];
  const traceEnd = wantSpans.reduce((a, s) => (s.end > a ? s.end : a), 0n);
  const traceDur = traceEnd - t0;
  // Filler traces in both blocks so that they are not trivially small.
  const fillA = Array.from({ length: 100 }, (_, i) => makeTrace({ n: 8, startNs: t0 + BigInt(i) * MS, service: 'late-fill' }));
  const fillB = Array.from({ length: 100 }, (_, i) => makeTrace({ n: 8, startNs: t0 + BigInt(i + 200) * MS, service: 'late-fill' }));

  await sendTraces(server, [firstHalf, ...fillA]);
  let j = await mustFlush(server);
  t.diagnostic(`flush 1: ${JSON.stringify(j)}`);
  let r = await getTrace(server, full.tid);
  assert.equal(r.spans.length, 5, 'first half after the first flush');
  await sendTraces(server, [secondHalf, ...fillB]);
  j = await mustFlush(server);
  t.diagnostic(`flush 2: ${JSON.stringify(j)}`);
  const m2 = await storeMetrics(server);
  assert.equal(m2.blocks, 2, `two flushes of a non-empty head, compaction off: ${JSON.stringify(m2)}`);
  assert.equal(m2.blockSpans, 10 + 1600, `spans in blocks: ${JSON.stringify(m2)}`);

  const checkWhole = async (label) => {
    const got = await getTrace(server, full.tid);
    assert.equal(got.status, 200, `${label}: ${got.text.slice(0, 200)}`);
    assert.deepEqual(got.spans.map((s) => padSpan(s.spanId)).sort(), wantSpans.map((s) => padSpan(s.spanId)).sort(), `${label}: the trace is not whole`);
    assert.equal(String(got.json.startTimeUnixNano), String(t0), `${label}: trace start`);
    assert.equal(String(got.json.endTimeUnixNano), String(traceEnd), `${label}: trace end`);
    const late = got.spans.filter((s) => s.service === 'late-b');
    assert.equal(late.length, 5, `${label}: the late spans keep their service`);
    // Conditions on spans of different blocks; the trace's duration over both.
    const q = async (params) => (await getJson(`${server.query}/api/v1/search?${params}`)).traces.map((x) => padTrace(x.traceId));
    assert.deepEqual(await q(`service=late-a&tag=${encodeURIComponent('late.only=second')}`), [full.tid], `${label}: service of the first half + tag of the second`);
    assert.deepEqual(await q(`service=late-b&operation=late-root`), [], `${label}: anchor is one span: late-b has no span named late-root`);
    assert.deepEqual(await q(`service=late-a&minDuration=${traceDur / MS}ms`), [full.tid], `${label}: minDuration = the whole trace's duration (${traceDur / MS} ms)`);
    const s = (await getJson(`${server.query}/api/v1/search?service=late-b`)).traces.find((x) => padTrace(x.traceId) === full.tid);
    assert.ok(s, `${label}: search by the late service finds the trace`);
    assert.equal(Number(s.spanCount), 10, `${label}: search summary spanCount`);
    assert.equal(String(s.durationNanos), String(traceDur), `${label}: search summary duration`);
    assert.equal(s.rootName, 'late-root', `${label}: rootName`);
  };
  await checkWhole('two blocks');

  const insBefore = await (async () => { await stopClean(server); return weftInspect(dataDir); })();
  const namesBefore = inspectBlockNames(insBefore);
  server = await serve({ dataDir, args });
  await checkWhole('two blocks, after restart');
  const c = await adminCompact(server);
  assert.equal(c.status, 200, `compact: ${c.status} ${c.text.slice(0, 300)}`);
  t.diagnostic(`compact: ${c.text.slice(0, 200)}`);
  const m3 = await storeMetrics(server);
  assert.equal(m3.blocks, 1, `after compaction the two overlapping blocks are one: ${JSON.stringify(m3)}`);
  assert.equal(m3.blockSpans, 10 + 1600, `no span lost or doubled by compaction: ${JSON.stringify(m3)}`);
  assert.ok(m3.compactions >= 1, `weft_store_compactions_total: ${JSON.stringify(m3)}`);
  await checkWhole('after compaction');
  const fill = new Map([...fillA, ...fillB].map((x) => [x.tid, x.spanIds]));
  assert.deepEqual((await checkTraces(server, fill)).slice(0, 10), [], 'filler traces after compaction');
  await stopClean(server);

  const st = diskState(dataDir);
  assert.equal(st.blocks.length, 1, `one block file after compaction: ${describeDisk(st)}`);
  const insAfter = await weftInspect(dataDir);
  const namesAfter = inspectBlockNames(insAfter);
  t.diagnostic(`inspect before: [${namesBefore}] after: [${namesAfter}]`);
  if (namesBefore.length || namesAfter.length) {
    assert.ok(namesAfter.length < namesBefore.length, `inspect lists fewer blocks after compaction:\nbefore:\n${insBefore.text.slice(0, 1500)}\nafter:\n${insAfter.text.slice(0, 1500)}`);
    assert.deepEqual(namesAfter.sort(), st.blocks);
  }
  const v = await weftVerify(dataDir);
  assert.equal(v.code, 0, `weft verify: ${v.stdout}\n${v.stderr}`);
});

// ---------------------------------------------------------------------------------------
// (c) retention
// ---------------------------------------------------------------------------------------
/** `rounds` groups of traces, group r starting `(rounds - r) * stepMin` minutes ago. */
function roundsOfTraces(rounds, perRound, stepMin, service = 'ret-svc') {
  const now = nowNs();
  return Array.from({ length: rounds }, (_, r) => {
    const base = now - BigInt((rounds - r) * stepMin) * 60n * SEC;
    return Array.from({ length: perRound }, (_, i) => makeTrace({
      n: 8, startNs: base + BigInt(i) * 10n * MS, service, attrs: { 'ret.round': r, 'ret.pad': 'x'.repeat(40) + i },
    }));
  });
}
const idsOf = (trs) => new Map(trs.map((x) => [x.tid, x.spanIds]));

test('(c) --max-disk drops the oldest blocks, counts them, keeps recent traces, removes the files', { timeout: 60000 }, async (t) => {
  const dataDir = tempDir('weft-it-blocks-c1-');
  const base = ['--head-budget-bytes', String(64 * MiB), '--compaction', 'off'];
  const rounds = roundsOfTraces(8, 300, 10);
  // Round 0 without a disk budget: how large is one block of this data?
  let server = await serve({ dataDir, args: base });
  await sendTraces(server, rounds[0]);
  await mustFlush(server);
  const m0 = await storeMetrics(server);
  assert.equal(m0.blocks, 1);
  const blockBytes = m0.blockBytes;
  await stopClean(server);
  const namesRound0 = diskState(dataDir).blocks;

  // Room for three such blocks and a half (the WAL is nearly empty after each flush).
  const maxDisk = Math.floor(blockBytes * 3.5);
  server = await serve({ dataDir, args: [...base, '--max-disk', `${maxDisk}B`] });
  for (let r = 1; r < rounds.length; r++) {
    await sendTraces(server, rounds[r]);
    await mustFlush(server);
  }
  const m = await waitFor(async () => { const x = await storeMetrics(server); return x.blockBytes <= maxDisk && x.retentionDropped >= 4 ? x : undefined; }, { timeoutMs: 20000 }) ?? await storeMetrics(server);
  t.diagnostic(`one block ${blockBytes} B, --max-disk ${maxDisk}B: ${JSON.stringify(m)}; ${describeDisk(diskState(dataDir))}`);
  assert.ok(m.blockBytes <= maxDisk, `weft_store_block_bytes ${m.blockBytes} > --max-disk ${maxDisk}`);
  assert.ok(m.blocks >= 1 && m.blocks <= 4, `blocks kept: ${m.blocks}`);
  assert.ok(m.retentionDropped >= 4, `weft_store_retention_dropped_blocks_total ${m.retentionDropped}, expected ≥ 4 of 8 blocks dropped`);
  const st = diskState(dataDir);
  assert.equal(st.blocks.length, m.blocks, `block files on disk vs weft_store_blocks: ${describeDisk(st)}`);
  for (const n of namesRound0) assert.ok(!st.blocks.includes(n), `the oldest block ${n} is still on disk`);
  const du = st.blockBytes + st.walBytes;
  assert.ok(du <= maxDisk + 64 * KiB, `on disk: ${du} B for --max-disk ${maxDisk}`);
  // The newest round is kept whole; the oldest rounds are gone.
  assert.deepEqual((await checkTraces(server, idsOf(rounds[7]))).slice(0, 10), [], 'newest traces after retention');
  assert.deepEqual((await checkGone(server, rounds[0].slice(0, 50).map((x) => x.tid))).slice(0, 10), [], 'oldest traces must be gone');
  assert.deepEqual((await checkGone(server, rounds[1].slice(0, 50).map((x) => x.tid))).slice(0, 10), [], 'second-oldest traces must be gone');
  // Search agrees with trace by ID: nothing from a dropped block.
  const res = await getJson(`${server.query}/api/v1/search?service=ret-svc&tag=${encodeURIComponent('ret.round=0')}&limit=100`);
  assert.deepEqual(res.traces, [], 'search still finds traces of a dropped block');
  await stopClean(server);
  const v = await weftVerify(dataDir);
  assert.equal(v.code, 0, `weft verify: ${v.stdout}\n${v.stderr}`);
});

test('(c) --retention drops blocks of old traces at the next retention pass; files gone; not back after restart', { timeout: 60000 }, async (t) => {
  const dataDir = tempDir('weft-it-blocks-c2-');
  const args = ['--head-budget-bytes', String(64 * MiB), '--compaction', 'off', '--retention', '1h'];
  let server = await serve({ dataDir, args });
  const now = nowNs();
  const old = Array.from({ length: 200 }, (_, i) => makeTrace({ n: 6, startNs: now - 3n * 3600n * SEC + BigInt(i) * MS, service: 'ret-age' }));
  const recent = Array.from({ length: 200 }, (_, i) => makeTrace({ n: 6, startNs: now - 60n * SEC + BigInt(i) * MS, service: 'ret-age' }));
  await sendTraces(server, old);
  await mustFlush(server);
  const oldBlocks = diskState(dataDir).blocks;
  await sendTraces(server, recent);
  await mustFlush(server);
  const m = await waitFor(async () => { const x = await storeMetrics(server); return x.retentionDropped >= 1 && x.blocks === 1 ? x : undefined; }, { timeoutMs: 30000 }) ?? await storeMetrics(server);
  t.diagnostic(`${JSON.stringify(m)}; ${describeDisk(diskState(dataDir))}; old block(s) ${oldBlocks}`);
  assert.ok(m.retentionDropped >= 1, `weft_store_retention_dropped_blocks_total ${m.retentionDropped}: the block of 3 h old traces was not dropped with --retention 1h`);
  assert.equal(m.blocks, 1, 'the block of recent traces stays');
  const st = diskState(dataDir);
  assert.equal(st.blocks.length, 1, describeDisk(st));
  for (const n of oldBlocks) assert.ok(!st.blocks.includes(n), `dropped block file ${n} still on disk`);
  assert.deepEqual((await checkGone(server, old.map((x) => x.tid))).slice(0, 10), [], 'old traces must be gone');
  assert.deepEqual((await checkTraces(server, idsOf(recent))).slice(0, 10), [], 'recent traces stay');
  await stopClean(server);
  // Not resurrected by WAL replay at the next start.
  server = await serve({ dataDir, args });
  assert.deepEqual((await checkGone(server, old.slice(0, 50).map((x) => x.tid))).slice(0, 10), [], 'old traces after restart');
  assert.deepEqual((await checkTraces(server, idsOf(recent))).slice(0, 10), [], 'recent traces after restart');
  await stopClean(server);
  const v = await weftVerify(dataDir);
  assert.equal(v.code, 0, `weft verify: ${v.stdout}\n${v.stderr}`);

  // The RED metrics segments `weft serve` wrote (metrics/): inspect lists them, verify checks them.
  const metricsDir = path.join(dataDir, 'metrics');
  const segs = readdirSync(metricsDir).filter((n) => /^metrics-\d{16}\.seg$/.test(n)).sort();
  assert.ok(segs.length >= 1, `no metrics segment in ${metricsDir}`);
  for (const n of segs) assert.match(v.stdout, new RegExp(`^ok\\s+metrics/${n}\\s`, 'm'), `weft verify: ${v.stdout}`);
  const ins = await weftInspect(dataDir);
  assert.equal(ins.code, 0, `weft inspect: ${ins.stdout}\n${ins.stderr}`);
  const red = ins.json?.metrics;
  assert.ok(red, `weft inspect --json has no metrics: ${ins.text.slice(-2000)}`);
  assert.deepEqual(red.segments.map((s) => s.file), segs);
  assert.ok(red.records >= 1 && red.spanSeries >= 1 && !red.damaged, `metrics: ${JSON.stringify(red).slice(0, 1000)}`);
  // A flipped byte in the first record of the largest segment: verify and inspect exit 1.
  const big = segs.reduce((a, n) => (statSync(path.join(metricsDir, n)).size > statSync(path.join(metricsDir, a)).size ? n : a));
  const file = path.join(metricsDir, big);
  const bytes = readFileSync(file);
  assert.ok(bytes.length > 12 + 9 + 1, `${big}: ${bytes.length} bytes`);
  bytes[12 + 9 + 1] ^= 0x01;  // header 12 bytes, record header 9: a payload byte
  writeFileSync(file, bytes);
  const bad = await weftVerify(dataDir);
  assert.equal(bad.code, 1, `weft verify of a damaged metrics segment: ${bad.stdout}\n${bad.stderr}`);
  assert.match(bad.stdout, new RegExp(`^PROBLEM\\s+metrics/${big}\\s.*offset 12 \\(record fails its CRC\\)`, 'm'), bad.stdout);
  const insBad = await runWeft(['inspect', dataDir]);
  assert.equal(insBad.code, 1, `weft inspect of a damaged metrics segment: ${insBad.stdout}\n${insBad.stderr}`);
  assert.match(insBad.stdout, new RegExp(`${big}\\s+\\d+ bytes\\s+DAMAGED`), insBad.stdout);
});
