#!/usr/bin/env bash
# weft's embedded block store beside ClickHouse 18.16 (Debian's clickhouse-server, the
# scale-out backend of DESIGN.md §9) on the same spans of the reference workload.
#
# 1. `weft loadgen --dump` writes SPANS spans (seed, fixed window) as OTLP JSON lines;
#    bench/otlp_to_clickhouse.py turns them into TabSeparated files and picks BY_ID random
#    trace IDs from them.
# 2. weft: bench/store_bench.sh with the same seed, window and span count (loadgen sends the
#    same spans over OTLP/gRPC, flat out), the same trace IDs; RUNS runs.
# 3. ClickHouse: a private clickhouse-server (child of this script, 127.0.0.1, free ports,
#    temp data directory, zstd for every part through <compression>), the schema below,
#    batched INSERTs with clickhouse-client (ROWS_PER_INSERT rows each), OPTIMIZE … FINAL,
#    then the same queries with the same client (bench/query_latency.mjs --system clickhouse).
# 4. Prints the figures side by side with the ratio ClickHouse / weft, and whether both
#    systems returned the same traces for each search.
#
# Schema (ClickHouse 18.16: no TTL, no per-column codecs, no skip indexes, no Map):
#   spans        MergeTree PARTITION BY day ORDER BY (service, start_ns): UInt64 ns times,
#                trace ID as two UInt64, parallel key/value(/type) arrays for span and
#                resource attributes, events and links as JSON text;
#   trace_index  MergeTree PARTITION BY day ORDER BY (trace_hi, trace_lo): per trace and
#                batch, its min start and max end, so trace by ID reads one small range of
#                the index and then the spans table in that time range only.
#
# Usage: bench/clickhouse_compare.sh [--weft PATH] [--spans N] [--runs N] [--seed N]
#          [--window S] [--by-id N] [--iters N] [--rows-per-insert N] [--keep]
#   defaults: 1,000,000 spans, 3 weft runs, seed 1, window 3600 s, 1000 by-ID, 200 of each
#   search, 100,000 rows per INSERT. About 10–15 minutes on 2 cores at the defaults.
# Needs: clickhouse-server and clickhouse-client 18.16 (`apt-get install clickhouse-server
# clickhouse-client`, see bench/README.md), python3, node, curl. Installs nothing.
# Only processes this script started are signalled (by PID); temp dirs removed unless --keep.
set -euo pipefail

SPANS=1000000
RUNS=3
SEED=1
WINDOW=3600
BY_ID=1000
ITERS=200
ROWS_PER_INSERT=100000
KEEP=0
WEFT="${WEFT:-}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --weft) WEFT="$2"; shift 2 ;;
    --spans) SPANS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --window) WINDOW="$2"; shift 2 ;;
    --by-id) BY_ID="$2"; shift 2 ;;
    --iters) ITERS="$2"; shift 2 ;;
    --rows-per-insert) ROWS_PER_INSERT="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "$WEFT" ]]; then
  for candidate in "$root"/build/src/cmd/weft "$root"/build-*/src/cmd/weft; do
    if [[ -x "$candidate" ]]; then WEFT="$candidate"; break; fi
  done
fi
[[ -n "$WEFT" && -x "$WEFT" ]] || { echo "weft binary not found; build it or pass --weft PATH" >&2; exit 2; }
CH_SERVER="$(command -v clickhouse-server || true)"
CH_CLIENT="$(command -v clickhouse-client || true)"
if [[ -z "$CH_SERVER" || -z "$CH_CLIENT" ]]; then
  echo "clickhouse-server / clickhouse-client not found. On Debian 12:" >&2
  echo "  apt-get install -y clickhouse-server clickhouse-client   # 18.16 (see bench/README.md)" >&2
  exit 2
fi
for tool in python3 node curl; do command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }; done

CLK_TCK="$(getconf CLK_TCK)"
WORK="$(mktemp -d -t weft-ch-compare.XXXXXX)"
CH_PID=""
cleanup() {
  if [[ -n "$CH_PID" ]] && kill -0 "$CH_PID" 2>/dev/null; then
    kill -TERM "$CH_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$CH_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$CH_PID" 2>/dev/null || true
    wait "$CH_PID" 2>/dev/null || true
  fi
  if [[ "$KEEP" == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# CPU of this shell's waited-for children (cutime + cstime), in ticks.
children_ticks() { sed 's/^.*) //' "/proc/$BASHPID/stat" | awk '{ print $14 + $15 }'; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now_s() { date +%s.%N; }

START_S=$(( $(date +%s) - WINDOW ))
END_NS=$(( (START_S + WINDOW) * 1000000000 ))
echo "# weft vs ClickHouse $("$CH_SERVER" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1 || echo 18.16) ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
     "$(awk '/^MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: bench/clickhouse_compare.sh --spans $SPANS --runs $RUNS --seed $SEED --window $WINDOW --by-id $BY_ID --iters $ITERS"
echo "workload: reference, seed $SEED, $SPANS spans, trace starts over [$START_S, $((START_S + WINDOW))] (Unix s)"

# ---------- 1. the spans, once ----------
echo "== dump and convert $SPANS spans" >&2
t0="$(now_s)"
"$WEFT" loadgen --dump "$WORK/dump.jsonl" --spans "$SPANS" --seed "$SEED" --start "$START_S" --window "$WINDOW" --quiet
python3 "$root/bench/otlp_to_clickhouse.py" "$WORK/dump.jsonl" "$WORK/tsv" --rows-per-file "$ROWS_PER_INSERT" \
  --ids "$BY_ID" --seed "$SEED" >"$WORK/convert.json"
rm -f "$WORK/dump.jsonl"
IDS="$WORK/tsv/ids.txt"
echo "  $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["spans"], "spans,", d["traces"], "traces,", len(d["files"]), "insert batches")' "$WORK/convert.json")" \
     "in $(python3 -c "print(round($(now_s) - $t0))") s" >&2

# ---------- 2. weft ----------
echo "== weft: bench/store_bench.sh --runs $RUNS --spans $SPANS" >&2
"$root/bench/store_bench.sh" --weft "$WEFT" --runs "$RUNS" --spans "$SPANS" --seed "$SEED" --window "$WINDOW" \
  --start "$START_S" --by-id "$BY_ID" --iters "$ITERS" --ids-file "$IDS" --json "$WORK/weft.jsonl" \
  --query-out "$WORK/weft-answers.json" >"$WORK/weft-table.md"

# ---------- 3. ClickHouse ----------
CH="$WORK/ch"
mkdir -p "$CH/data" "$CH/tmp" "$CH/user_files" "$CH/format_schemas" "$CH/log"
TCP_PORT="$(free_port)"; HTTP_PORT="$(free_port)"
while [[ "$HTTP_PORT" == "$TCP_PORT" ]]; do HTTP_PORT="$(free_port)"; done
cat >"$CH/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$CH/log/server.log</log><errorlog>$CH/log/error.log</errorlog><size>100M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$TCP_PORT</tcp_port>
  <http_port>$HTTP_PORT</http_port>
  <path>$CH/data/</path>
  <tmp_path>$CH/tmp/</tmp_path>
  <user_files_path>$CH/user_files/</user_files_path>
  <format_schema_path>$CH/format_schemas/</format_schema_path>
  <users_config>$CH/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <max_concurrent_queries>20</max_concurrent_queries>
  <mark_cache_size>1073741824</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <mlock_executable>false</mlock_executable>
  <!-- 18.16 has no per-column codecs: every part is compressed with zstd. -->
  <compression>
    <case><min_part_size>0</min_part_size><min_part_size_ratio>0</min_part_size_ratio><method>zstd</method></case>
  </compression>
</yandex>
EOF
cat >"$CH/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage><max_threads>2</max_threads><load_balancing>random</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
echo "== ClickHouse: starting a private server (tcp $TCP_PORT, http $HTTP_PORT)" >&2
"$CH_SERVER" --config-file="$CH/config.xml" >"$CH/log/stdout.log" 2>&1 &
CH_PID=$!
chq() { "$CH_CLIENT" --host 127.0.0.1 --port "$TCP_PORT" "$@"; }
for i in $(seq 1 300); do
  chq -q 'SELECT 1' >/dev/null 2>&1 && break
  kill -0 "$CH_PID" 2>/dev/null || { echo "clickhouse-server exited:" >&2; tail -20 "$CH/log/stdout.log" "$CH/log/error.log" >&2 || true; exit 1; }
  sleep 0.2
done
chq -q 'SELECT 1' >/dev/null || { echo "clickhouse-server did not answer" >&2; exit 1; }
CH_VERSION="$(chq -q 'SELECT version()')"

chq -n <<'EOF'
CREATE DATABASE weft;
CREATE TABLE weft.spans (
  day Date,
  service String,
  name String,
  kind UInt8,
  start_ns UInt64,
  end_ns UInt64,
  duration_ns UInt64,
  trace_hi UInt64,
  trace_lo UInt64,
  span_id UInt64,
  parent_span_id UInt64,
  status_code UInt8,
  status_message String,
  trace_state String,
  flags UInt32,
  scope_name String,
  scope_version String,
  attr_keys Array(String),
  attr_values Array(String),
  attr_types Array(UInt8),
  res_keys Array(String),
  res_values Array(String),
  events String,
  links String
) ENGINE = MergeTree() PARTITION BY day ORDER BY (service, start_ns) SETTINGS index_granularity = 8192;
CREATE TABLE weft.trace_index (
  trace_hi UInt64,
  trace_lo UInt64,
  day Date,
  start_ns UInt64,
  end_ns UInt64,
  spans UInt32
) ENGINE = MergeTree() PARTITION BY day ORDER BY (trace_hi, trace_lo) SETTINGS index_granularity = 8192;
EOF

echo "== ClickHouse: INSERT $SPANS spans in batches of $ROWS_PER_INSERT" >&2
ch_cpu0="$(cpu_ticks "$CH_PID")"; cl0="$(children_ticks)"; t0="$(now_s)"
for f in "$WORK"/tsv/spans-*.tsv; do
  chq --query 'INSERT INTO weft.spans FORMAT TabSeparated' <"$f"
  chq --query 'INSERT INTO weft.trace_index FORMAT TabSeparated' <"${f/spans-/index-}"
done
t1="$(now_s)"; ch_cpu1="$(cpu_ticks "$CH_PID")"; cl1="$(children_ticks)"
echo "== ClickHouse: OPTIMIZE TABLE … FINAL" >&2
chq --query 'OPTIMIZE TABLE weft.spans FINAL'
chq --query 'OPTIMIZE TABLE weft.trace_index FINAL'
t2="$(now_s)"; ch_cpu2="$(cpu_ticks "$CH_PID")"
ch_rows="$(chq -q 'SELECT count() FROM weft.spans')"
ch_parts="$(chq -q "SELECT count() FROM system.parts WHERE database = 'weft' AND table = 'spans' AND active")"
ch_bytes_parts="$(chq -q "SELECT sum(bytes) FROM system.parts WHERE database = 'weft' AND active" 2>/dev/null || echo 0)"
# Bytes of the active parts (what the data takes once the merged-away parts, which
# ClickHouse deletes minutes later (old_parts_lifetime), are gone).
ch_bytes_spans="$(chq -q "SELECT sum(bytes) FROM system.parts WHERE database = 'weft' AND table = 'spans' AND active")"
ch_bytes_index="$(chq -q "SELECT sum(bytes) FROM system.parts WHERE database = 'weft' AND table = 'trace_index' AND active")"
ch_hwm="$(status_kb "$CH_PID" VmHWM)"
echo "  $ch_rows rows in $ch_parts parts; spans $ch_bytes_spans B, index $ch_bytes_index B on disk (system.parts: $ch_bytes_parts B)" >&2

echo "== ClickHouse: queries" >&2
ch_q0="$(cpu_ticks "$CH_PID")"
node "$root/bench/query_latency.mjs" --system clickhouse --url "http://127.0.0.1:$HTTP_PORT" --database weft \
  --end-ns "$END_NS" --window-s "$WINDOW" --ids-file "$IDS" --by-id "$BY_ID" --iters "$ITERS" --seed "$SEED" \
  --out "$WORK/ch-answers.json" >"$WORK/ch-queries.json"
ch_q1="$(cpu_ticks "$CH_PID")"

# ---------- 4. side by side ----------
python3 - "$WORK" "$SPANS" "$CLK_TCK" "$ch_cpu0" "$ch_cpu1" "$ch_cpu2" "$cl0" "$cl1" "$t0" "$t1" "$t2" \
  "$ch_rows" "$ch_bytes_spans" "$ch_bytes_index" "$ch_hwm" "$ch_parts" "$ch_q0" "$ch_q1" "$CH_VERSION" <<'EOF'
import json, statistics, sys
(work, spans, hz, c0, c1, c2, k0, k1, t0, t1, t2, rows, bspans, bindex, hwm, parts, q0, q1, ver) = sys.argv[1:20]
spans, hz = int(spans), float(hz)
rows = int(rows)
weft = [json.loads(l) for l in open(f"{work}/weft.jsonl") if l.strip()]
chq = json.load(open(f"{work}/ch-queries.json"))
med = lambda xs: statistics.median(xs)
def fmt(x):
    if x is None: return "–"
    if x >= 10000: return f"{x:,.0f}"
    if x >= 100: return f"{x:.0f}"
    if x >= 10: return f"{x:.1f}"
    return f"{x:.2f}"
def rng(xs):
    xs = sorted(xs)
    return fmt(med(xs)) if len(xs) == 1 else f"{fmt(med(xs))} ({fmt(xs[0])}–{fmt(xs[-1])})"
ch_insert_server = (int(c1) - int(c0)) / hz * 1e6 / rows
ch_insert_client = (int(k1) - int(k0)) / hz * 1e6 / rows
ch_optimize = (int(c2) - int(c1)) / hz * 1e6 / rows
ch_bps = (int(bspans) + int(bindex)) / rows
print()
print(f"{spans:,} spans of the reference workload; weft: median (min–max) of {len(weft)} runs; ClickHouse {ver}: one load.")
print(f"ClickHouse rows {rows:,}, {parts} active parts of spans after OPTIMIZE FINAL; peak RSS of clickhouse-server {int(hwm)/1024:.0f} MB.")
print()
print("| figure | weft | ClickHouse 18.16 | ClickHouse / weft |")
print("|---|---|---|---|")
def row(label, wvals, c, note=""):
    w = med(wvals) if wvals else None
    ratio = f"{c / w:.1f}×" if (w and c is not None and w > 0) else "–"
    print(f"| {label} | {rng(wvals) if wvals else '–'} | {fmt(c)}{note} | {ratio} |")
row("server CPU per span to ingest (µs)", [r["ingest_cpu_us_per_span"] for r in weft], ch_insert_server,
    " (INSERT of parsed blocks)")
row("… plus the client's parsing (µs)", [r["ingest_cpu_us_per_span"] for r in weft], ch_insert_server + ch_insert_client,
    f" (clickhouse-client {fmt(ch_insert_client)})")
row("CPU per span, ingest + settling (flush + compaction / OPTIMIZE FINAL) (µs)",
    [r["total_cpu_us_per_span"] for r in weft], ch_insert_server + ch_insert_client + ch_optimize)
row("bytes on disk per span, settled", [r["disk_bytes_per_span"] for r in weft], ch_bps,
    f" (spans {int(bspans)/rows:.1f} + index {int(bindex)/rows:.1f})")
row("ingest wall time (s)", [r["spans"] / r["spans_per_s"] for r in weft], float(t1) - float(t0))
row("settle wall time (s)", [r["flush_s"] + r["compact_s"] for r in weft], float(t2) - float(t1))
print()
labels = {
  "by_id": "trace by ID, no time range",
  "svc_op_dur_attr": "service + operation + minDuration + region, last 15 min, limit 20",
  "attr_common": "attribute only (region), last hour, limit 20",
  "attr_rare": "attribute only (user.id), last hour, limit 20",
  "impossible": "cannot match (unknown http.method value), last hour",
}
print("| query (p50 / p99 µs) | weft | ClickHouse 18.16 | ClickHouse / weft (p50) | same answers |")
print("|---|---|---|---|---|")
wa = json.load(open(f"{work}/weft-answers.json")).get("answers", {}) if __import__("os").path.exists(f"{work}/weft-answers.json") else {}
ca = json.load(open(f"{work}/ch-answers.json")).get("answers", {})
for k, label in labels.items():
    ws = [r["queries"][k] for r in weft if k in r["queries"]]
    c = chq.get(k)
    if not ws or not c: continue
    p50 = med([q["p50_us"] for q in ws]); p99 = med([q["p99_us"] for q in ws])
    same = "–"
    if k in wa and k in ca and wa[k] and ca[k]:
        n = min(len(wa[k]), len(ca[k]))
        eq = sum(1 for i in range(n) if wa[k][i] == ca[k][i])
        same = f"{eq}/{n}"
        # The first differing answers, for a look (stderr): what each side returned alone.
        shown = 0
        for i in range(n):
            if wa[k][i] == ca[k][i] or shown >= 3: continue
            shown += 1
            w, c2 = wa[k][i], ca[k][i]
            ws_, cs_ = set(w if isinstance(w, list) else [w]), set(c2 if isinstance(c2, list) else [c2])
            print(f"{k} query {i}: weft {len(ws_)} / ClickHouse {len(cs_)} traces; only weft: "
                  f"{sorted(ws_ - cs_)[:3]}, only ClickHouse: {sorted(cs_ - ws_)[:3]}", file=sys.stderr)
    errs = f" ({c['errors']} errors)" if c.get("errors") else ""
    print(f"| {label} | {fmt(p50)} / {fmt(p99)} | {fmt(c['p50_us'])} / {fmt(c['p99_us'])}{errs} | {c['p50_us'] / p50:.0f}× | {same} |")
print()
print(f"ClickHouse server CPU during the queries: {(int(q1) - int(q0)) / hz:.1f} s.")
EOF
echo
echo "weft alone (bench/store_bench.sh):"
cat "$WORK/weft-table.md"
