// The weft C++ SDK flushes on SIGTERM/SIGINT (issue 3, scope item 4) and then lets the
// signal do what it would have done without the SDK.
//
// The SDK's probe program ($WEFT_SDK_PROBE) ends N spans with an export interval of 60 s and
// a ring large enough that nothing is exported on its own, prints "EMITTED N" (with its stats:
// nothing exported yet) and waits. The test sends the signal; the process must end the way
// the signal's previous disposition says (the default action: killed by the signal; or the
// application's own handler, installed before weft::Init: "OWN HANDLER", exit 0), and all N
// spans must be in weft serve (OTLP/HTTP) or all N lines in the trace log file (log:PATH).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { httpGet, makeTempDir, removeDir, startServer, waitFor } from './lib/server.mjs';
import { jsonLine, probeSkipReason, runProbe } from './lib/sdk_procs.mjs';

const SKIP = probeSkipReason();
const N = 1000;
// 4 MiB per thread: N spans of ~150 bytes fill far less than the quarter that wakes the
// export thread early, so only the signal can make them leave the process.
const HOLD = ['--emit', String(N), '--one-trace', '--wait', '--export-interval-ms', '60000', '--ring-bytes', String(4 << 20)];

/** Start the probe, wait for EMITTED, check nothing left yet; returns {proc, traceId}. */
async function emitAndHold(args) {
  const proc = runProbe([...HOLD, ...args]);
  await proc.waitLine(new RegExp(`^EMITTED ${N}$`));
  const traceId = (await proc.waitLine(/^TRACE ([0-9a-f]{32})$/))[1];
  const before = jsonLine(proc, 'STATS_BEFORE_SHUTDOWN');
  assert.equal(before.processor.ended, N, 'every span ended');
  assert.equal(before.processor.dropped, 0, 'nothing dropped');
  assert.equal(before.processor.exported, 0, 'nothing exported before the signal (else the test proves nothing)');
  return { proc, traceId };
}

async function spanCount(server, traceId) {
  const r = await httpGet(`${server.query}/api/v1/traces/${traceId}`);
  return r.status === 200 ? r.json.spans.length : 0;
}

describe('C++ SDK flushes on SIGTERM/SIGINT', { skip: SKIP || false }, () => {
  let server;
  let tmp;
  before(async () => {
    server = await startServer();
    tmp = makeTempDir('weft-sdk-signals-');
  });
  after(async () => {
    if (server) await server.stop();
    removeDir(tmp);
  });

  for (const sig of ['SIGTERM', 'SIGINT']) {
    test(`OTLP/HTTP: ${sig} flushes all ${N} spans, then the default action ends the process`, { timeout: 60000 }, async () => {
      const { proc, traceId } = await emitAndHold(['--endpoint', server.otlpHttp, '--service', `signals-${sig}`]);
      assert.equal(await spanCount(server, traceId), 0, 'no span in weft serve before the signal');
      proc.signal(sig);
      const exit = await proc.waitExit(15000);
      assert.equal(exit.forcedKill, undefined, `the probe did not exit on ${sig}\n${proc.describe()}`);
      assert.deepEqual([exit.code, exit.signal], [null, sig], `killed by ${sig} (the default action)\n${proc.describe()}`);
      // The flush finished (weft serve acknowledged) before the signal was re-raised.
      await waitFor(async () => (await spanCount(server, traceId)) === N, { timeoutMs: 5000 });
      assert.equal(await spanCount(server, traceId), N, `all ${N} spans in weft serve`);
    });
  }

  test(`log:PATH: SIGTERM writes all ${N} lines (and fsyncs) before the process ends`, { timeout: 60000 }, async () => {
    const file = path.join(tmp, 'trace.log');
    const { proc, traceId } = await emitAndHold(['--endpoint', `log:${file}`, '--service', 'signals-log']);
    const pre = existsSync(file) ? readFileSync(file, 'utf8') : '';
    assert.equal(pre.split('\n').filter(Boolean).length, 0, 'nothing written before the signal');
    proc.signal('SIGTERM');
    const exit = await proc.waitExit(15000);
    assert.deepEqual([exit.code, exit.signal], [null, 'SIGTERM'], proc.describe());
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, N, `${N} lines in ${file}`);
    for (const l of lines) {
      const o = JSON.parse(l); // whole lines only: a torn write fails here
      assert.equal(o.x_trace_id, traceId);
    }
  });

  test('an application SIGTERM handler installed before weft::Init still runs, after the flush', { timeout: 60000 }, async () => {
    const { proc, traceId } = await emitAndHold(['--endpoint', server.otlpHttp, '--service', 'signals-own', '--own-handler']);
    proc.signal('SIGTERM');
    const exit = await proc.waitExit(15000);
    assert.deepEqual([exit.code, exit.signal], [0, null], `the app's handler exits 0\n${proc.describe()}`);
    assert.ok(proc.lines().includes('OWN HANDLER'), `the app's handler ran\n${proc.describe()}`);
    await waitFor(async () => (await spanCount(server, traceId)) === N, { timeoutMs: 5000 });
    assert.equal(await spanCount(server, traceId), N, `all ${N} spans in weft serve`);
  });
});
