// The C++ SDK's RemoteSampler against a real weft serve (issue 3, scope item 3): the probe
// polls GET /api/sampling?service= on weft's query port every 100 ms; weft serves the
// strategies file given with --sampling-strategies and reloads it when it changes. Rewriting
// the file from "sample nothing" to "sample everything" must change what the running probe
// decides for new root requests, without a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { startServer, getJson, makeTempDir, removeDir, waitFor } from './lib/server.mjs';
import { probeSkipReason, startProbe } from './lib/sdk_procs.mjs';

const SKIP = probeSkipReason();
const SERVICE = 'remote-sampled';

function writeStrategies(file, param) {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({
    service_strategies: [{ service: SERVICE, type: 'probabilistic', param }],
    default_strategy: { type: 'probabilistic', param: 1 },
  }));
  renameSync(tmp, file);
}

describe('C++ SDK remote sampling from weft serve', { skip: SKIP || false, timeout: 60000 }, () => {
  let server;
  let probe;
  let dir;
  let file;

  before(async () => {
    dir = makeTempDir('weft-it-remote-sampling-');
    file = path.join(dir, 'strategies.json');
    writeStrategies(file, 0);
    server = await startServer({ args: ['--sampling-strategies', file] });
    probe = await startProbe(['--endpoint', 'none', '--service', SERVICE,
      '--sampler', `remote:${server.query}`]);
  });
  after(async () => {
    if (probe) await probe.stop();
    if (server) await server.stop();
    removeDir(dir);
  });

  // Fraction of 20 fresh root requests the probe sampled.
  async function sampledShare() {
    let sampled = 0;
    for (let i = 0; i < 20; i++) if ((await getJson(`${probe.url}/work`)).sampled) sampled++;
    return sampled / 20;
  }

  test('a strategy of 0 stops sampling; rewriting it to 1 resumes it without a restart', async () => {
    // The initial sampler (always on) is replaced by the served probability 0 once polled.
    assert.ok(await waitFor(async () => (await sampledShare()) === 0, { timeoutMs: 10000 }), 'probability 0 was not applied');
    writeStrategies(file, 1);
    assert.ok(await waitFor(async () => (await sampledShare()) === 1, { timeoutMs: 10000 }), 'probability 1 was not applied');
    writeStrategies(file, 0);
    assert.ok(await waitFor(async () => (await sampledShare()) === 0, { timeoutMs: 10000 }), 'probability 0 was not applied again');
  });
});
