// Slow clients cost weft a bounded amount: 3,000 connections that send half their headers
// and stop are all closed at --http-header-timeout while a normal OTLP request is served
// meanwhile and the server's memory stays put; a slowloris trickling one header byte every
// 500 ms is closed at the header timeout (a total, not an inactivity timeout); an idle
// keep-alive connection is closed at --http-idle-timeout; past --http-max-connections a
// connection gets 503 at once. The flags reach weft serve by flag and by YAML file, and
// weft agent by environment variable; /metrics counts what was closed and why.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  getJson, httpGet, httpPost, makeTempDir, parseMetrics, removeDir, startServer, sumMetric, waitFor,
} from './lib/server.mjs';
import { startAgent } from './lib/weft_process.mjs';
import { nowNs, otlpRequest, spanId, traceId } from './lib/otlp.mjs';

const HEADER_TIMEOUT_S = 10;  // long enough to open the flood on a loaded (or ASan) machine
const IDLE_TIMEOUT_S = 2;
const HALF_HEADERS = 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: applic';

// 3,000 slow connections if this process (and weft serve, which inherits the limit and
// spreads 3/4 of it over its four HTTP listeners) can hold them; else what fits.
const OPEN_FILES = Number(execFileSync('/bin/bash', ['-c', 'ulimit -n']).toString().trim()) || 1024;
const FLOOD = Math.min(3000, OPEN_FILES - 500, Math.floor((OPEN_FILES * 3) / 4 / 4) - 50);

let server;
before(async () => {
  if (FLOOD < 3000) {
    console.log(`# open files limit ${OPEN_FILES}: ${FLOOD} slow connections instead of 3000`);
  }
  server = await startServer({
    args: ['--no-ui', '--http-header-timeout', String(HEADER_TIMEOUT_S),
      '--http-idle-timeout', String(IDLE_TIMEOUT_S)],
  });
});
after(async () => {
  if (server) {
    const info = await server.stop();
    assert.equal(info.code, 0, `exit code on SIGTERM: ${JSON.stringify(info)}`);
  }
});

const portOf = (addr) => Number(addr.slice(addr.lastIndexOf(':') + 1));

/** A raw connection: sends `first` once connected; records what came back and when it closed. */
function rawConn(port, first) {
  const c = { openedAt: 0, closedAt: 0, data: '', error: null };
  c.sock = net.connect({ port, host: '127.0.0.1' });
  c.sock.setNoDelay(true);
  c.connected = new Promise((resolve) => {
    c.sock.once('connect', () => {
      c.openedAt = performance.now();
      if (first) c.sock.write(first);
      resolve(true);
    });
    c.sock.once('error', (e) => { c.error = e; resolve(false); });
  });
  c.sock.on('error', () => { /* ECONNRESET after a 408: 'close' follows */ });
  c.sock.on('data', (d) => { c.data += d.toString('latin1'); });
  c.closed = new Promise((resolve) => {
    c.sock.once('close', () => { c.closedAt = performance.now(); resolve(); });
  });
  return c;
}

function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : NaN;
}

async function metrics(base) {
  const r = await httpGet(`${base}/metrics`);
  assert.equal(r.status, 200);
  return parseMetrics(r.text);
}

function otlpBody() {
  const t = nowNs();
  const tid = traceId();
  return {
    tid,
    body: JSON.stringify(otlpRequest('slow-clients-svc', [
      { traceId: tid, spanId: spanId(), name: 'served-meanwhile', start: t - 1000000n, end: t },
    ])),
  };
}

test(`${FLOOD} connections with half-sent headers are closed at the header timeout; a normal ` +
  'request is served meanwhile; memory stays bounded', { timeout: 90000 }, async () => {
  const port = portOf(server.ports.otlp_http);
  const rssBefore = rssKiB(server.pid);
  const before = await metrics(server.query);
  const timedOutBefore = sumMetric(before, 'weft_http_connections_timed_out_total',
    { server: 'otlp_http', timeout: 'header' });

  const t0 = performance.now();
  const conns = [];
  for (let i = 0; i < FLOOD; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(FLOOD, i + 500); ++j) batch.push(rawConn(port, HALF_HEADERS));
    await Promise.all(batch.map((c) => c.connected));
    conns.push(...batch);
  }
  const openMs = performance.now() - t0;
  const failed = conns.filter((c) => c.error);
  assert.equal(failed.length, 0, `connections that failed: ${failed.length} (${failed[0]?.error})`);
  console.log(`# ${FLOOD} slow connections open in ${openMs.toFixed(0)} ms`);
  assert.ok(openMs < HEADER_TIMEOUT_S * 1000 - 1500, `opening took ${openMs} ms`);

  // All held at once, as the server sees it.
  const open = await waitFor(async () => {
    const n = sumMetric(await metrics(server.query), 'weft_http_connections_open', { server: 'otlp_http' });
    return n >= FLOOD ? n : 0;
  }, { timeoutMs: 2000, intervalMs: 50 });
  assert.ok(open >= FLOOD, `server holds ${open} connections, expected ${FLOOD}`);

  // A real OTLP client is served while they are all open.
  const { tid, body } = otlpBody();
  const t1 = performance.now();
  const r = await httpPost(`${server.otlpHttp}/v1/traces`, body,
    { 'content-type': 'application/json' }, { timeoutMs: 5000 });
  const servedMs = performance.now() - t1;
  assert.equal(r.status, 200, r.text);
  assert.ok(servedMs < 1500, `OTLP request took ${servedMs} ms`);
  const stillOpen = conns.filter((c) => !c.closedAt).length;
  assert.ok(stillOpen > FLOOD * 0.9, `the request must be served while the slow ones are open (${stillOpen})`);
  const rssDuring = rssKiB(server.pid);

  // Every slow connection is closed by the server at the header timeout (408), none early.
  const allClosed = Promise.all(conns.map((c) => c.closed));
  const deadline = sleep(HEADER_TIMEOUT_S * 1000 + 15000, 'timeout');
  assert.notEqual(await Promise.race([allClosed, deadline]), 'timeout',
    `${conns.filter((c) => !c.closedAt).length} connections still open 15 s after the header timeout`);
  const lifetimes = conns.map((c) => (c.closedAt - c.openedAt) / 1000);
  const minLife = Math.min(...lifetimes);
  const maxLife = Math.max(...lifetimes);
  console.log(`# closed after ${minLife.toFixed(2)} … ${maxLife.toFixed(2)} s; ` +
    `RSS ${rssBefore} kB before, ${rssDuring} kB with ${FLOOD} slow connections`);
  assert.ok(minLife > HEADER_TIMEOUT_S - 0.3, `a connection closed after ${minLife} s`);
  // The deadline runs from the server's accept, which can lag the client's connect while
  // thousands arrive at once on a loaded machine: a few seconds of slack.
  assert.ok(maxLife < HEADER_TIMEOUT_S + 15, `a connection closed only after ${maxLife} s`);
  const with408 = conns.filter((c) => c.data.startsWith('HTTP/1.1 408 ')).length;
  assert.ok(with408 > FLOOD * 0.9, `only ${with408} of ${FLOOD} got 408`);
  // A few kB per connection at most (the kernel's socket buffers are not in RSS).
  assert.ok(rssDuring - rssBefore < 64 * 1024,
    `RSS grew by ${rssDuring - rssBefore} kB for ${FLOOD} connections`);

  const after = await metrics(server.query);
  assert.ok(sumMetric(after, 'weft_http_connections_timed_out_total',
    { server: 'otlp_http', timeout: 'header' }) - timedOutBefore >= FLOOD);
  assert.ok(sumMetric(after, 'weft_http_connections_open', { server: 'otlp_http' }) <= 2);
  const trace = await getJson(`${server.query}/api/v1/traces/${tid}`);
  assert.ok(JSON.stringify(trace).includes('served-meanwhile'));
});

test('a slowloris trickling one header byte every 500 ms is closed at the header timeout',
  { timeout: 30000 }, async () => {
    const c = rawConn(portOf(server.ports.otlp_http));
    assert.ok(await c.connected);
    const headers = HALF_HEADERS + 'ation/json\r\n' + 'X-Slow: '.padEnd(200, 'x');
    let sent = 0;
    while (!c.closedAt && sent < headers.length && performance.now() - c.openedAt < 20000) {
      c.sock.write(headers[sent++]);
      await Promise.race([sleep(500), c.closed]);
    }
    await Promise.race([c.closed, sleep(5000)]);
    const life = (c.closedAt - c.openedAt) / 1000;
    assert.ok(c.closedAt, 'still open');
    console.log(`# slowloris closed after ${life.toFixed(2)} s and ${sent} bytes`);
    assert.ok(life > HEADER_TIMEOUT_S - 0.3 && life < HEADER_TIMEOUT_S + 3, `closed after ${life} s`);
    assert.match(c.data, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(c.data.includes(`request headers not received within ${HEADER_TIMEOUT_S}s`), c.data);
  });

test('an idle keep-alive connection is closed at the idle timeout, silently',
  { timeout: 30000 }, async () => {
    const c = rawConn(portOf(server.ports.otlp_http));
    assert.ok(await c.connected);
    const { body } = otlpBody();
    c.sock.write('POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const answered = await waitFor(() => /\r\n\r\n\{\}$/.test(c.data) && performance.now(),
      { timeoutMs: 5000, intervalMs: 10 });
    assert.ok(answered, `no answer: ${c.data}`);
    assert.match(c.data, /^HTTP\/1\.1 200 /);
    const answer = c.data;
    await Promise.race([c.closed, sleep(IDLE_TIMEOUT_S * 1000 + 5000)]);
    assert.ok(c.closedAt, 'idle connection still open');
    const idle = (c.closedAt - answered) / 1000;
    assert.ok(idle > IDLE_TIMEOUT_S - 0.3 && idle < IDLE_TIMEOUT_S + 1.5, `closed after ${idle} s idle`);
    assert.equal(c.data, answer, 'nothing is sent on an idle connection before closing it');
    const m = await metrics(server.query);
    assert.ok(sumMetric(m, 'weft_http_connections_timed_out_total', { server: 'otlp_http', timeout: 'idle' }) >= 1);
  });

test('past --http-max-connections (YAML) a connection gets 503 at once; the others are served',
  { timeout: 30000 }, async () => {
    const dir = makeTempDir('weft-it-slow-');
    const config = path.join(dir, 'weft.yaml');
    writeFileSync(config, 'http-max-connections: 20\nhttp_header_timeout: 10\n');
    const capped = await startServer({ args: ['--no-ui', '--config', config] });
    const held = [];
    try {
      const port = portOf(capped.ports.zipkin);
      for (let i = 0; i < 20; ++i) held.push(rawConn(port, 'POST /api/v2/spans HTTP/1.1\r\nHo'));
      await Promise.all(held.map((c) => c.connected));
      await waitFor(async () => sumMetric(await metrics(capped.query), 'weft_http_connections_open',
        { server: 'zipkin' }) === 20, { timeoutMs: 3000, intervalMs: 50 });
      const extra = rawConn(port);
      assert.ok(await extra.connected);
      await Promise.race([extra.closed, sleep(3000)]);
      assert.ok(extra.closedAt, 'the connection past the cap was not closed');
      assert.ok(extra.closedAt - extra.openedAt < 1000);
      assert.match(extra.data, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
      assert.match(extra.data, /Retry-After: 1/);
      // Other listeners have caps of their own; the held ones are still served.
      assert.equal((await httpGet(`${capped.query}/healthz`)).status, 200);
      held[0].sock.write('st: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]');
      await waitFor(() => held[0].data.length > 0, { timeoutMs: 3000, intervalMs: 20 });
      assert.match(held[0].data, /^HTTP\/1\.1 202 /);
      const m = await metrics(capped.query);
      assert.equal(sumMetric(m, 'weft_http_connections_rejected_total', { server: 'zipkin' }), 1);
    } finally {
      for (const c of held) c.sock.destroy();
      const info = await capped.stop();
      removeDir(dir);
      assert.equal(info.code, 0);
    }
  });

test('weft agent takes the same limits (WEFT_AGENT_HTTP_HEADER_TIMEOUT) on every HTTP port',
  { timeout: 30000 }, async () => {
    const dataDir = makeTempDir('weft-it-slow-agent-');
    const agent = await startAgent({
      dataDir, forward: [server.otlpHttp], env: { WEFT_AGENT_HTTP_HEADER_TIMEOUT: '1' },
    });
    try {
      const conns = [portOf(agent.ports.otlp_http), portOf(agent.ports.zipkin), portOf(agent.ports.admin)]
        .map((p) => rawConn(p, 'GET /metrics HTTP/1.1\r\nHo'));
      await Promise.all(conns.map((c) => c.connected));
      await Promise.race([Promise.all(conns.map((c) => c.closed)), sleep(5000)]);
      for (const c of conns) {
        assert.ok(c.closedAt, 'still open');
        const life = (c.closedAt - c.openedAt) / 1000;
        assert.ok(life > 0.7 && life < 2.5, `closed after ${life} s`);
        assert.match(c.data, /^HTTP\/1\.1 408 /);
      }
      const m = await metrics(agent.admin);
      for (const s of ['otlp_http', 'zipkin', 'admin']) {
        assert.equal(sumMetric(m, 'weft_http_connections_timed_out_total', { server: s, timeout: 'header' }), 1, s);
      }
    } finally {
      const info = await agent.stop();
      removeDir(dataDir);
      assert.equal(info.code, 0);
    }
  });
