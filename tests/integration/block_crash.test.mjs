// Crash safety of the block store. For each crash point of the flush, compaction and
// retention paths (WEFT_FAULT_POINT=<name>[:n] makes `weft serve` SIGKILL itself there),
// acknowledged spans are sent (and flushes / compactions forced through the admin
// endpoints) until the process dies by SIGKILL; then the server is restarted on the same
// data directory without the fault point and:
//   * every acknowledged span is returned by /api/v1/traces/{id}, exactly once, and no span
//     that was never sent;
//   * the block files in blocks/ are exactly the live blocks (weft_store_blocks, and the
//     blocks `weft inspect` lists), with no *.tmp left anywhere;
//   * after a clean stop `weft verify` exits 0.
// A last test kills the server with SIGKILL at random moments, 6 times, under sustained
// ingest with a small head, a 1 s block age and forced flushes and compactions.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, makeTempDir, removeDir, httpGet, waitFor } from './lib/server.mjs';
import { nowNs } from './lib/otlp.mjs';
import {
  MS, SEC, KiB, adminCompact, adminFlush, checkGone, checkTraces, describeDisk, diskState, inspectBlockNames,
  inspectOrphanLines, makeTrace, sendSpans, storeMetrics, weftInspect, weftVerify,
} from './lib/blockstore.mjs';

const SMALL_HEAD = String(256 * KiB);
const dirs = [];
const servers = [];
after(async () => {
  for (const s of servers) if (!s.exitInfo) await s.kill9();
  for (const d of dirs) removeDir(d);
});
async function serve(opts) { const s = await startServer(opts); servers.push(s); return s; }

/** One request of `k` traces (each whole in this request); {ok, status, traces}. */
async function sendBatch(server, { k = 10, startNs, service = 'crash-blk' } = {}) {
  const base = startNs ?? nowNs() - 30n * SEC;
  const traces = Array.from({ length: k }, (_, i) => makeTrace({
    n: 4 + (i % 9), startNs: base + BigInt(i) * MS, service,
    attrs: { 'crash.pad': 'p'.repeat(64), 'crash.i': i },
  }));
  const spans = traces.flatMap((t) => t.spans);
  try {
    const r = await sendSpans(server, service, spans, { timeoutMs: 10000 });
    const rej = r.json?.partialSuccess?.rejectedSpans;
    return { ok: r.status === 200 && (!rej || String(rej) === '0'), status: r.status, traces, text: r.text };
  } catch (e) {
    return { ok: false, status: 0, traces, error: e };
  }
}

/** Restart on dataDir, check acked traces, disk, inspect, verify. */
async function recoverAndCheck(t, dataDir, acked, { args = [], gone = [] } = {}) {
  const server = await serve({ dataDir, args });
  const h = await httpGet(`${server.query}/healthz`);
  assert.equal(h.status, 200, `healthz after restart: ${h.status}`);
  const ready = await waitFor(async () => (await httpGet(`${server.query}/readyz`)).status === 200, { timeoutMs: 20000 });
  assert.ok(ready, '/readyz after restart');
  const problems = await checkTraces(server, acked);
  assert.deepEqual(problems.slice(0, 20), [], `after restart: ${problems.length} problems over ${acked.size} acknowledged traces\n${server.output().slice(-1500)}`);
  if (gone.length) {
    const g = await checkGone(server, gone);
    assert.deepEqual(g.slice(0, 10), [], 'traces dropped by retention came back');
  }
  const m = await storeMetrics(server);
  const st = diskState(dataDir);
  t.diagnostic(`after restart: ${JSON.stringify(m)}; ${describeDisk(st)}`);
  assert.deepEqual(st.tmp, [], `temp files left after recovery: ${describeDisk(st)}`);
  assert.deepEqual(st.blocksDirOther, [], `other files in blocks/ after recovery: ${describeDisk(st)}`);
  assert.equal(st.blocks.length, m.blocks, `block files on disk (${st.blocks.length}) vs live blocks (weft_store_blocks ${m.blocks}): an orphan was not removed`);
  // A write after recovery works, and the server stops cleanly.
  const after1 = await sendBatch(server, { k: 2 });
  assert.ok(after1.ok, `export after recovery: ${after1.status} ${after1.text}`);
  const info = await server.stop();
  assert.equal(info.code, 0, `clean stop after recovery: ${JSON.stringify(info)}\n${server.output().slice(-1500)}`);
  const st2 = diskState(dataDir);
  assert.deepEqual(st2.tmp, [], `temp files after a clean stop: ${describeDisk(st2)}`);
  const v = await weftVerify(dataDir);
  assert.equal(v.code, 0, `weft verify exit ${v.code}:\n${v.stdout}\n${v.stderr}`);
  const ins = await weftInspect(dataDir);
  assert.equal(ins.code, 0, `weft inspect exit ${ins.code}: ${ins.stderr}`);
  const listed = inspectBlockNames(ins).sort();
  if (listed.length || st2.blocks.length) {
    assert.deepEqual(listed, st2.blocks, `inspect's blocks vs blocks/ after the clean stop:\n${ins.text.slice(0, 2000)}`);
  }
  assert.deepEqual(inspectOrphanLines(ins), [], `inspect reports leftovers:\n${ins.text.slice(0, 2000)}`);
  return { metrics: m, disk: st };
}

/**
 * Drive a server with fault point `spec` until it dies: batches of traces, a flush every
 * `flushEvery` batches, a compaction after each flush once `compactAfter` flushes were made.
 * Returns {acked (Map tid -> spanIds), info (exit), flushes}.
 */
async function driveUntilDeath(server, { flushEvery = 4, compactAfter = Infinity, oldFirst = 0, deadlineMs = 30000 } = {}) {
  const acked = new Map();
  const old = [];
  let flushes = 0;
  let batches = 0;
  const deadline = Date.now() + deadlineMs;
  // Retention: a first block of traces three hours old.
  if (oldFirst) {
    for (let i = 0; i < oldFirst && !server.exitInfo; i++) {
      const b = await sendBatch(server, { startNs: nowNs() - 3n * 3600n * SEC + BigInt(i) * SEC });
      if (b.ok) for (const tr of b.traces) old.push(tr.tid);
    }
    await adminFlush(server).catch(() => {});
    flushes++;
  }
  while (!server.exitInfo && Date.now() < deadline) {
    const b = await sendBatch(server);
    if (b.ok) for (const tr of b.traces) acked.set(tr.tid, tr.spanIds);
    else if (server.exitInfo || b.status === 0) break;
    batches++;
    if (batches % flushEvery === 0) {
      await adminFlush(server).catch(() => {});
      flushes++;
      if (flushes >= compactAfter) await adminCompact(server).catch(() => {});
    }
  }
  const info = await Promise.race([server.exited, sleep(15000).then(() => null)]);
  return { acked, old, info, flushes, batches };
}

const FLUSH_POINTS = ['flush.block_written', 'flush.block_renamed', 'flush.manifest_written', 'flush.wal_deleted'];
const COMPACT_POINTS = ['compact.block_written', 'compact.manifest_written', 'compact.inputs_deleted'];

// The first flush (no MANIFEST yet) and the second one (a block and a manifest exist).
for (const point of FLUSH_POINTS) {
  for (const nth of [1, 2]) {
    test(`crash at ${point}:${nth}: acknowledged spans exactly once after restart, no leftovers`, { timeout: 60000 }, async (t) => {
      const dataDir = makeTempDir('weft-it-bcrash-'); dirs.push(dataDir);
      const args = ['--head-budget-bytes', SMALL_HEAD, '--compaction', 'off'];
      const server = await serve({ dataDir, args, env: { WEFT_FAULT_POINT: `${point}:${nth}` } });
      const { acked, info, flushes, batches } = await driveUntilDeath(server, { flushEvery: 3 });
      t.diagnostic(`died ${JSON.stringify(info)} after ${batches} batches, ${flushes} forced flushes, ${acked.size} traces acknowledged; ${describeDisk(diskState(dataDir))}`);
      assert.ok(info, `the server did not reach ${point}:${nth} within 30 s`);
      assert.equal(info.signal, 'SIGKILL', `must die by SIGKILL at ${point}: ${JSON.stringify(info)}\n${server.output().slice(-1500)}`);
      assert.ok(acked.size > 0, 'nothing acknowledged before the crash');
      await server.kill9();
      await recoverAndCheck(t, dataDir, acked, { args });
    });
  }
}

for (const point of COMPACT_POINTS) {
  test(`crash at ${point}: acknowledged spans exactly once after restart, no leftovers`, { timeout: 60000 }, async (t) => {
    const dataDir = makeTempDir('weft-it-bcrash-'); dirs.push(dataDir);
    const args = ['--head-budget-bytes', SMALL_HEAD];
    const server = await serve({ dataDir, args, env: { WEFT_FAULT_POINT: point } });
    const { acked, info, flushes, batches } = await driveUntilDeath(server, { flushEvery: 2, compactAfter: 3 });
    t.diagnostic(`died ${JSON.stringify(info)} after ${batches} batches, ${flushes} forced flushes, ${acked.size} traces acknowledged; ${describeDisk(diskState(dataDir))}`);
    assert.ok(info, `the server did not reach ${point} within 30 s`);
    assert.equal(info.signal, 'SIGKILL', `must die by SIGKILL at ${point}: ${JSON.stringify(info)}\n${server.output().slice(-1500)}`);
    await server.kill9();
    const { metrics } = await recoverAndCheck(t, dataDir, acked, { args });
    assert.ok(metrics.blocks >= 1, 'blocks after recovery');
  });
}

test('crash at retention.manifest_written: recent spans exactly once, old block gone, no leftovers', { timeout: 60000 }, async (t) => {
  const dataDir = makeTempDir('weft-it-bcrash-'); dirs.push(dataDir);
  const args = ['--head-budget-bytes', SMALL_HEAD, '--compaction', 'off', '--retention', '1h'];
  const server = await serve({ dataDir, args, env: { WEFT_FAULT_POINT: 'retention.manifest_written' } });
  const { acked, old, info, flushes, batches } = await driveUntilDeath(server, { flushEvery: 3, oldFirst: 4 });
  t.diagnostic(`died ${JSON.stringify(info)} after ${batches} batches, ${flushes} forced flushes, ${acked.size} recent + ${old.length} old traces acknowledged`);
  assert.ok(info, 'the server did not reach retention.manifest_written within 30 s (a block of 3 h old traces, --retention 1h)');
  assert.equal(info.signal, 'SIGKILL', `must die by SIGKILL: ${JSON.stringify(info)}\n${server.output().slice(-1500)}`);
  assert.ok(old.length > 0, 'no old trace was acknowledged');
  await server.kill9();
  await recoverAndCheck(t, dataDir, acked, { args, gone: old });
});

test('kill -9 at random moments under ingest with flushes and compactions: every acknowledged span once', { timeout: 120000 }, async (t) => {
  const dataDir = makeTempDir('weft-it-bcrash-random-'); dirs.push(dataDir);
  const args = ['--head-budget-bytes', SMALL_HEAD, '--block-max-age', '1s'];
  const acked = new Map();
  const kills = 6;
  const WRITERS = 3;
  for (let round = 0; round < kills; round++) {
    const server = await serve({ dataDir, args });
    let stop = false;
    const stats = { ok: 0, failed: 0, flushes: 0, compactions: 0 };
    const writer = async () => {
      while (!stop) {
        const b = await sendBatch(server, { k: 6 });
        if (b.ok) { stats.ok++; for (const tr of b.traces) acked.set(tr.tid, tr.spanIds); } else { stats.failed++; await sleep(5); }
      }
    };
    const chaos = async () => {
      while (!stop) {
        await sleep(150 + Math.random() * 350);
        if (stop) break;
        const compact = Math.random() < 0.3;
        const r = await (compact ? adminCompact(server) : adminFlush(server)).catch(() => null);
        if (r?.status === 200) stats[compact ? 'compactions' : 'flushes']++;
      }
    };
    const tasks = [...Array.from({ length: WRITERS }, writer), chaos()];
    // One round is killed right after start (recovery, first flushes); the others after 0.8–2.5 s.
    const killAfter = round === 2 ? 60 + Math.floor(Math.random() * 100) : 800 + Math.floor(Math.random() * 1700);
    await sleep(killAfter);
    const info = await server.kill9();
    stop = true;
    await Promise.all(tasks);
    const m = diskState(dataDir);
    t.diagnostic(`round ${round + 1}: killed after ${killAfter} ms ${JSON.stringify({ signal: info.signal })}; ${stats.ok} requests acknowledged ` +
      `(${acked.size} traces in all), ${stats.failed} failed, ${stats.flushes} flushes + ${stats.compactions} compactions forced; ${describeDisk(m)}`);
    assert.equal(info.signal, 'SIGKILL', `round ${round + 1}: ${JSON.stringify(info)}\n${server.output().slice(-1500)}`);
  }
  assert.ok(acked.size > 100, `only ${acked.size} traces acknowledged over ${kills} rounds`);
  await recoverAndCheck(t, dataDir, acked, { args });
});
