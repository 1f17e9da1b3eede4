// `weft serve --config FILE`: the YAML file sets options, and the documented precedence
// holds — flags, then WEFT_* environment variables, then the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { httpPost, makeTempDir, removeDir, startServer } from './lib/server.mjs';

const body = JSON.stringify({ resourceSpans: [] }).padEnd(4000, ' ');

async function postStatus(server) {
  const r = await httpPost(`${server.otlpHttp}/v1/traces`, body, { 'content-type': 'application/json' });
  return r.status;
}

test('the YAML file sets an option; the environment and a flag override it', async () => {
  const dir = makeTempDir('weft-it-config-');
  const file = path.join(dir, 'weft.yaml');
  writeFileSync(file, 'max-body-bytes: 1000\nfsync: interval\n');
  try {
    const fromFile = await startServer({ args: ['--config', file] });
    try { assert.equal(await postStatus(fromFile), 413, 'the file limits bodies to 1000 bytes'); }
    finally { await fromFile.stop(); }

    const env = { WEFT_MAX_BODY_BYTES: '100000' };
    const fromEnv = await startServer({ args: ['--config', file], env });
    try { assert.equal(await postStatus(fromEnv), 200, 'WEFT_MAX_BODY_BYTES wins over the file'); }
    finally { await fromEnv.stop(); }

    const fromFlag = await startServer({ args: ['--config', file, '--max-body-bytes', '2000'], env });
    try { assert.equal(await postStatus(fromFlag), 413, 'the flag wins over the environment'); }
    finally { await fromFlag.stop(); }
  } finally {
    removeDir(dir);
  }
});
