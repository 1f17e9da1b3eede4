// The weft C++ SDK never makes the application wait for the collector (issue 3: "when the
// collector is slow or gone, spans are dropped and counted, not queued without bound").
//
// The SDK's probe program ($WEFT_SDK_PROBE) ends N spans flat out on one thread, timing each
// span's start+end, first against a live weft serve, then with the collector gone (a port
// nothing listens on: connections refused) and stopped (a weft serve under SIGSTOP: connections
// accepted by the kernel, never answered). With the collector gone or stopped, the spans'
// p99 cost must stay in microseconds and the run must not take seconds longer, the SDK's
// counters must say where every span went (ended = exported + dropped + failed, and some
// dropped or failed, none exported), and the process must still exit promptly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from './lib/server.mjs';
import { deadPort, jsonLine, probeSkipReason, runProbe } from './lib/sdk_procs.mjs';

const SKIP = probeSkipReason();
const N = 200000;
const P99_LIMIT_NS = 50000; // generous: a span costs ~100 ns; this allows for a busy machine
const EXTRA_ELAPSED_MS = 1000;

/** Run the probe to completion; returns {latency, stats, wallMs, proc}. */
async function emit(args, exitTimeoutMs = 30000) {
  const t0 = Date.now();
  const proc = runProbe(['--emit', String(N), '--rate', '0', ...args]);
  const exit = await proc.waitExit(exitTimeoutMs);
  const wallMs = Date.now() - t0;
  assert.deepEqual([exit.code, exit.signal, exit.forcedKill], [0, null, undefined],
    `probe exit after ${wallMs} ms\n${proc.describe()}`);
  return { latency: jsonLine(proc, 'LATENCY'), stats: jsonLine(proc, 'STATS'), wallMs, proc };
}

function assertAccounted(stats, what, n = N) {
  const p = stats.processor;
  assert.equal(p.ended, n, `${what}: every span ended was counted (${JSON.stringify(stats)})`);
  assert.equal(p.exported + p.dropped + p.failed, p.ended,
    `${what}: ended = exported + dropped + failed after shutdown (${JSON.stringify(stats)})`);
}

describe('C++ SDK under a dead or stopped collector', { skip: SKIP || false }, () => {
  let server;
  let live;
  before(async () => {
    server = await startServer();
    live = await emit(['--endpoint', server.otlpHttp, '--service', 'overload-live']);
  });
  after(async () => {
    if (server) await server.stop();
  });

  test('baseline: live collector', () => {
    assertAccounted(live.stats, 'live');
    assert.ok(live.stats.processor.exported > 0, `some spans exported (${JSON.stringify(live.stats)})`);
    assert.ok(live.latency.p99_ns < P99_LIMIT_NS, `live p99 ${live.latency.p99_ns} ns`);
  });

  test('collector gone (connection refused): latency kept, spans dropped/failed and counted', { timeout: 60000 }, async () => {
    const port = await deadPort();
    // Default exporter settings (5 attempts with backoff): what an application gets.
    const dead = await emit(['--endpoint', `http://127.0.0.1:${port}`, '--service', 'overload-dead']);
    const msg = `live ${JSON.stringify(live.latency)}, dead ${JSON.stringify(dead.latency)}`;
    assert.ok(dead.latency.p99_ns < P99_LIMIT_NS, `p99 with the collector gone: ${msg}`);
    assert.ok(dead.latency.elapsed_ms < live.latency.elapsed_ms + EXTRA_ELAPSED_MS, `run time: ${msg}`);
    assertAccounted(dead.stats, 'dead');
    const p = dead.stats.processor;
    assert.equal(p.exported, 0, 'nothing can have been exported');
    assert.ok(p.dropped + p.failed > 0, `spans counted as dropped or failed: ${JSON.stringify(dead.stats)}`);
    assert.ok(dead.stats.exporter.failed_spans > 0, `the exporter counts failed spans: ${JSON.stringify(dead.stats)}`);
    assert.equal(dead.stats.exporter.exported_spans, 0);
    // Shutdown gives up on the dead collector instead of retrying forever.
    assert.ok(dead.wallMs < 20000, `process exited after ${dead.wallMs} ms`);
  });

  test('collector stopped (SIGSTOP: accepts, never answers): latency kept, spans counted', { timeout: 90000 }, async () => {
    const stopped = await startServer();
    try {
      process.kill(stopped.pid, 'SIGSTOP'); // our own child, by PID
      // Short exporter timeouts so the test does not wait out the default 10 s per attempt.
      const r = await emit(['--endpoint', stopped.otlpHttp, '--service', 'overload-stopped',
        '--export-timeout-ms', '300', '--max-attempts', '2', '--shutdown-timeout-ms', '1000'], 60000);
      const msg = `live ${JSON.stringify(live.latency)}, stopped ${JSON.stringify(r.latency)}`;
      assert.ok(r.latency.p99_ns < P99_LIMIT_NS, `p99 with the collector stopped: ${msg}`);
      assert.ok(r.latency.elapsed_ms < live.latency.elapsed_ms + EXTRA_ELAPSED_MS, `run time: ${msg}`);
      assertAccounted(r.stats, 'stopped');
      const p = r.stats.processor;
      assert.equal(p.exported, 0, `a stopped collector acknowledges nothing: ${JSON.stringify(r.stats)}`);
      assert.ok(p.dropped + p.failed > 0, `spans counted as dropped or failed: ${JSON.stringify(r.stats)}`);
      assert.ok(r.wallMs < 30000, `process exited after ${r.wallMs} ms`);
    } finally {
      try { process.kill(stopped.pid, 'SIGCONT'); } catch { /* gone */ }
      await stopped.stop();
    }
  });

  // Options::shutdown_timeout bounds how long Sdk::Shutdown (and so the Sdk's destructor, at
  // the application's exit) may wait for a collector that never answers, with the default
  // exporter settings (10 s per attempt, 5 attempts).
  test('collector stopped, default exporter: shutdown ends within shutdown_timeout', {
    timeout: 60000,
  }, async () => {
    const stopped = await startServer();
    try {
      process.kill(stopped.pid, 'SIGSTOP'); // our own child, by PID
      const SHUTDOWN_MS = 1000;
      const proc = runProbe(['--emit', '20000', '--rate', '0', '--endpoint', stopped.otlpHttp,
        '--service', 'overload-shutdown', '--shutdown-timeout-ms', String(SHUTDOWN_MS)]);
      await proc.waitLine(/^EMITTED /);
      const t0 = Date.now();
      const exit = await proc.waitExit(SHUTDOWN_MS + 4000);
      assert.deepEqual([exit.code, exit.forcedKill], [0, undefined],
        `still running ${Date.now() - t0} ms after the spans ended (shutdown_timeout ${SHUTDOWN_MS} ms)\n${proc.describe()}`);
      assertAccounted(jsonLine(proc, 'STATS'), 'stopped, default exporter', 20000);
    } finally {
      try { process.kill(stopped.pid, 'SIGCONT'); } catch { /* gone */ }
      await stopped.stop();
    }
  });
});
