// Helpers for the block-store tests (blocks.test.mjs, block_crash.test.mjs): admin
// endpoints, store metrics, what is on disk in a data directory, `weft inspect|verify|
// loadgen` as child processes, hand-built traces, and checks that every acknowledged span
// is readable exactly once.
//
// Child processes are started here with spawn() and, on timeout, SIGKILLed by PID only.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WEFT_BIN, httpGet, httpPost, parseMetrics, sumMetric } from './server.mjs';
import { otlpRequest, traceId as newTraceId, spanId as newSpanId } from './otlp.mjs';
import { padSpan, padTrace } from './compare.mjs';

export const MS = 1000000n;
export const SEC = 1000n * MS;
export const KiB = 1024;
export const MiB = 1024 * 1024;

// ---------- child processes ----------

/** Run `weft ARGS…`; resolves {code, signal, stdout, stderr, ms}. SIGKILL by PID on timeout. */
export function runWeft(args, { timeoutMs = 60000, env = {} } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(WEFT_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d.toString(); });
    child.stderr.on('data', (d) => { stderr += d.toString(); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: stderr + String(err), ms: Date.now() - t0, timedOut });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // 'exit' may come before the pipes are drained.
      setImmediate(() => resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, timedOut }));
    });
  });
}

/** `weft verify DIR` (the server must not be running on DIR). */
export async function weftVerify(dataDir) {
  return runWeft(['verify', dataDir], { timeoutMs: 60000 });
}

/** `weft inspect DIR`: {code, text, json (when it printed JSON)}. */
export async function weftInspect(dataDir) {
  let r = await runWeft(['inspect', '--json', dataDir], { timeoutMs: 30000 });
  if (r.code !== 0) r = await runWeft(['inspect', dataDir], { timeoutMs: 30000 });
  let json;
  try { json = JSON.parse(r.stdout); } catch { json = undefined; }
  return { ...r, text: r.stdout, json };
}

/** The block file names `weft inspect` lists (16 hex digits + .blk), in its order of mention. */
export function inspectBlockNames(ins) {
  const names = new Set();
  if (ins.json) {
    const walk = (v) => {
      if (typeof v === 'string') {
        const m = v.match(/([0-9a-f]{16}\.blk)\b(?!\.tmp)/);
        if (m) names.add(m[1]);
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(ins.json);
    if (names.size === 0 && Array.isArray(ins.json.blocks)) {
      for (const b of ins.json.blocks) {
        if (b && (typeof b.id === 'number' || typeof b.id === 'string')) {
          names.add(`${BigInt(b.id).toString(16).padStart(16, '0')}.blk`);
        }
      }
    }
  }
  for (const m of ins.text.matchAll(/\b([0-9a-f]{16}\.blk)\b(?!\.tmp)/g)) names.add(m[1]);
  return [...names];
}

/** Lines of `weft inspect` that speak of orphans / leftovers / temp files with a non-zero count. */
export function inspectOrphanLines(ins) {
  return ins.text.split('\n').filter((l) => /orphan|leftover|stray|\.tmp\b|unreferenced/i.test(l) &&
    !/\b(none|0)\b\s*$/i.test(l.trim()) && !/:\s*0\b/.test(l) && !/\b0 (orphan|leftover|stray|temp)/i.test(l));
}

/**
 * Run `weft loadgen` with the given options (array of args after `loadgen`). Returns the
 * parsed `result k=v …` line as an object of strings plus {code, stdout, stderr}.
 */
export async function loadgen(args, { timeoutMs = 120000 } = {}) {
  const r = await runWeft(['loadgen', ...args], { timeoutMs });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('result '));
  const result = {};
  if (line) for (const m of line.matchAll(/(\w+)=(\S+)/g)) result[m[1]] = m[2];
  return { ...r, result };
}

// ---------- admin endpoints and metrics ----------

export async function adminFlush(server, { timeoutMs = 30000 } = {}) {
  return httpPost(`${server.query}/api/v1/admin/flush`, '', {}, { timeoutMs });
}

export async function adminCompact(server, { timeoutMs = 60000 } = {}) {
  return httpPost(`${server.query}/api/v1/admin/compact`, '', {}, { timeoutMs });
}

/** POST flush/compact expecting 200; throws with the body otherwise. */
export async function mustFlush(server) {
  const r = await adminFlush(server);
  if (r.status !== 200) throw new Error(`POST /api/v1/admin/flush -> ${r.status}: ${r.text.slice(0, 300)}`);
  return r.json;
}
export async function mustCompact(server) {
  const r = await adminCompact(server);
  if (r.status !== 200) throw new Error(`POST /api/v1/admin/compact -> ${r.status}: ${r.text.slice(0, 300)}`);
  return r.json;
}

export async function metrics(server) {
  const r = await httpGet(`${server.query}/metrics`);
  if (r.status !== 200) throw new Error(`/metrics -> ${r.status}`);
  return parseMetrics(r.text);
}

/** {blocks, blockBytes, blockSpans, flushes, compactions, retentionDropped} from /metrics. */
export async function storeMetrics(server) {
  const m = await metrics(server);
  const has = (n) => m.some((x) => x.name === n);
  const v = (n) => (has(n) ? sumMetric(m, n) : undefined);
  return {
    blocks: v('weft_store_blocks'),
    blockBytes: v('weft_store_block_bytes'),
    blockSpans: v('weft_store_block_spans'),
    flushes: v('weft_store_flushes_total'),
    compactions: v('weft_store_compactions_total'),
    retentionDropped: v('weft_store_retention_dropped_blocks_total'),
  };
}

// ---------- the data directory ----------

/** Every file under dir (relative paths) with its size. */
export function listFiles(dir) {
  const out = [];
  const walk = (d, rel) => {
    let entries;
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p, r);
      else {
        let size = 0;
        try { size = statSync(p).size; } catch { /* raced with a delete */ }
        out.push({ rel: r, size });
      }
    }
  };
  walk(dir, '');
  return out;
}

/** What the store keeps on disk: block files, temp files, WAL bytes, manifest. */
export function diskState(dataDir) {
  const files = listFiles(dataDir);
  const blocks = files.filter((f) => /^blocks\/[0-9a-f]{16}\.blk$/.test(f.rel));
  const tmp = files.filter((f) => /\.tmp$|\.tmp\.|~$/.test(f.rel));
  const blocksDirOther = files.filter((f) => f.rel.startsWith('blocks/') && !/^blocks\/[0-9a-f]{16}\.blk$/.test(f.rel));
  const wal = files.filter((f) => f.rel.startsWith('wal/'));
  return {
    files,
    blocks: blocks.map((f) => f.rel.slice('blocks/'.length)).sort(),
    blockBytes: blocks.reduce((a, f) => a + f.size, 0),
    tmp: tmp.map((f) => f.rel),
    blocksDirOther: blocksDirOther.map((f) => f.rel),
    walBytes: wal.reduce((a, f) => a + f.size, 0),
    walFiles: wal.map((f) => f.rel),
    hasManifest: existsSync(path.join(dataDir, 'MANIFEST')),
  };
}

export function describeDisk(st) {
  return `${st.blocks.length} block files (${st.blockBytes} B), WAL ${st.walBytes} B in ${st.walFiles.length} files, ` +
    `tmp [${st.tmp.join(', ')}], other in blocks/ [${st.blocksDirOther.join(', ')}], MANIFEST ${st.hasManifest}`;
}

// ---------- traces ----------

/**
 * One hand-made trace as OTLP JSON spans: a SERVER root and n-1 children spread over
 * `durMs`, starting at `startNs`. attrs go on the root; childAttrs(i) on child i.
 */
export function makeTrace({ n = 6, startNs, durMs = 50, service = 'blk-svc', name = 'root', attrs = {}, childAttrs } = {}) {
  const tid = newTraceId();
  const root = newSpanId();
  const dur = BigInt(durMs) * MS;
  const spans = [{ traceId: tid, spanId: root, name, kind: 2, start: startNs, end: startNs + dur, attributes: { ...attrs } }];
  for (let i = 1; i < n; i++) {
    const s = startNs + (dur * BigInt(i)) / BigInt(n + 1);
    spans.push({ traceId: tid, spanId: newSpanId(), parentSpanId: root, name: `child-${i % 4}`, kind: i % 2 ? 3 : 1,
      start: s, end: s + dur / BigInt(n + 1), attributes: { 'blk.i': i, ...(childAttrs ? childAttrs(i) : {}) } });
  }
  return { tid, service, spans, spanIds: spans.map((s) => s.spanId), startNs, durNs: dur };
}

/** POST spans of one service as OTLP/HTTP JSON; resolves the response. */
export async function sendSpans(server, service, spans, { timeoutMs = 15000 } = {}) {
  return httpPost(`${server.otlpHttp}/v1/traces`, JSON.stringify(otlpRequest(service, spans)),
    { 'content-type': 'application/json' }, { timeoutMs });
}

/** Send traces (all spans of each trace in one request, several traces per request); throws unless all acknowledged. */
export async function sendTraces(server, traces, { perRequest = 20 } = {}) {
  for (let i = 0; i < traces.length; i += perRequest) {
    const chunk = traces.slice(i, i + perRequest);
    const byService = new Map();
    for (const t of chunk) {
      if (!byService.has(t.service)) byService.set(t.service, []);
      byService.get(t.service).push(...t.spans);
    }
    for (const [svc, spans] of byService) {
      for (let attempt = 0; ; attempt++) {
        const r = await sendSpans(server, svc, spans);
        if (r.status === 200) {
          const rej = r.json?.partialSuccess?.rejectedSpans;
          if (rej && String(rej) !== '0') throw new Error(`export: ${rej} spans rejected: ${r.text.slice(0, 300)}`);
          break;
        }
        if ((r.status === 429 || r.status === 503) && attempt < 50) { await sleep(100); continue; }
        throw new Error(`export -> ${r.status}: ${r.text.slice(0, 300)}`);
      }
    }
  }
}

/** GET /api/v1/traces/{id}: {status, spans (array), json}. */
export async function getTrace(server, tid) {
  // As stored: clock-skew correction (the default) would move spans sent outside their parent.
  const r = await httpGet(`${server.query}/api/v1/traces/${tid}?adjust=false`, { timeoutMs: 30000 });
  return { status: r.status, json: r.json, spans: r.json?.spans || [], text: r.text };
}

/**
 * Every trace of `expected` (Map tid -> array of span IDs) must come back by ID with exactly
 * these spans, each once. Returns a list of problems (empty = fine).
 */
export async function checkTraces(server, expected, { concurrency = 8, exact = true } = {}) {
  const problems = [];
  const entries = [...expected.entries()];
  let next = 0;
  async function worker() {
    while (next < entries.length) {
      const [tid, spanIds] = entries[next++];
      let r;
      try { r = await getTrace(server, tid); } catch (e) { problems.push(`trace ${tid}: ${e.message}`); continue; }
      if (r.status !== 200) { problems.push(`trace ${tid}: HTTP ${r.status} ${r.text.slice(0, 120)}`); continue; }
      const got = r.spans.map((s) => padSpan(s.spanId));
      const gotSet = new Set(got);
      const want = new Set(spanIds.map(padSpan));
      const missing = [...want].filter((id) => !gotSet.has(id));
      const extra = [...gotSet].filter((id) => !want.has(id));
      if (missing.length) problems.push(`trace ${tid}: ${missing.length}/${want.size} acknowledged spans missing`);
      if (gotSet.size !== got.length) problems.push(`trace ${tid}: a span returned twice (${got.length} returned, ${gotSet.size} distinct)`);
      if (exact && extra.length) problems.push(`trace ${tid}: ${extra.length} spans that were never sent`);
      if (r.json && r.json.spanCount !== undefined && Number(r.json.spanCount) !== got.length) {
        problems.push(`trace ${tid}: spanCount ${r.json.spanCount} but ${got.length} spans listed`);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return problems;
}

/** Each of these trace IDs must be unknown (404). Returns problems. */
export async function checkGone(server, tids, { concurrency = 8 } = {}) {
  const problems = [];
  const list = [...tids];
  let next = 0;
  async function worker() {
    while (next < list.length) {
      const tid = list[next++];
      const r = await getTrace(server, tid);
      if (r.status !== 404) problems.push(`trace ${tid}: expected 404 (dropped), got ${r.status} with ${r.spans.length} spans`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return problems;
}

// ---------- loadgen dumps ----------

function attrText(v) {
  if (!v || typeof v !== 'object') return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return String(v.intValue);
  if ('boolValue' in v) return v.boolValue ? 'true' : 'false';
  if ('doubleValue' in v) return String(Number(v.doubleValue));
  return undefined;
}

/**
 * Parse a `weft loadgen --dump` file (OTLP JSON lines) into traces:
 * Map tid -> {tid, spans: [{spanId, parentSpanId, service, name, kind, start, end, attrs:
 * Map key->text, eventAttrs: Map, resAttrs: Map, raw}], start, end, durNs, services}.
 */
export function parseDump(file) {
  const traces = new Map();
  const text = readFileSync(file, 'utf8');
  let lines = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    lines++;
    const req = JSON.parse(line);
    for (const rs of req.resourceSpans || []) {
      const resAttrs = new Map((rs.resource?.attributes || []).map((kv) => [kv.key, attrText(kv.value)]));
      const service = resAttrs.get('service.name') ?? 'unknown_service';
      for (const ss of rs.scopeSpans || []) {
        for (const s of ss.spans || []) {
          const tid = padTrace(s.traceId);
          let t = traces.get(tid);
          if (!t) { t = { tid, spans: [], start: undefined, end: undefined, services: new Set() }; traces.set(tid, t); }
          const start = BigInt(s.startTimeUnixNano);
          const end = BigInt(s.endTimeUnixNano);
          const eventAttrs = new Map();
          for (const ev of s.events || []) for (const kv of ev.attributes || []) eventAttrs.set(kv.key, attrText(kv.value));
          t.spans.push({
            spanId: padSpan(s.spanId), parentSpanId: s.parentSpanId ? padSpan(s.parentSpanId) : '', service, name: s.name,
            kind: s.kind, start, end,
            attrs: new Map((s.attributes || []).map((kv) => [kv.key, attrText(kv.value)])), eventAttrs, resAttrs, raw: s,
          });
          t.services.add(service);
          if (t.start === undefined || start < t.start) t.start = start;
          if (t.end === undefined || end > t.end) t.end = end;
        }
      }
    }
  }
  for (const t of traces.values()) t.durNs = t.end - t.start;
  return { traces, lines };
}

/** Does some span of trace t carry key=value (span, resource or event attribute)? */
export function traceHasTag(t, key, value) {
  return t.spans.some((s) => s.attrs.get(key) === value || s.resAttrs.get(key) === value || s.eventAttrs.get(key) === value);
}

/** Expected native search result (trace IDs, in order) over parsed dump traces. */
export function expectedSearch(traces, { service, operation, tags = [], minDurationNs, order = 'newest', limit = 20 }) {
  let list = [...traces.values()].filter((t) => {
    if (service !== undefined || operation !== undefined) {
      if (!t.spans.some((s) => (service === undefined || s.service === service) && (operation === undefined || s.name === operation))) return false;
    }
    for (const [k, v] of tags) if (!traceHasTag(t, k, v)) return false;
    if (minDurationNs !== undefined && t.durNs < minDurationNs) return false;
    return true;
  });
  const cmpId = (a, b) => (a.tid < b.tid ? -1 : a.tid > b.tid ? 1 : 0);
  if (order === 'newest') list.sort((a, b) => (a.start === b.start ? cmpId(a, b) : a.start > b.start ? -1 : 1));
  else list.sort((a, b) => (a.durNs === b.durNs ? cmpId(a, b) : a.durNs > b.durNs ? -1 : 1));
  return list.slice(0, limit);
}
