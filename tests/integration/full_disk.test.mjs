// A full disk: weft runs on a small tmpfs; ingest fills it. The write that does not fit is
// answered 503 with Retry-After and a message naming the disk, nothing half-written becomes
// visible, every acknowledged span stays readable, the server keeps serving, and once
// space is freed ingest works again. Needs root (mount); skipped otherwise.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, httpGet, postJson, makeTempDir, removeDir } from './lib/server.mjs';
import { otlpRequest, traceId as newTraceId, spanId as newSpanId, nowNs } from './lib/otlp.mjs';

const TMPFS_BYTES = 4 * 1024 * 1024;
let mountDir;
let mounted = false;

function tryMount() {
  if (process.getuid?.() !== 0) return 'not root';
  mountDir = makeTempDir('weft-it-fulldisk-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', mountDir], { stdio: 'pipe' });
    mounted = true;
    return null;
  } catch (e) {
    return `mount failed: ${e.message}`;
  }
}

const skipReason = tryMount();
after(() => {
  if (mounted) execFileSync('umount', ['-l', mountDir]);
  if (mountDir) removeDir(mountDir);
});

function bigRequest(n) {
  // Random payloads do not compress: each span costs its size on disk.
  const tid = newTraceId();
  const t0 = nowNs() - 1000000000n;
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId: tid, spanId: newSpanId(), name: `fill-${i}`, start: t0, end: t0 + 1000n,
    attributes: { blob: Buffer.from(Array.from({ length: 1500 }, () => Math.random() * 256)).toString('base64') },
  }));
  return { tid, body: otlpRequest('fulldisk-svc', spans) };
}

test('a full disk answers 503, keeps what it acknowledged, and recovers when space returns',
  { skip: skipReason ?? false, timeout: 120000 }, async () => {
    const dataDir = path.join(mountDir, 'data');
    const server = await startServer({ dataDir, args: ['--wal-segment-bytes', String(512 * 1024)] });
    try {
      const acked = [];
      let full = null;
      for (let i = 0; i < 400 && !full; i++) {
        const { tid, body } = bigRequest(20);
        const res = await postJson(`${server.otlpHttp}/v1/traces`, body);
        if (res.status === 200) acked.push(tid);
        else full = res;
      }
      assert.ok(full, 'the disk never filled up');
      assert.ok(acked.length > 0, 'nothing was acknowledged before the disk filled');
      assert.equal(full.status, 503, `status when full: ${full.status} ${full.text}`);
      assert.ok(full.headers.get('retry-after'), 'Retry-After missing');
      assert.match(full.text, /disk|space/i, `message: ${full.text}`);

      // Still serving, and every acknowledged span is there.
      assert.equal((await httpGet(`${server.query}/healthz`)).status, 200);
      for (const tid of acked) {
        const t = await httpGet(`${server.query}/api/v1/traces/${tid}`);
        assert.equal(t.status, 200, `acknowledged trace ${tid} missing`);
        assert.equal(t.json.spanCount, 20);
      }

      // Give the filesystem more room (grow the tmpfs); ingest works again without a restart.
      execFileSync('mount', ['-o', `remount,size=${TMPFS_BYTES * 4}`, mountDir]);
      const again = bigRequest(5);
      const ok = await postJson(`${server.otlpHttp}/v1/traces`, again.body);
      assert.equal(ok.status, 200, `after freeing space: ${ok.status} ${ok.text}`);
      assert.equal((await httpGet(`${server.query}/api/v1/traces/${again.tid}`)).status, 200);
    } finally {
      const info = await server.stop();
      assert.equal(info.code, 0, `exit on SIGTERM: ${JSON.stringify(info)}`);
    }
  });
