// Every address flag takes host:port or a URL, as OpenTelemetry users write it:
// `weft loadgen --endpoint http://host:port[/v1/traces]`, `grpc://host:port`,
// `weft trace --query-addr http://host:port`; a path loadgen does not send to, or https, is
// refused with a message naming the flag's value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { WEFT_BIN, getJson, startServer } from './lib/server.mjs';

const weft = (args) => spawnSync(WEFT_BIN, args, { encoding: 'utf8', timeout: 60000 });

test('endpoint flags take URLs', { timeout: 120000 }, async () => {
  const server = await startServer();
  try {
    for (const [protocol, endpoint] of [
      ['otlp-http', `http://${server.ports.otlp_http}`],
      ['otlp-http', `http://${server.ports.otlp_http}/v1/traces`],
      ['otlp-grpc', `grpc://${server.ports.otlp_grpc}`],
      ['zipkin', `http://${server.ports.zipkin}/api/v2/spans`],
    ]) {
      const r = weft(['loadgen', '--protocol', protocol, '--endpoint', endpoint, '--spans', '200', '--quiet']);
      assert.equal(r.status, 0, `${endpoint}: ${r.stderr}`);
      assert.match(r.stdout, /spans_acked=200 /, endpoint);
    }
    const bad = weft(['loadgen', '--endpoint', `http://${server.ports.otlp_http}/elsewhere`, '--spans', '10']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /\/elsewhere/);
    const tls = weft(['loadgen', '--endpoint', `https://${server.ports.otlp_http}`, '--spans', '10']);
    assert.notEqual(tls.status, 0);
    assert.match(tls.stderr, /TLS is not supported/);

    const found = await getJson(`${server.query}/api/v1/search?limit=1`);
    const id = found.traces[0].traceId;
    const tr = weft(['trace', id, '--query-addr', `http://${server.ports.query}/`]);
    assert.equal(tr.status, 0, tr.stderr);
    assert.ok(tr.stdout.length > 0);
  } finally {
    await server.stop();
  }
});
