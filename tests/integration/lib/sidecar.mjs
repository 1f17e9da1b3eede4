// Helpers for sidecar.test.mjs: start a real `weft sidecar` (lib/weft_process.mjs does the
// spawning and the --ports-file wait), an in-process upstream HTTP service it fronts, an
// "external" server the upstream calls through the sidecar's egress port, raw-socket HTTP
// clients, and /proc readers for the sidecar's memory and descriptors.
//
// Every server here binds 127.0.0.1 port 0 and is closed by its close(); only processes
// started by these helpers are ever signalled (by PID).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWeft } from './weft_process.mjs';

/**
 * `weft sidecar --listen 127.0.0.1:0 --upstream UPSTREAM --service SERVICE` with an egress and
 * an admin listener on port 0 (unless `egress: false`), exporting to `endpoint` (a weft serve's
 * OTLP/HTTP base URL). opts.args: extra flags (e.g. ['--upstream-timeout', '0.5']).
 * Returns the weft_process handle plus url (http://listen), listen/egress/admin addresses.
 */
export async function startSidecar({ upstream, service, endpoint, args = [], egress = true, env }) {
  const flags = ['sidecar', '--listen', '127.0.0.1:0', '--upstream', upstream, '--service', service,
    '--admin-addr', '127.0.0.1:0'];
  if (egress) flags.push('--egress', '127.0.0.1:0');
  if (endpoint) flags.push('--endpoint', endpoint);
  flags.push(...args);
  const required = egress ? ['listen', 'egress', 'admin'] : ['listen', 'admin'];
  const sc = await startWeft(flags, required, { env });
  sc.listen = sc.ports.listen;
  sc.url = `http://${sc.ports.listen}`;
  sc.egress = sc.ports.egress;
  sc.admin = `http://${sc.ports.admin}`;
  const [host, port] = splitAddr(sc.ports.listen);
  sc.host = host;
  sc.port = port;
  return sc;
}

export function splitAddr(addr) {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

// ---------- /proc ----------

/** A field of /proc/PID/status in kB (VmRSS, VmHWM, …). */
export function procStatusKb(pid, field) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : NaN;
}

/**
 * True when the process runs with AddressSanitizer (the CI's sanitizer pass runs the same
 * tests on a -fsanitize=address build): its shadow memory, redzones and freed-memory
 * quarantine inflate RSS several times, so memory bounds only hold for the release build.
 */
export function underAddressSanitizer(pid) {
  return readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libasan');
}

/** How many of the process's descriptors are sockets. */
export function socketFdCount(pid) {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch { /* closed meanwhile */ }
  }
  return n;
}

/** Soft and hard RLIMIT_NOFILE of a process (from /proc/PID/limits). */
export function nofileLimit(pid = process.pid) {
  const m = readFileSync(`/proc/${pid}/limits`, 'utf8').match(/^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m);
  const v = (s) => (s === 'unlimited' ? Infinity : Number(s));
  return m ? { soft: v(m[1]), hard: v(m[2]) } : { soft: 1024, hard: 1024 };
}

/**
 * Make sure process `pid` may hold `want` descriptors: raises its RLIMIT_NOFILE with
 * util-linux's prlimit(1) if needed (raising the hard limit needs root). Returns '' on
 * success or why it could not.
 */
export function ensureNofile(pid, want) {
  const cur = nofileLimit(pid);
  if (cur.soft >= want) return '';
  const hard = Math.max(cur.hard === Infinity ? want : cur.hard, want);
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${want}:${hard}`], { stdio: 'pipe' });
  } catch (e) {
    return `cannot raise RLIMIT_NOFILE of ${pid} to ${want} (soft ${cur.soft}, hard ${cur.hard}): ${String(e.stderr || e.message).trim()}`;
  }
  return nofileLimit(pid).soft >= want ? '' : `RLIMIT_NOFILE of ${pid} still ${nofileLimit(pid).soft}`;
}

// ---------- trace context ----------

export const hex = (n) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, '0')).join('');
export const newTraceId = () => hex(16);
export const newSpanId = () => hex(8);

/** Parse a W3C traceparent; null when absent or malformed. */
export function parseTraceparent(v) {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(String(v || '').trim());
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return null;
  return { traceId: m[1], spanId: m[2], flags: parseInt(m[3], 16) };
}

/** Span attributes of the native API as a plain object (typed values unwrapped). */
export function attrs(span) {
  const out = {};
  for (const a of span.attributes || []) {
    const v = a.value || {};
    if ('stringValue' in v) out[a.key] = v.stringValue;
    else if ('intValue' in v) out[a.key] = Number(v.intValue);
    else if ('doubleValue' in v) out[a.key] = v.doubleValue;
    else if ('boolValue' in v) out[a.key] = v.boolValue;
    else out[a.key] = v;
  }
  return out;
}

// ---------- the upstream service ----------

/** Deterministic bytes for streamed bodies: byte i is (i * 31 + 7) & 255. */
export function patternChunk(offset, len) {
  const b = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) b[i] = ((offset + i) * 31 + 7) & 255;
  return b;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const wsAccept = (key) => createHash('sha1').update(key + WS_GUID).digest('base64');

/**
 * The uninstrumented service behind the sidecar (an http.Server in this process).
 * Routes (query parameters in brackets):
 *   /echo            JSON {method, url, headers, rawHeaders, httpVersion, bodyBytes, bodySha256}
 *   /slow [ms]       waits ms, then /echo's answer
 *   /stream [bytes, chunk]  streams `bytes` of patternChunk() (chunked), in writes of `chunk`,
 *                    honouring backpressure
 *   /chunks [n, gap] n chunked writes "chunk-i\n", gap ms apart
 *   /sink            reads the body, answers {bytes, sha256}
 *   /call [i]        calls the external server through the egress proxy (absolute-form
 *                    `GET http://EXT/ext?i=…`), forwarding the traceparent it got; answers
 *                    {got: <its traceparent>, ext: <the external server's answer>}
 *   /connect [i]     opens `CONNECT EXT` through the egress proxy (forwarding its traceparent
 *                    on the CONNECT request), sends `GET /ext?i=…` inside the tunnel; answers
 *                    {got, connectStatus, ext}
 *   /status [code]   answers that status (empty body)
 *   /cut [bytes]     a 200 promising `bytes` bytes (Content-Length), 10 of them, then the
 *                    connection is dropped
 *   Upgrade /ws      101 (websocket handshake), a greeting "hello\n" in the same write as the
 *                    head, then echoes every byte it receives
 * Counts TCP connections (connections) and requests (requests); keeps the traceparent of every
 * request (seen: [{url, traceparent}]).
 * `setEgress(addr)` and `setExternal(addr)` must be called before /call and /connect.
 */
export async function startUpstream() {
  const st = { connections: 0, requests: 0, seen: [], egress: null, external: null, sockets: new Set() };
  const server = http.createServer({ keepAliveTimeout: 30000, requestTimeout: 0, headersTimeout: 60000 });
  server.on('connection', (s) => { st.connections++; st.sockets.add(s); s.on('close', () => st.sockets.delete(s)); });
  server.on('request', (req, res) => {
    st.requests++;
    st.seen.push({ url: req.url, traceparent: req.headers.traceparent });
    handle(st, req, res).catch((e) => {
      if (!res.headersSent) { res.writeHead(500); res.end(String(e)); } else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    st.requests++;
    st.seen.push({ url: req.url, traceparent: req.headers.traceparent });
    const key = req.headers['sec-websocket-key'];
    if (!key || String(req.headers.upgrade).toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${wsAccept(key)}\r\n\r\nhello\n`);
    if (head && head.length) socket.write(head);
    socket.pipe(socket);
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    server,
    port,
    addr: `127.0.0.1:${port}`,
    stats: st,
    setEgress(a) { st.egress = a; },
    setExternal(a) { st.external = a; },
    async close() {
      for (const s of st.sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let n = 0;
    req.on('data', (d) => { n += d.length; h.update(d); });
    req.on('end', () => resolve({ bytes: n, sha256: h.digest('hex') }));
    req.on('error', reject);
  });
}

function sendJson(res, obj, status = 200) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function handle(st, req, res) {
  const u = new URL(req.url, 'http://upstream');
  const q = (k, d) => (u.searchParams.has(k) ? Number(u.searchParams.get(k)) : d);
  switch (u.pathname) {
    case '/slow':
      await sleep(q('ms', 1000));
    // fall through
    case '/echo': {
      const b = await readBody(req);
      sendJson(res, {
        method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders,
        httpVersion: req.httpVersion, bodyBytes: b.bytes, bodySha256: b.sha256,
      });
      return;
    }
    case '/sink': {
      const b = await readBody(req);
      sendJson(res, b);
      return;
    }
    case '/stream': {
      await readBody(req);
      const total = q('bytes', 1 << 20);
      const chunk = q('chunk', 64 << 10);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let off = 0;
      const block = patternChunk(0, chunk); // the pattern repeats every 256 bytes
      while (off < total) {
        const n = Math.min(chunk, total - off);
        const piece = (off % 256 === 0 && n === chunk) ? block : patternChunk(off, n);
        off += n;
        if (!res.write(piece)) {
          await new Promise((resolve, reject) => {
            res.once('drain', resolve);
            res.once('close', () => reject(new Error('client went away')));
          });
        }
      }
      res.end();
      return;
    }
    case '/chunks': {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'text/plain' });
      const n = q('n', 3);
      for (let i = 0; i < n; i++) {
        if (i) await sleep(q('gap', 300));
        res.write(`chunk-${i}\n`);
      }
      res.end();
      return;
    }
    case '/cut': {
      // Promises `bytes` bytes, sends 10, then drops the connection.
      await readBody(req);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': q('bytes', 1000) });
      res.write(Buffer.alloc(10, 0x61));
      await sleep(50);
      req.socket.destroy();
      return;
    }
    case '/status': {
      await readBody(req);
      res.writeHead(q('code', 200), { 'content-length': 0 });
      res.end();
      return;
    }
    case '/call': {
      await readBody(req);
      const got = req.headers.traceparent || null;
      const ext = await proxyGet(st.egress, `http://${st.external}/ext?i=${u.searchParams.get('i')}`,
        got ? { traceparent: got } : {});
      sendJson(res, { got, ext }, ext.status === 200 ? 200 : 502);
      return;
    }
    case '/connect': {
      await readBody(req);
      const got = req.headers.traceparent || null;
      const r = await connectGet(st.egress, st.external, `/ext?i=${u.searchParams.get('i')}`,
        got ? { traceparent: got } : {});
      sendJson(res, { got, ...r }, r.ext && r.ext.status === 200 ? 200 : 502);
      return;
    }
    default:
      sendJson(res, { error: 'no route', url: req.url }, 404);
  }
}

/** GET `absUrl` through the HTTP proxy at `proxyAddr` (absolute-form request line). */
export function proxyGet(proxyAddr, absUrl, headers = {}, timeoutMs = 15000) {
  const [host, port] = splitAddr(proxyAddr);
  const target = new URL(absUrl);
  return new Promise((resolve) => {
    const req = http.request({
      host, port, method: 'GET', path: absUrl, agent: false,
      headers: { host: target.host, ...headers }, timeout: timeoutMs,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(body); } catch { json = undefined; }
        resolve({ status: res.statusCode, body, json });
      });
      res.on('error', (e) => resolve({ status: -1, body: String(e) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: -1, body: String(e) }));
    req.end();
  });
}

/**
 * `CONNECT target` through the proxy, then one HTTP/1.1 GET `path` inside the tunnel
 * (Connection: close). Returns {connectStatus, ext: {status, body, json}}.
 */
export function connectGet(proxyAddr, target, path, headers = {}, timeoutMs = 15000) {
  const [host, port] = splitAddr(proxyAddr);
  return new Promise((resolve) => {
    const req = http.request({
      host, port, method: 'CONNECT', path: target, agent: false,
      headers: { host: target, ...headers }, timeout: timeoutMs,
    });
    req.on('connect', (res, socket, head) => {
      if (res.statusCode !== 200) { socket.destroy(); resolve({ connectStatus: res.statusCode, ext: null }); return; }
      const chunks = [head];
      socket.on('data', (d) => chunks.push(d));
      socket.on('error', () => {});
      socket.on('close', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(raw);
        let json;
        try { json = JSON.parse(m ? m[2] : ''); } catch { json = undefined; }
        resolve({ connectStatus: 200, ext: { status: m ? Number(m[1]) : -1, body: m ? m[2] : raw, json } });
      });
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ connectStatus: -1, ext: null, error: String(e) }));
    req.end();
  });
}

/**
 * The "external" server the upstream calls through the egress proxy: GET /ext answers
 * {traceparent, url, headers} and keeps every request in `seen`.
 */
export async function startExternal() {
  const seen = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url, traceparent: req.headers.traceparent, headers: req.headers });
    req.resume();
    req.on('end', () => sendJson(res, { traceparent: req.headers.traceparent || null, url: req.url, headers: req.headers }));
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    addr: `127.0.0.1:${port}`,
    seen,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// ---------- raw-socket clients ----------

/**
 * Write `bytes` (string or Buffer, or an array written one after another `gapMs` apart) on a
 * fresh connection and read until the peer closes or one whole response is in (by
 * Content-Length, chunked end, or close). Returns {status, head, headers, body (Buffer),
 * closed, raw}. `status` is -1 when no status line arrived.
 */
export function rawRequest(host, port, bytes, { timeoutMs = 10000, gapMs = 0, keepOpen = false } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(port, host);
    const chunks = [];
    let done = false;
    let closed = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const parsed = parseResponse(raw);
      if (!keepOpen || closed) sock.destroy();
      resolve({ ...parsed, closed, raw, socket: sock });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('data', (d) => {
      chunks.push(d);
      const p = parseResponse(Buffer.concat(chunks));
      if (p.complete) finish();
    });
    sock.on('close', () => { closed = true; finish(); });
    sock.on('error', () => {});
    sock.on('connect', async () => {
      const parts = Array.isArray(bytes) ? bytes : [bytes];
      for (const [i, p] of parts.entries()) {
        if (done || sock.destroyed) return;
        if (i && gapMs) await sleep(gapMs);
        sock.write(p);
      }
    });
  });
}

/** Parse one HTTP/1.x response out of `raw`: {status, head, headers, body, complete}. */
export function parseResponse(raw) {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: -1, head: raw.toString('latin1'), headers: {}, body: Buffer.alloc(0), complete: false };
  const head = raw.subarray(0, end).toString('latin1');
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const rest = raw.subarray(end + 4);
  const status = m ? Number(m[1]) : -1;
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    return { status, head, headers, body: rest.subarray(0, n), complete: rest.length >= n };
  }
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const d = dechunk(rest);
    return { status, head, headers, body: d.body, complete: d.complete };
  }
  const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
  return { status, head, headers, body: rest, complete: noBody };
}

function dechunk(buf) {
  const out = [];
  let off = 0;
  for (;;) {
    const nl = buf.indexOf('\r\n', off);
    if (nl < 0) return { body: Buffer.concat(out), complete: false };
    const size = parseInt(buf.subarray(off, nl).toString('latin1'), 16);
    if (Number.isNaN(size)) return { body: Buffer.concat(out), complete: false };
    if (size === 0) {
      const tEnd = buf.indexOf('\r\n\r\n', nl);
      const complete = buf.subarray(nl, nl + 4).toString() === '\r\n\r\n' || tEnd >= 0;
      return { body: Buffer.concat(out), complete };
    }
    if (buf.length < nl + 2 + size + 2) return { body: Buffer.concat(out), complete: false };
    out.push(buf.subarray(nl + 2, nl + 2 + size));
    off = nl + 2 + size + 2;
  }
}

/** Open a connection and resolve once connected (rejects on error / timeout). */
export function connectSocket(host, port, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    const t = setTimeout(() => { s.destroy(); reject(new Error('connect timeout')); }, timeoutMs);
    s.once('connect', () => { clearTimeout(t); s.removeAllListeners('error'); s.on('error', () => {}); resolve(s); });
    s.once('error', (e) => { clearTimeout(t); reject(e); });
  });
}

/** GET via http.request with a given agent; resolves {status, headers, body, socket}. */
export function agentGet(url, { agent, headers = {}, timeoutMs = 15000, method = 'GET', body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({
        status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), socket: req.socket,
        reused: req.reusedSocket,
      }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}
