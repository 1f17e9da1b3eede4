// `weft serve --tail`: traces from trace log lines (../shared/LOGFORMAT.md, per-request RpcIds),
// durable end to end. Log files of three "services" in a temp dir, read from the beginning with a
// 1 s trace window: every good line must become exactly one span or event in the right tree
// (parents by RpcId, weft.rpcid.missing on a gap's request, placeholders for a missing parent),
// bad lines are counted by reason on /metrics; a file is rotated (rename + new file) while
// weft reads it; then the server is kill -9ed while lines are still being appended, restarted on
// the same data dir, and no line may be lost or doubled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  getJson, httpGet, makeTempDir, parseMetrics, removeDir, startServer, sumMetric, waitFor,
} from './lib/server.mjs';
import { T0, attr, expectTree, getTrace, hexId, line, waitTrace } from './lib/loglines.mjs';

async function metrics(server) {
  const r = await httpGet(`${server.query}/metrics`);
  assert.equal(r.status, 200);
  return parseMetrics(r.text);
}

test('log files become traces, durable through rotation and kill -9', { timeout: 180000 }, async () => {
  const dir = makeTempDir('weft-it-logs-');
  const dataDir = makeTempDir('weft-it-data-');
  const a = path.join(dir, 'frontend.log');
  const b = path.join(dir, 'backend.log');
  const c = path.join(dir, 'misc.log');
  const args = ['--tail', path.join(dir, '*.log'), '--tail-from', 'beginning',
    '--tail-window', '1s', '--tail-max-line-bytes', '2048'];
  let server;
  let writer;
  try {
    // ---- Before weft starts: three services' logs, several traces, bad lines.
    const t1 = hexId(); // whole: two services, calls, log lines as events
    const t2 = hexId(); // a gap: call 0.3 never logged
    const t3 = hexId(); // a callee whose caller logged nothing: placeholders
    appendFileSync(a, [
      line('request.info', t1, '0.1', 'frontend', T0, { x_module: 'GET /home', x_duration: 1 }),
      line('redis.request', t1, '0.2', 'frontend', T0, { x_host: '10.0.0.9:6379' }),
      line('request.info', t2, '0.1', 'frontend', T0 + 1, { x_module: 'GET /cart' }),
      line('http.post', t1, '0.3', 'frontend', T0, { x_action: 'http://backend/api' }),
      line('log.info', t1, '0.3', 'frontend', T0, { x_msg: 'called backend' }),
      line('mysql.request', t2, '0.2', 'frontend', T0 + 1),
      line('mysql.request', t1, '0.4', 'frontend', T0, { x_host: '10.0.0.7:3306', x_db: 'shop' }),
      line('mysql.request', t2, '0.4', 'frontend', T0 + 1),
    ].join('\n') + '\n');
    appendFileSync(b, [
      line('request.info', t1, '0.3.1', 'backend', T0, { x_module: 'POST /api' }),
      line('request.info', t3, '0.5.1', 'backend', T0 + 2, { x_module: 'GET /orphan' }),
      line('mysql.request', t1, '0.3.2', 'backend', T0),
      line('log.error', t1, '0.3.2', 'backend', T0, { x_msg: 'slow query' }),
      line('redis.request', t3, '0.5.2', 'backend', T0 + 2),
    ].join('\n') + '\n');
    // LOGFORMAT.md's own lines (a non-hex trace ID), then one bad line per reason.
    const bad = {
      not_json: 'this is not json',
      not_object: '[1,2,3]',
      missing_trace_id: JSON.stringify({ x_name: 'request.info', x_rpc_id: '0.1', x_timestamp: T0 }),
      missing_rpc_id: JSON.stringify({ x_name: 'request.info', x_trace_id: 'abc', x_timestamp: T0 }),
      missing_timestamp: JSON.stringify({ x_trace_id: 'abc', x_rpc_id: '0.1' }),
      bad_rpc_id: JSON.stringify({ x_trace_id: 'abc', x_rpc_id: '0..1', x_timestamp: T0 }),
      wrong_type: '{"x_trace_id":"abc","x_rpc_id":0.1,"x_timestamp":1750000000}',
      bad_timestamp: JSON.stringify({ x_trace_id: 'abc', x_rpc_id: '0.1', x_timestamp: -5 }),
      bad_duration: JSON.stringify({ x_trace_id: 'abc', x_rpc_id: '0.1', x_timestamp: T0, x_duration: -1 }),
      binary: '\u0000\u0001\u0002garbage',
      empty_line: '',
      too_long: JSON.stringify({ x_trace_id: 'abc', x_rpc_id: '0.1', x_timestamp: T0, x_msg: 'x'.repeat(3000) }),
    };
    appendFileSync(c, [
      '{"x_name":"request.info","x_trace_id":"123jiojfdsao","x_rpc_id":"0.1","x_version":"php-baseserver-4.0","x_department":"tal_client_frontend","x_timestamp":1506480162,"x_duration":0.021,"x_module":"js_game1_start","x_action":"http://testapi.example.com/v3/user/getinfo?id=9527","x_server_ip":"192.168.1.1:80","x_client_ip":"192.168.1.123","x_code":"200"}',
      ...Object.values(bad),
      '{"x_name":"mysql.request","x_trace_id":"123jiojfdsao","x_rpc_id":"0.2","x_version":"php-4","x_department":"tal_client_frontend","x_timestamp":1506480162,"x_duration":0.024,"x_module":"js_game1_round_sigup","x_instance_name":"default","x_host":"12.123.23.1:3306","x_db":"tal_game_round","x_action":"select * from t where id=1","x_code":"1","x_msg":"ok"}',
      '{"x_name":"log.exception","x_trace_id":"123jiojfdsao","x_rpc_id":"0.3","x_timestamp":1506480162,"x_module":"game1_round_win","x_file":"userinfo.php","x_line":"232","x_msg":"exception: call stack","x_code":"hy20001","x_backtrace":"x.php(123) gotError"}',
    ].join('\n') + '\n');

    server = await startServer({ dataDir, args });
    assert.match(server.output(), /tailing .*\*\.log/);

    // ---- Every good line exactly once, in the right place.
    expectTree(await waitTrace(server, t1, 6, 2), {
      'server 0.1': { parent: null, service: 'frontend', name: 'GET /home', events: 1 },
      'client 0.2': { parent: 'server 0.1' },
      'client 0.3': { parent: 'server 0.1' },
      'client 0.4': { parent: 'server 0.1' },
      'server 0.3.1': { parent: 'client 0.3', service: 'backend', name: 'POST /api', events: 1, error: true },
      'client 0.3.2': { parent: 'server 0.3.1', service: 'backend' },
    });
    expectTree(await waitTrace(server, t2, 3, 0), {
      'server 0.1': { parent: null, missing: '0.3' },
      'client 0.2': { parent: 'server 0.1' },
      'client 0.4': { parent: 'server 0.1' },
    });
    expectTree(await waitTrace(server, t3, 4, 0), {
      'server 0.1': { parent: null, placeholder: true, missing: '0.2,0.3,0.4' },
      'client 0.5': { parent: 'server 0.1', placeholder: true },
      'server 0.5.1': { parent: 'client 0.5', service: 'backend', name: 'GET /orphan' },
      'client 0.5.2': { parent: 'server 0.5.1' },
    });
    const found = await waitFor(async () => {
      const r = await getJson(`${server.query}/api/v1/search?tag=weft.log.trace_id=123jiojfdsao`);
      return r.traces.length === 1 && r.traces[0];
    });
    assert.ok(found, 'LOGFORMAT example trace not found by weft.log.trace_id');
    const ex = expectTree(await waitTrace(server, found.traceId, 2, 1), {
      'server 0.1': { parent: null, service: 'tal_client_frontend', name: 'js_game1_start', events: 1, missing: '0.3', error: true },
      'client 0.2': { parent: 'server 0.1', name: 'js_game1_round_sigup' },
    });
    assert.equal(attr(ex.get('client 0.2'), 'peer.service'), 'mysql:12.123.23.1:3306/tal_game_round');
    assert.equal(ex.get('server 0.1').events[0].name, 'exception');

    // ---- Rejects by reason on /metrics, the tail's own figures too.
    let m = await metrics(server);
    for (const reason of Object.keys(bad)) {
      assert.equal(sumMetric(m, 'weft_log_lines_rejected_total', { reason }), 1, `rejected ${reason}`);
    }
    assert.equal(sumMetric(m, 'weft_log_lines_truncated_total'), 1);
    assert.equal(sumMetric(m, 'weft_log_lines_read_total'), 8 + 5 + 3 + Object.keys(bad).length);
    assert.equal(sumMetric(m, 'weft_log_files_followed'), 3);
    assert.equal(sumMetric(m, 'weft_log_spans_emitted_total'), 6 + 3 + 4 + 2);
    assert.equal(sumMetric(m, 'weft_log_events_emitted_total'), 3);
    assert.ok(sumMetric(m, 'weft_log_bytes_read_total') > 3000);
    assert.ok(sumMetric(m, 'weft_log_checkpoint_writes_total') >= 1);
    assert.equal(sumMetric(m, 'weft_log_traces_open'), 0);
    assert.equal(sumMetric(m, 'weft_spans_accepted_total', { protocol: 'log_tail' }), 15);
    // An example of each reason in the log (rate-limited: one per reason per 10 s).
    for (const reason of Object.keys(bad)) assert.match(server.output(), new RegExp(`: ${reason}: `));

    // ---- Rotation: frontend.log -> frontend.log.1 (out of the glob) and a new frontend.log;
    // the old file gets one more line through a descriptor opened before the rename.
    const t4 = hexId();
    const oldFd = openSync(a, 'a');
    renameSync(a, `${a}.1`);
    writeSync(oldFd, line('request.info', t4, '0.1', 'frontend', T0 + 10, { x_module: 'GET /rotated' }) + '\n');
    closeSync(oldFd);
    appendFileSync(a, [
      line('mysql.request', t4, '0.2', 'frontend', T0 + 10),
      line('log.info', t4, '0.2', 'frontend', T0 + 10, { x_msg: 'after rotation' }),
    ].join('\n') + '\n');
    expectTree(await waitTrace(server, t4, 2, 1), {
      'server 0.1': { parent: null, name: 'GET /rotated', events: 1 },
      'client 0.2': { parent: 'server 0.1' },
    });

    // ---- kill -9 while lines are being appended; restart; append more.
    // Fast traces: 4 lines in frontend.log (in two writes), 2 in backend.log; 5 spans, 1 event.
    // Slow traces: a request whose log lines come every 400 ms for 2.4 s (so it stays open
    // across several ticks) and then its call; written between the two halves of fast traces,
    // they hold the commit back behind lines already stored: after the restart those must not
    // be stored again, whole or in part.
    const fast = [];
    const slow = []; // {id, step, next}
    const slowDone = [];
    const SLOW_STEPS = 6;
    let stop = false;
    let k = 0;
    writer = (async () => {
      let lastSlow = 0;
      while (!stop || slow.length) {
        const now = Date.now();
        const ts = T0 + 100 + k++;
        const id = stop ? null : hexId();
        if (id) {
          appendFileSync(a, [
            line('request.info', id, '0.1', 'frontend', ts, { x_module: 'GET /k' }),
            line('mysql.request', id, '0.2', 'frontend', ts),
          ].join('\n') + '\n');
        }
        if (!stop && now - lastSlow > 700) {
          const sid = hexId();
          appendFileSync(a, line('request.info', sid, '0.1', 'frontend', ts, { x_module: 'GET /slow' }) + '\n');
          slow.push({ id: sid, step: 0, next: now + 400 });
          lastSlow = now;
        }
        for (const t of [...slow]) {
          if (t.next > now) continue;
          if (t.step < SLOW_STEPS) {
            appendFileSync(a, line('log.info', t.id, '0.1', 'frontend', ts, { x_msg: `step ${t.step}` }) + '\n');
            t.step++;
            t.next = now + 400;
          } else {
            appendFileSync(a, line('mysql.request', t.id, '0.2', 'frontend', ts) + '\n');
            slow.splice(slow.indexOf(t), 1);
            slowDone.push(t.id);
          }
        }
        if (id) {
          appendFileSync(a, [
            line('http.get', id, '0.3', 'frontend', ts),
            line('log.info', id, '0.3', 'frontend', ts, { x_msg: 'back from backend' }),
          ].join('\n') + '\n');
          appendFileSync(b, [
            line('request.info', id, '0.3.1', 'backend', ts, { x_module: 'GET /b' }),
            line('redis.request', id, '0.3.2', 'backend', ts),
          ].join('\n') + '\n');
          fast.push(id);
        }
        await sleep(15);
      }
    })();
    await sleep(4000); // some traces stored and committed, some open, some not read yet
    const before = fast.length;
    await server.kill9();
    await sleep(700);  // still written while weft is down
    server = await startServer({ dataDir, args });
    assert.match(server.output(), /tailing /);
    await sleep(1500);
    stop = true;
    await writer;
    writer = null;
    assert.ok(before > 20 && fast.length > before, `written ${before} then ${fast.length}`);
    assert.ok(slowDone.length >= 5, `slow traces: ${slowDone.length}`);

    for (const id of fast) {
      expectTree(await waitTrace(server, id, 5, 1), {
        'server 0.1': { parent: null, service: 'frontend', name: 'GET /k', events: 1 },
        'client 0.2': { parent: 'server 0.1' },
        'client 0.3': { parent: 'server 0.1' },
        'server 0.3.1': { parent: 'client 0.3', service: 'backend' },
        'client 0.3.2': { parent: 'server 0.3.1' },
      });
    }
    for (const id of slowDone) {
      expectTree(await waitTrace(server, id, 2, SLOW_STEPS), {
        'server 0.1': { parent: null, name: 'GET /slow', events: SLOW_STEPS },
        'client 0.2': { parent: 'server 0.1' },
      });
    }
    // Nothing of before the kill came twice: the first traces are as they were.
    expectTree(await getTrace(server, t1), {
      'server 0.1': { parent: null, events: 1 },
      'client 0.2': { parent: 'server 0.1' },
      'client 0.3': { parent: 'server 0.1' },
      'client 0.4': { parent: 'server 0.1' },
      'server 0.3.1': { parent: 'client 0.3', events: 1 },
      'client 0.3.2': { parent: 'server 0.3.1' },
    });
    assert.equal((await getTrace(server, t4)).spans.length, 2);
    // And every trace the store holds is one of ours.
    const all = await getJson(`${server.query}/api/v1/search?limit=10000`);
    assert.equal(all.traces.length, fast.length + slowDone.length + 5);
    // Every line read is stored (the gauges follow within a tick).
    assert.ok(await waitFor(async () => {
      m = await metrics(server);
      return sumMetric(m, 'weft_log_lines_pending') === 0 && sumMetric(m, 'weft_log_traces_open') === 0;
    }, { timeoutMs: 10000, intervalMs: 250 }), `lines still pending: ${sumMetric(m, 'weft_log_lines_pending')}`);
    console.log(`log_tail: ${fast.length} fast traces (${before} before the kill), ` +
      `${slowDone.length} slow ones; after restart ` +
      `${sumMetric(m, 'weft_log_lines_read_total')} lines read, ` +
      `${sumMetric(m, 'weft_log_lines_skipped_total')} skipped as stored`);

    const exit = await server.stop();
    server = null;
    assert.equal(exit.code, 0, 'SIGTERM exits 0');
  } finally {
    if (writer) await writer.catch(() => {});
    if (server) await server.stop();
    removeDir(dir);
    removeDir(dataDir);
  }
});

test('bad --tail flags are refused with a clear message', { timeout: 30000 }, async () => {
  for (const [flags, message] of [
    [['--tail-window', '0'], /--tail-window "0": must be between 1ms and 24h/],
    [['--tail-service', 'no-equals-sign'], /--tail-service "no-equals-sign": expected PATTERN=NAME/],
    [['--tail-from', 'middle'], /--tail-from: middle not in \{end,beginning\}/],
    [['--tail-scheme', 'mine'], /--tail-scheme: mine not in/],
    [['--tail-checkpoint', '/nonexistent-dir/x'], /--tail: .*\/nonexistent-dir/],
  ]) {
    await assert.rejects(startServer({ args: ['--tail', '/tmp/*.nothing', ...flags] }), message);
  }
});
