// The compact trace JSON (GET /api/v1/traces/{id}?format=compact, docs/api.md "Compact
// form"): a trace with every kind of field is sent as OTLP/HTTP JSON, read back in both
// forms, and the compact answer — decoded here by a small decoder written from the spec —
// must equal the native answer exactly, for the whole trace, pages and sub-trees.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, getJson, httpGet, postJson, waitFor } from './lib/server.mjs';
import { traceId as newTraceId, spanId as newSpanId } from './lib/otlp.mjs';

const MS = 1000000n;
const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];

// ---------- the decoder: compact -> native ----------

function decodeCompact(c) {
  assert.equal(c.format, 'compact-1');
  const S = c.strings;
  assert.equal(S[0], '');
  assert.equal(new Set(S).size, S.length, 'strings are distinct');
  const str = (i) => {
    assert.ok(Number.isInteger(i) && i >= 0 && i < S.length, `string index ${i}`);
    return S[i];
  };
  const attrs = (a) => {
    assert.equal(a.length % 3, 0);
    const out = [];
    for (let i = 0; i < a.length; i += 3) {
      const [k, t, v] = [a[i], a[i + 1], a[i + 2]];
      let value;
      switch (t) {
        case 0: value = { stringValue: str(v) }; break;
        case 1: value = { intValue: String(v) }; break;
        case 2: value = { doubleValue: v }; break;
        case 3: value = { boolValue: v === 1 }; break;
        case 4: value = { bytesValue: v }; break;
        case 5: value = v; break;
        case 6: value = {}; break;
        default: assert.fail(`attribute type ${t}`);
      }
      out.push({ key: str(k), value });
    }
    return out;
  };
  const t0 = BigInt(c.startTimeUnixNano);
  const abs = (rel) => {
    assert.ok(Number.isSafeInteger(rel), `relative time ${rel}`);
    return String(t0 + BigInt(rel));
  };
  const resources = c.resources.map(([a, dropped, schema]) => (
    { attributes: attrs(a), droppedAttributesCount: dropped, schemaUrl: str(schema) }));
  const scopes = c.scopes.map(([name, version, a, dropped, schema]) => ({
    name: str(name), version: str(version), attributes: attrs(a),
    droppedAttributesCount: dropped, schemaUrl: str(schema),
  }));
  const serviceOf = (r) => resources[r].attributes.find((kv) => kv.key === 'service.name' && 'stringValue' in kv.value)?.value.stringValue ?? 'unknown_service';
  const spans = c.spans.map((s) => {
    assert.equal(s.length, 17);
    const [spanId, parent, name, kind, start, dur, code, msg, res, scope, a, events, links,
      traceState, rpcId, flags, [dAttrs, dEvents, dLinks]] = s;
    return {
      traceId: c.traceId,
      spanId,
      parentSpanId: parent,
      traceState: str(traceState),
      flags,
      name: str(name),
      kind: KINDS[kind],
      startTimeUnixNano: abs(start),
      endTimeUnixNano: String(BigInt(abs(start)) + BigInt(dur)),
      durationNanos: String(dur),
      attributes: attrs(a),
      droppedAttributesCount: dAttrs,
      events: events.map(([time, ename, ea, ed]) => ({
        timeUnixNano: abs(time), name: str(ename), attributes: attrs(ea), droppedAttributesCount: ed,
      })),
      droppedEventsCount: dEvents,
      links: links.map(([tid, sid, ts, la, ld, lf]) => ({
        traceId: tid, spanId: sid, traceState: str(ts), attributes: attrs(la),
        droppedAttributesCount: ld, flags: lf,
      })),
      droppedLinksCount: dLinks,
      status: { code: STATUS[code], message: str(msg) },
      rpcId: str(rpcId),
      service: serviceOf(res),
      resourceIndex: res,
      scopeIndex: scope,
    };
  });
  const out = {
    traceId: c.traceId,
    spanCount: c.spanCount,
    startTimeUnixNano: c.startTimeUnixNano,
    endTimeUnixNano: c.endTimeUnixNano,
  };
  for (const k of ['returnedSpanCount', 'offset', 'nextOffset']) if (k in c) out[k] = c[k];
  return { ...out, resources, scopes, spans };
}

// ---------- the trace ----------

let server;
const tid = newTraceId();
const ids = Array.from({ length: 8 }, () => newSpanId());
const T0 = (BigInt(Date.now()) - 300000n) * MS;
const at = (ms, extraNs = 0n) => String(T0 + BigInt(ms) * MS + extraNs);
const kv = (key, value) => ({ key, value });
const HOSTILE = 'q"uote \\ back </script> \u0001 \u2028 é ✓ 😀';

function request(n) {
  // Two requests: resources and scopes equal by value arrive as different objects.
  const resource = {
    attributes: [kv('service.name', { stringValue: 'frontend' }), kv('host.cores', { intValue: '8' })],
    droppedAttributesCount: 2,
  };
  const spans = n === 0 ? [
    {
      traceId: tid, spanId: ids[0], traceState: 'vendor=abc', flags: 257, name: 'GET /checkout', kind: 2,
      startTimeUnixNano: at(0), endTimeUnixNano: at(300),
      attributes: [
        kv('http.method', { stringValue: 'GET' }),
        kv('http.status_code', { intValue: '200' }),
        kv('big', { intValue: '9007199254740993' }),
        kv('at.limit', { intValue: '-9007199254740992' }),
        kv('ratio', { doubleValue: 0.25 }),
        kv('nan', { doubleValue: 'NaN' }),
        kv('inf', { doubleValue: '-Infinity' }),
        kv('cached', { boolValue: false }),
        kv('hit', { boolValue: true }),
        kv('payload', { bytesValue: 'AP8=' }),
        kv('empty.string', { stringValue: '' }),
        kv('nothing', {}),
        kv('tags', { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, { doubleValue: 1.5 }, { boolValue: true }] } }),
        kv('nested', { kvlistValue: { values: [kv('inner', { stringValue: 'x' }), kv('deep', { kvlistValue: { values: [kv('b', { bytesValue: 'eg==' })] } })] } }),
        kv(HOSTILE, { stringValue: HOSTILE }),
      ],
      droppedAttributesCount: 3,
      events: [
        { timeUnixNano: at(5, 1234n), name: 'cache miss', attributes: [kv('attempt', { intValue: '2' })], droppedAttributesCount: 1 },
        { timeUnixNano: at(-7), name: 'before the trace' },
      ],
      droppedEventsCount: 4,
      links: [{ traceId: newTraceId(), spanId: newSpanId(), traceState: 'l=1', attributes: [kv('link.kind', { stringValue: 'batch' })], droppedAttributesCount: 6, flags: 1 }],
      droppedLinksCount: 5,
      status: { code: 1 },
      weftRpcId: '0',
    },
    {
      traceId: tid, spanId: ids[1], parentSpanId: ids[0], name: 'render', kind: 1,
      startTimeUnixNano: at(150, 1n), endTimeUnixNano: at(170),
      attributes: [kv('http.method', { stringValue: 'GET' })],
    },
  ] : [
    {
      traceId: tid, spanId: ids[2], parentSpanId: ids[0], name: HOSTILE, kind: 3,
      startTimeUnixNano: at(10), endTimeUnixNano: at(110),
      status: { code: 2, message: 'card declined' }, weftRpcId: '0.1',
    },
    {
      // A missing parent.
      traceId: tid, spanId: ids[3], parentSpanId: newSpanId(), name: 'GET /checkout', kind: 4,
      startTimeUnixNano: at(200), endTimeUnixNano: at(200), traceState: 'vendor=abc',
    },
    {
      traceId: tid, spanId: ids[4], parentSpanId: ids[2], name: 'consume', kind: 5,
      startTimeUnixNano: at(210), endTimeUnixNano: at(211),
    },
  ];
  const other = n === 0 ? [] : [{
    resource: { attributes: [kv('service.name', { stringValue: 'payments' })] },
    schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
    scopeSpans: [{ scope: { name: 'io.db' }, spans: spans.slice(0, 1) }],
  }];
  return {
    resourceSpans: [
      ...other,
      {
        resource,
        scopeSpans: [{
          scope: { name: 'io.http', version: '2.1', attributes: [kv('lib.flag', { boolValue: true })] },
          schemaUrl: 'https://scope.schema/1',
          spans: n === 0 ? spans : spans.slice(1),
        }],
      },
    ],
  };
}

before(async () => {
  server = await startServer();
  for (let n = 0; n < 2; n++) {
    const r = await postJson(`${server.otlpHttp}/v1/traces`, request(n));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json?.partialSuccess, undefined, r.text);
  }
  const ok = await waitFor(async () => (await httpGet(`${server.query}/api/v1/traces/${tid}`)).json?.spanCount === 5);
  assert.ok(ok, 'the trace is not readable whole');
});
after(async () => {
  if (server) assert.equal((await server.stop()).code, 0);
});

async function both(query) {
  const native = await getJson(`${server.query}/api/v1/traces/${tid}${query ? `?${query}` : ''}`);
  const compact = await getJson(`${server.query}/api/v1/traces/${tid}?format=compact${query ? `&${query}` : ''}`);
  return { native, compact };
}

test('the compact answer decodes to exactly the native answer', async () => {
  const { native, compact } = await both('');
  assert.equal(compact.spans.length, 5);
  assert.deepStrictEqual(decodeCompact(compact), native);
  // Types as the spec says.
  const root = compact.spans[0];
  const value = (key) => {
    const i = root[10].findIndex((x, j) => j % 3 === 0 && compact.strings[x] === key);
    return root[10][i + 2];
  };
  assert.equal(value('big'), '9007199254740993');
  assert.equal(value('at.limit'), -9007199254740992);
  assert.equal(value('nan'), 'NaN');
  assert.equal(value('hit'), 1);
  assert.equal(root[11][1][0], -7000000);
  // Much smaller than the native text.
  const sizes = await Promise.all(['', '?format=compact'].map(async (q) => (await httpGet(`${server.query}/api/v1/traces/${tid}${q}`)).bytes.length));
  assert.ok(sizes[1] < sizes[0] * 0.6, `compact ${sizes[1]} B, native ${sizes[0]} B`);
});

test('pages and sub-trees are the native ones', async () => {
  for (const q of ['offset=0&limit=2', 'offset=2&limit=2', 'offset=4', 'offset=9', 'limit=1',
    `root=${ids[0]}`, `root=${ids[0]}&depth=1`, `root=${ids[2]}&depth=0`, `root=${ids[2]}`]) {
    const { native, compact } = await both(q);
    assert.deepStrictEqual(decodeCompact(compact), native, q);
  }
});

test('errors', async () => {
  for (const f of ['xml', 'COMPACT', 'compact-1']) {
    const r = await httpGet(`${server.query}/api/v1/traces/${tid}?format=${f}`);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.message, 'format: must be native or compact');
  }
  const r = await httpGet(`${server.query}/api/v1/traces/${tid}?format=compact&root=${newSpanId()}`);
  assert.equal(r.status, 404);
  assert.equal((await httpGet(`${server.query}/api/v1/traces/${newTraceId()}?format=compact`)).status, 404);
});
