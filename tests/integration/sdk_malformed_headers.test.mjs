// Malformed incoming trace headers never break a C++ SDK service (issue 3, scope item 2):
// they are ignored, so the request starts a NEW trace, and they are counted.
//
// The SDK's probe program ($WEFT_SDK_PROBE) extracts with tracecontext, baggage, b3 and
// jaeger. Each request carries one kind of garbage; the probe must answer 200 with a fresh,
// valid trace id and no parent, and GET /stats (weft::GetPropagationStats()) must show the
// malformed counter grown by at least the number of such requests and nothing extracted.
// A valid header afterwards must still be honoured (so the checks above can fail), and a
// burst of random bytes in every header must leave the process answering.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

import { getJson } from './lib/server.mjs';
import { probeSkipReason, startProbe } from './lib/sdk_procs.mjs';

const SKIP = probeSkipReason();
const TID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SID = '00f067aa0ba902b7';

// Each holds exactly one malformed trace-context header (so each counts at least once).
const MALFORMED = [
  { traceparent: 'garbage' },
  { traceparent: `00-${'z'.repeat(32)}-${SID}-01` },
  { traceparent: `00-${'0'.repeat(32)}-${SID}-01` },
  { traceparent: `00-${TID}-${'0'.repeat(16)}-01` },
  { traceparent: `ff-${TID}-${SID}-01` },
  { traceparent: `00-${TID}-${SID}` },
  { traceparent: `00-${TID}-${SID}-01-extra` },
  { traceparent: `00-${TID.slice(2)}-${SID}-01` },
  { traceparent: `00-${TID}-${SID}-0g` },
  { traceparent: 'x'.repeat(8000) },
  { b3: 'garbage' },
  { b3: TID },
  { b3: `${TID}-${'z'.repeat(16)}-1` },
  { b3: `${'0'.repeat(32)}-${'0'.repeat(16)}-1` },
  { b3: `${TID}-${SID}-x` },
  { b3: `${TID}-${SID}-1-` },
  { 'x-b3-traceid': 'nothex', 'x-b3-spanid': SID },
  { 'x-b3-traceid': TID, 'x-b3-spanid': 'short' },
  { 'uber-trace-id': 'garbage' },
  { 'uber-trace-id': '0:0:0:1' },
  { 'uber-trace-id': `${TID}:${SID}:0` },
  { 'uber-trace-id': `zz:${SID}:0:1` },
  { 'uber-trace-id': `${TID}:${SID}:0:zz` },
  { 'uber-trace-id': `${TID}${TID}:${SID}:0:1` },
];

const hex32 = /^[0-9a-f]{32}$/;

/** One raw HTTP/1.1 GET with arbitrary header bytes (fetch refuses many of them). */
function rawGet(port, headerBytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    sock.setTimeout(10000, () => sock.destroy(new Error('timeout')));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number((/^HTTP\/1\.1 (\d+)/.exec(text) || [])[1] || -1);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      resolve({ status, body });
    });
    sock.write(Buffer.concat([Buffer.from('GET /raw HTTP/1.1\r\nHost: x\r\n'), headerBytes, Buffer.from('\r\n\r\n')]));
  });
}

describe('C++ SDK: malformed trace headers start a new trace and are counted', { skip: SKIP || false }, () => {
  let probe;
  before(async () => {
    probe = await startProbe(['--endpoint', 'none', '--propagators', 'tracecontext,baggage,b3,jaeger']);
  });
  after(async () => {
    if (probe) await probe.stop();
  });

  test(`${MALFORMED.length} malformed headers: 200, a new trace, counted`, { timeout: 60000 }, async () => {
    const before = await getJson(`${probe.url}/stats`);
    for (const headers of MALFORMED) {
      const what = JSON.stringify(headers).slice(0, 200);
      const r = await getJson(`${probe.url}/req`, { headers });
      assert.match(r.trace_id, hex32, what);
      assert.notEqual(r.trace_id, '0'.repeat(32), what);
      assert.notEqual(r.trace_id, TID, `${what}: the garbage was not taken as a context`);
      assert.equal(r.parent_span_id, '', `${what}: no parent`);
      assert.equal(r.sampled, true, `${what}: a new root (parent-based always-on samples it)`);
    }
    const afterStats = await getJson(`${probe.url}/stats`);
    const grew = afterStats.propagation.malformed - before.propagation.malformed;
    assert.ok(grew >= MALFORMED.length, `malformed counter grew by ${grew}, expected >= ${MALFORMED.length}`);
    assert.equal(afterStats.propagation.extracted, before.propagation.extracted, 'nothing was extracted');
  });

  test('valid headers are still honoured (the checks above can fail)', async () => {
    for (const headers of [
      { traceparent: `00-${TID}-${SID}-01` },
      { b3: `${TID}-${SID}-1` },
      { 'x-b3-traceid': TID, 'x-b3-spanid': SID, 'x-b3-sampled': '1' },
      { 'uber-trace-id': `${TID}:${SID}:0:1` },
    ]) {
      const r = await getJson(`${probe.url}/req`, { headers });
      assert.equal(r.trace_id, TID, JSON.stringify(headers));
      assert.equal(r.parent_span_id, SID, JSON.stringify(headers));
    }
  });

  test('control bytes, non-ASCII bytes and random junk in every trace header: still 200', { timeout: 60000 }, async () => {
    const names = ['traceparent', 'tracestate', 'baggage', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled',
      'x-b3-flags', 'uber-trace-id', 'uberctx-k', 'jaeger-debug-id'];
    const printable = (n) => Array.from(randomBytes(n), (b) => String.fromCharCode(33 + (b % 94))).join('');
    let requests = 0;
    for (let i = 0; i < 150; i++) {
      const name = names[i % names.length];
      let value;
      switch (i % 3) {
        case 0: value = randomBytes(1 + (i % 60)).map((b) => (b === 10 || b === 13 ? 32 : b)); break; // raw bytes
        case 1: value = Buffer.from(printable(1 + (i % 120)), 'latin1'); break;
        default: value = Buffer.from(`00-${TID}-${SID}-01`.replace(/./g, (c) => (Math.random() < 0.1 ? printable(1) : c)));
      }
      const r = await rawGet(probe.port, Buffer.concat([Buffer.from(`${name}: `), value]));
      assert.equal(r.status, 200, `${name}: ${value.toString('hex')} -> ${r.status} ${r.body.slice(0, 200)}`);
      assert.match(JSON.parse(r.body).trace_id, hex32);
      requests++;
    }
    assert.equal(requests, 150);
    const s = await getJson(`${probe.url}/stats`);
    assert.ok(s.propagation.malformed > 0);
    assert.equal(probe.exitInfo, null, 'the probe is still running');
  });
});
