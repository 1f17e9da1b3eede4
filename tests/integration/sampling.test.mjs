// Jaeger remote sampling: GET /api/sampling?service= on the query port serves the
// strategies file given with --sampling-strategies, picks up a rewritten file within a few
// seconds, keeps the last good strategies when the file breaks, and refuses to start
// without the file it was told to read.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  startServer, getJson, httpGet, makeTempDir, removeDir, waitFor, parseMetrics, sumMetric,
} from './lib/server.mjs';

const RELOAD_TIMEOUT_MS = 5000; // the server looks at the file at most once per second

const initial = {
  service_strategies: [
    {
      service: 'foo', type: 'probabilistic', param: 0.8,
      operation_strategies: [{ operation: 'op1', type: 'probabilistic', param: 0.2 }],
    },
    { service: 'bar', type: 'ratelimiting', param: 5 },
    { service: 'slow', type: 'per_window', param: 3, window_seconds: 10 },
  ],
  default_strategy: { type: 'probabilistic', param: 0.5 },
};

// Replaces the file atomically, as docs/api.md recommends.
function writeStrategies(file, content) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, typeof content === 'string' ? content : JSON.stringify(content));
  renameSync(tmp, file);
}

describe('sampling strategies from a file', { timeout: 60000 }, () => {
  let server;
  let dir;
  let file;
  const sampling = (service) => getJson(`${server.query}/api/sampling?service=${encodeURIComponent(service)}`);

  before(async () => {
    dir = makeTempDir('weft-it-sampling-');
    file = path.join(dir, 'strategies.json');
    writeStrategies(file, initial);
    server = await startServer({ args: ['--sampling-strategies', file] });
  });
  after(async () => {
    if (server) {
      const info = await server.stop();
      assert.equal(info.code, 0, `exit code on SIGTERM: ${JSON.stringify(info)}`);
    }
    removeDir(dir);
  });

  test('serves each service its strategy, in Jaeger\'s response shape', async () => {
    assert.deepEqual(await sampling('foo'), {
      strategyType: 'PROBABILISTIC',
      probabilisticSampling: { samplingRate: 0.8 },
      operationSampling: {
        defaultSamplingProbability: 0.8,
        defaultLowerBoundTracesPerSecond: 0,
        perOperationStrategies: [{ operation: 'op1', probabilisticSampling: { samplingRate: 0.2 } }],
      },
    });
    assert.deepEqual(await sampling('bar'), {
      strategyType: 'RATE_LIMITING', rateLimitingSampling: { maxTracesPerSecond: 5 },
    });
    assert.deepEqual(await sampling('slow'), {
      strategyType: 'RATE_LIMITING',
      rateLimitingSampling: { maxTracesPerSecond: 1 },
      weftPerWindow: { traces: 3, windowSeconds: 10 },
    });
    assert.deepEqual(await sampling('someone-else'), {
      strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.5 },
    });
  });

  test('a missing service parameter is a 400 in Jaeger\'s error shape', async () => {
    const r = await httpGet(`${server.query}/api/sampling`);
    assert.equal(r.status, 400);
    assert.equal(r.json?.errors?.[0]?.code, 400);
    assert.match(r.json.errors[0].msg, /service/);
  });

  test('a rewritten file is served within seconds; a broken one keeps the last good', async () => {
    writeStrategies(file, {
      service_strategies: [{ service: 'foo', type: 'ratelimiting', param: 7 }],
      default_strategy: { type: 'probabilistic', param: 0.25 },
    });
    const reloaded = await waitFor(async () => {
      const s = await sampling('foo');
      return s.rateLimitingSampling?.maxTracesPerSecond === 7 ? s : undefined;
    }, { timeoutMs: RELOAD_TIMEOUT_MS, intervalMs: 100 });
    assert.ok(reloaded, `foo still served ${JSON.stringify(await sampling('foo'))}`);
    assert.equal((await sampling('bar')).probabilisticSampling?.samplingRate, 0.25);

    writeStrategies(file, '{"service_strategies": [ {"service": "foo", "type": "const"');
    const errors = () => httpGet(`${server.query}/metrics`)
      .then((r) => sumMetric(parseMetrics(r.text), 'weft_sampling_reload_errors_total'));
    const counted = await waitFor(async () => {
      await sampling('foo'); // a request is what makes the server look at the file
      return (await errors()) >= 1;
    }, { timeoutMs: RELOAD_TIMEOUT_MS, intervalMs: 100 });
    assert.ok(counted, 'weft_sampling_reload_errors_total did not count the broken file');
    assert.deepEqual(await sampling('foo'), {
      strategyType: 'RATE_LIMITING', rateLimitingSampling: { maxTracesPerSecond: 7 },
    });
    const metrics = parseMetrics((await httpGet(`${server.query}/metrics`)).text);
    assert.ok(sumMetric(metrics, 'weft_sampling_reloads_total') >= 1);
    assert.match(server.output(), /sampling strategies not reloaded/);
  });
});

describe('sampling without a file', { timeout: 60000 }, () => {
  test('every service samples everything', async () => {
    const server = await startServer();
    try {
      assert.deepEqual(await getJson(`${server.query}/api/sampling?service=any`), {
        strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 1 },
      });
    } finally {
      const info = await server.stop();
      assert.equal(info.code, 0);
    }
  });

  test('a missing strategies file (here from WEFT_SAMPLING_STRATEGIES) stops startup', async () => {
    const dir = makeTempDir('weft-it-sampling-');
    try {
      const missing = path.join(dir, 'nope.json');
      await assert.rejects(
        startServer({ env: { WEFT_SAMPLING_STRATEGIES: missing } }),
        (err) => /exited before writing ports file/.test(err.message) &&
          /"code":2/.test(err.message) && err.message.includes(missing),
      );
    } finally {
      removeDir(dir);
    }
  });
});
