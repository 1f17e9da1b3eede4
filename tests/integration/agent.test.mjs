// `weft agent` in front of `weft serve`: log files of two "services" (one rotated mid-run)
// and OTLP requests from an "application" go through the agent's disk queue to weft serve.
// The agent is kill -9ed while lines are being written and restarted; then weft serve is
// kill -9ed and restarted on the same address while the agent keeps taking spans. Every log
// line must end up as exactly one span or event in the right tree, and every OTLP span the
// agent acknowledged must be stored once. A second test routes by trace ID over two
// collectors and reroutes when one goes away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  getJson, httpGet, httpPost, makeTempDir, parseMetrics, removeDir, startServer, sumMetric, waitFor,
} from './lib/server.mjs';
import { startAgent } from './lib/weft_process.mjs';
import { T0, expectTree, getTrace, hexId, line, waitTrace } from './lib/loglines.mjs';
import { nowNs, otlpRequest, spanId, traceId } from './lib/otlp.mjs';

async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// weft serve with its OTLP/HTTP receiver on a fixed port (so a restarted one is where the
// agent forwards), everything else on port 0.
function startServe(dataDir, otlpPort) {
  return startServer({ dataDir, args: ['--otlp-http-addr', `127.0.0.1:${otlpPort}`, '--no-ui'] });
}

async function agentMetrics(agent) {
  const r = await httpGet(`${agent.admin}/metrics`);
  assert.equal(r.status, 200);
  return parseMetrics(r.text);
}

// One OTLP/JSON span to the agent; true if the agent acknowledged it.
async function sendOtlp(agent, id, service = 'otlp-app') {
  const t = nowNs();
  try {
    const r = await httpPost(`${agent.otlpHttp}/v1/traces`, JSON.stringify(otlpRequest(service, [
      { traceId: id, spanId: spanId(), name: 'GET /otlp', start: t, end: t + 1000000n },
    ])), { 'content-type': 'application/json' }, { timeoutMs: 5000 });
    return r.status === 200;
  } catch {
    return false; // the agent is down: not acknowledged, so not owed
  }
}

test('agent: logs and OTLP reach weft serve through kill -9 of the agent and of serve',
  { timeout: 240000 }, async () => {
    const logDir = makeTempDir('weft-it-agent-logs-');
    const agentData = makeTempDir('weft-it-agent-data-');
    const serveData = makeTempDir('weft-it-serve-data-');
    const fe = path.join(logDir, 'frontend.log');
    const be = path.join(logDir, 'backend.log');
    const port = await freePort();
    const agentArgs = ['--tail', path.join(logDir, '*.log'), '--tail-from', 'beginning',
      '--tail-window', '1s'];
    const forward = [`http://127.0.0.1:${port}`];
    let serve;
    let agent;
    let writer;
    try {
      serve = await startServe(serveData, port);
      agent = await startAgent({ dataDir: agentData, forward, args: [...agentArgs, '--forward-compression', 'zstd'] });
      assert.match(agent.output(), /forwarding to http:\/\/127\.0\.0\.1:\d+\/v1\/traces/);
      assert.match(agent.output(), /tailing /);

      const logTraces = [];
      const otlpAcked = [];
      let otlpRefused = 0;
      let stop = false;
      let k = 0;
      writer = (async () => {
        while (!stop) {
          const id = hexId();
          const ts = T0 + k++;
          appendFileSync(fe, [
            line('request.info', id, '0.1', 'frontend', ts, { x_module: 'GET /a' }),
            line('http.get', id, '0.2', 'frontend', ts),
            line('log.info', id, '0.2', 'frontend', ts, { x_msg: 'called backend' }),
          ].join('\n') + '\n');
          appendFileSync(be, [
            line('request.info', id, '0.2.1', 'backend', ts, { x_module: 'GET /b' }),
            line('mysql.request', id, '0.2.2', 'backend', ts, { x_host: '10.0.0.7:3306', x_db: 'shop' }),
          ].join('\n') + '\n');
          logTraces.push(id);
          if (k % 4 === 0) {
            const oid = traceId();
            if (await sendOtlp(agent, oid)) otlpAcked.push(oid); else otlpRefused++;
          }
          if (k === 60) renameSync(fe, `${fe}.1`); // rotation: out of the glob, a new file follows
          await sleep(20);
        }
      })();

      await sleep(2500);
      const killedAt = logTraces.length;
      await agent.kill9();
      await sleep(500); // lines still written while the agent is down
      agent = await startAgent({ dataDir: agentData, forward, args: [...agentArgs, '--forward-compression', 'zstd'] });
      await sleep(1500);
      const beforeServeKill = logTraces.length;
      await serve.kill9();
      await sleep(2000); // the agent queues meanwhile and keeps acknowledging
      serve = await startServe(serveData, port);
      await sleep(1500);
      stop = true;
      await writer;
      writer = null;
      assert.ok(beforeServeKill > 50 && logTraces.length > beforeServeKill,
        `log traces ${beforeServeKill} then ${logTraces.length}`);
      assert.ok(otlpAcked.length > 10, `OTLP acknowledged: ${otlpAcked.length}, refused ${otlpRefused}`);

      try {
        for (const id of logTraces) {
          expectTree(await waitTrace(serve, id, 4, 1, 60000), {
            'server 0.1': { parent: null, service: 'frontend', name: 'GET /a', events: 1 },
            'client 0.2': { parent: 'server 0.1' },
            'server 0.2.1': { parent: 'client 0.2', service: 'backend', name: 'GET /b' },
            'client 0.2.2': { parent: 'server 0.2.1', service: 'backend' },
          });
        }
      } catch (e) {
        // Which traces lack lines, against the moments of rotation and the two kills.
        const incomplete = [];
        for (const [i, id] of logTraces.entries()) {
          const t = await getTrace(serve, id);
          if (!t || t.spans.length !== 4 || t.spans.some((x) => x.name.startsWith('(missing'))) incomplete.push(i);
        }
        if (incomplete.length) {
          console.log(`incomplete log traces (index of ${logTraces.length}): ${incomplete}; rotation at 60, agent killed at ${killedAt}, serve killed at ${beforeServeKill}`);
          console.log(agent.output());
        }
        throw e;
      }
      for (const id of otlpAcked) {
        let t;
        assert.ok(await waitFor(async () => (t = await getTrace(serve, id)) !== null,
          { timeoutMs: 30000, intervalMs: 200 }), `acknowledged OTLP trace ${id} missing`);
        assert.equal(t.spans.length, 1);
        assert.equal(t.spans[0].service, 'otlp-app');
      }
      const all = await getJson(`${serve.query}/api/v1/search?limit=10000`);
      assert.equal(all.traces.length, logTraces.length + otlpAcked.length,
        'every stored trace is one of ours, none twice');

      let m;
      assert.ok(await waitFor(async () => {
        m = await agentMetrics(agent);
        return sumMetric(m, 'weft_agent_queue_pending_spans') === 0;
      }, { timeoutMs: 20000, intervalMs: 250 }), 'the queue drains');
      assert.ok(sumMetric(m, 'weft_agent_forwarded_spans_total') > 0);
      assert.ok(sumMetric(m, 'weft_log_lines_read_total') > 0);
      assert.equal(sumMetric(m, 'weft_agent_queue_dropped_spans_total'), 0);
      assert.equal(sumMetric(m, 'weft_agent_healthy_collectors'), 1);
      console.log(`agent: ${logTraces.length} log traces, ${otlpAcked.length} OTLP traces ` +
        `(${otlpRefused} refused while the agent was down); after its restart the agent ` +
        `forwarded ${sumMetric(m, 'weft_agent_forwarded_spans_total')} spans with ` +
        `${sumMetric(m, 'weft_agent_forward_retries_total')} retries`);

      assert.equal((await agent.stop()).code, 0, 'agent: SIGTERM exits 0');
      agent = null;
      assert.equal((await serve.stop()).code, 0, 'serve: SIGTERM exits 0');
      serve = null;
    } finally {
      if (writer) await writer.catch(() => {});
      if (agent) await agent.kill9();
      if (serve) await serve.kill9();
      removeDir(logDir);
      removeDir(agentData);
      removeDir(serveData);
    }
  });

test('agent: every trace whole at one collector (HTTP and gRPC); a collector that goes away loses its traces to the other',
  { timeout: 120000 }, async () => {
    const dirs = [makeTempDir('weft-it-c1-'), makeTempDir('weft-it-c2-'), makeTempDir('weft-it-agent-')];
    const ports = [await freePort(), await freePort()];
    const serves = [];
    let agent;
    try {
      for (let i = 0; i < 2; i++) serves.push(await startServe(dirs[i], ports[i]));
      // One collector over OTLP/HTTP, the other over OTLP/gRPC.
      agent = await startAgent({
        dataDir: dirs[2],
        forward: [`http://127.0.0.1:${ports[0]}`, `grpc://${serves[1].ports.otlp_grpc}`],
      });
      // Each trace's three spans in three requests, so only routing can keep them together.
      const sendTraces = async (n) => {
        const ids = Array.from({ length: n }, () => traceId());
        for (let s = 0; s < 3; s++) {
          for (const id of ids) {
            const t = nowNs();
            const r = await httpPost(`${agent.otlpHttp}/v1/traces`, JSON.stringify(otlpRequest('routed', [
              { traceId: id, spanId: spanId(), name: `step ${s}`, start: t, end: t + 1000n },
            ])), { 'content-type': 'application/json' });
            assert.equal(r.status, 200, r.text);
          }
        }
        return ids;
      };
      const where = async (ids, live) => {
        const at = new Map();
        assert.ok(await waitFor(async () => {
          for (const id of ids) {
            if (at.has(id)) continue;
            for (const i of live) {
              const t = await getTrace(serves[i], id);
              if (t && t.spans.length === 3) at.set(id, i);
            }
          }
          return at.size === ids.length;
        }, { timeoutMs: 30000, intervalMs: 200 }), `${ids.length - at.size} traces not whole anywhere`);
        return at;
      };

      const first = await sendTraces(40);
      const at = await where(first, [0, 1]);
      const counts = [0, 0];
      for (const i of at.values()) counts[i]++;
      assert.ok(counts[0] > 5 && counts[1] > 5, `spread over both: ${counts}`);
      for (const id of first) {
        const other = 1 - at.get(id);
        assert.equal(await getTrace(serves[other], id), null, `trace ${id} at both collectors`);
      }

      await serves[1].kill9();
      const second = await sendTraces(40);
      const at2 = await where(second, [0]);
      assert.equal(at2.size, 40, 'every trace went to the collector that is up');
      const m = parseMetrics((await httpGet(`${agent.admin}/metrics`)).text);
      assert.equal(sumMetric(m, 'weft_agent_healthy_collectors'), 1);
    } finally {
      if (agent) await agent.kill9();
      for (const s of serves) await s.kill9();
      for (const d of dirs) removeDir(d);
    }
  });

test('agent: bad flags and bad requests get clear errors; past its bound the queue drops the oldest, counted',
  { timeout: 120000 }, async () => {
    const dirs = [makeTempDir('weft-it-agent-'), makeTempDir('weft-it-serve-')];
    let agent;
    let serve;
    try {
      await assert.rejects(startAgent({ dataDir: dirs[0], forward: ['https://collector:4318'] }),
        /--forward https:\/\/collector:4318: use http:\/\/host:port/);
      await assert.rejects(startAgent({ dataDir: dirs[0], forward: ['http://127.0.0.1:1'], args: ['--queue-max-bytes', 'lots'] }),
        /queue-max-bytes/);

      const port = await freePort(); // no collector yet
      agent = await startAgent({
        dataDir: dirs[0], forward: [`http://127.0.0.1:${port}`], args: ['--queue-max-bytes', '1MiB'],
      });
      const bad = await httpPost(`${agent.otlpHttp}/v1/traces`, '{"resourceSpans":[{', { 'content-type': 'application/json' });
      assert.equal(bad.status, 400, bad.text);

      // 8,000 spans of ~1.6 KB (attribute values that compress to half) into a 1 MiB queue;
      // the forwarder holds one request's worth (4,096 spans) to probe the collector with.
      const TOTAL = 8000;
      const ids = [];
      const filler = () => Array.from({ length: 100 }, () => spanId()).join('');
      for (let i = 0; i < TOTAL / 20; i++) {
        const id = traceId();
        const t = nowNs();
        const spans = Array.from({ length: 20 }, () => ({
          traceId: id, spanId: spanId(), name: 'big', start: t, end: t + 1000n, attributes: { blob: filler() },
        }));
        const r = await httpPost(`${agent.otlpHttp}/v1/traces`, JSON.stringify(otlpRequest('bulk', spans)),
          { 'content-type': 'application/json' });
        assert.equal(r.status, 200, `request ${i}: ${r.text}`);
        ids.push(id);
      }
      const m = parseMetrics((await httpGet(`${agent.admin}/metrics`)).text);
      const dropped = sumMetric(m, 'weft_agent_queue_dropped_spans_total');
      assert.ok(dropped > 0 && dropped < TOTAL - 4096, `dropped ${dropped}`);
      assert.ok(sumMetric(m, 'weft_agent_queue_bytes') <= 1 << 20, `queue bytes ${sumMetric(m, 'weft_agent_queue_bytes')}`);
      assert.match(agent.output(), /queue/);

      // The collector comes: the newest traces arrive whole; what was dropped is what is missing.
      serve = await startServe(dirs[1], port);
      const last = ids[ids.length - 1];
      let t;
      assert.ok(await waitFor(async () => (t = await getTrace(serve, last)) !== null && t.spans.length === 20,
        { timeoutMs: 30000, intervalMs: 200 }), 'the newest trace arrives');
      assert.ok(await waitFor(async () => sumMetric(parseMetrics((await httpGet(`${agent.admin}/metrics`)).text),
        'weft_agent_queue_pending_spans') === 0, { timeoutMs: 30000, intervalMs: 200 }));
      const stored = (await getJson(`${serve.query}/api/v1/search?limit=1000`)).traces.length;
      assert.equal(stored * 20, TOTAL - dropped, `stored ${stored} traces, dropped ${dropped} spans`);
    } finally {
      if (agent) await agent.kill9();
      if (serve) await serve.kill9();
      for (const d of dirs) removeDir(d);
    }
  });
