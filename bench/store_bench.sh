#!/usr/bin/env bash
# Block store macro benchmark on the reference workload (shared/WORKLOAD.md): ingest into
# the embedded store with its head cut into blocks, bytes on disk once compaction has
# settled, and query latency over HTTP.
#
# Per run: a fresh `weft serve` (port 0, empty data directory, --fsync interval, a head
# budget), then `weft loadgen` sends SPANS spans flat out over OTLP/gRPC, trace start times
# spread over the WINDOW seconds that end when the load starts. Recorded:
#   * server CPU per span during the load (utime+stime from /proc/PID/stat ÷ spans acked),
#     spans/s (loadgen), peak RSS (VmHWM from /proc/PID/status);
#   * POST /api/v1/admin/flush, then /api/v1/admin/compact: their wall time and server CPU,
#     and CPU per span including them;
#   * bytes on disk per span: blocks/ + wal/ (apparent size) ÷ spans, beside loadgen's OTLP
#     protobuf bytes per span on the wire;
#   * query latency (bench/query_latency.mjs: node, one keep-alive connection, one query at a
#     time): trace by ID for --by-id random known IDs (collected from searches over random
#     1-minute windows, untimed), service + operation + minDuration + attribute over the last
#     15 minutes of the data (limit 20), attribute only over the last hour (a common and a
#     rare value), and a search that cannot match (unknown attribute value); p50/p99/min/max.
# Prints per-run lines on stderr and, at the end, a Markdown table (median (min–max) over the
# runs) ready for BENCHMARKS.md.
#
# Usage: bench/store_bench.sh [--weft PATH] [--runs N] [--spans N] [--seed N] [--window S]
#          [--head-budget BYTES] [--protocol otlp-grpc|otlp-http] [--by-id N] [--iters N]
#          [--json FILE] [--keep] [--data-dir-keep DIR]
#   defaults: 5 runs, 10,000,000 spans, seed 1, window 3600 s, head budget 256 MiB,
#   OTLP/gRPC, 1000 by-ID queries, 200 of each search.
#   --json FILE: also write every run's figures as JSON lines (bench/clickhouse_compare.sh).
#   --ids-file F: trace IDs for the by-ID queries instead of collecting them by search.
#   --start S: pin the data's window start (Unix seconds) instead of now - window.
#   --query-out FILE: the query client's answers (trace IDs of every search), last run.
# Environment: WEFT (same as --weft; default build/src/cmd/weft).
#
# Only processes this script started are signalled (by PID); temp dirs are removed on exit
# unless --keep.
set -euo pipefail

RUNS=5
SPANS=10000000
SEED=1
WINDOW=3600
HEAD_BUDGET=$((256 * 1024 * 1024))
PROTOCOL=otlp-grpc
BY_ID=1000
ITERS=200
JSON_OUT=""
IDS_FILE=""
QUERY_OUT=""
START_S=""
KEEP=0
WEFT="${WEFT:-}"
START_TIMEOUT=60
LOAD_TIMEOUT=7200
ADMIN_TIMEOUT=3600
STOP_TIMEOUT=300

while [[ $# -gt 0 ]]; do
  case "$1" in
    --weft) WEFT="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --spans) SPANS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --window) WINDOW="$2"; shift 2 ;;
    --head-budget) HEAD_BUDGET="$2"; shift 2 ;;
    --protocol) PROTOCOL="$2"; shift 2 ;;
    --by-id) BY_ID="$2"; shift 2 ;;
    --iters) ITERS="$2"; shift 2 ;;
    --json) JSON_OUT="$2"; shift 2 ;;
    --ids-file) IDS_FILE="$2"; shift 2 ;;
    --query-out) QUERY_OUT="$2"; shift 2 ;;
    --start) START_S="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
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
command -v node >/dev/null || { echo "node is needed for the query client" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed for the summary" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is needed for the admin endpoints" >&2; exit 2; }

CLK_TCK="$(getconf CLK_TCK)"
WORK="$(mktemp -d -t weft-store-bench.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ "$KEEP" == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
result_field() { sed -n 's/.* '"$2"'=\([^ ]*\).*/\1/p' "$1" | tail -1; }
port_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
dir_bytes() { if [[ -d "$1" ]]; then du -sb "$1" | awk '{ print $1 }'; else echo 0; fi; }

stop_server() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [[ $waited -lt $((STOP_TIMEOUT * 10)) ]]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    echo "  server $pid did not stop within ${STOP_TIMEOUT}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  SERVER_PID=""
}

admin() { # admin PATH QUERY_ADDR -> prints the body; fails unless 200
  local out code
  out="$WORK/admin.out"
  code="$(curl -sS -o "$out" -w '%{http_code}' --max-time "$ADMIN_TIMEOUT" -X POST "http://$2/api/v1/admin/$1")" || return 1
  [[ "$code" == 200 ]] || { echo "  POST /api/v1/admin/$1 -> $code: $(head -c 300 "$out")" >&2; return 1; }
  cat "$out"
}
now_s() { date +%s.%N; }

one_run() {
  local run="$1" data ports log lgout qout
  data="$WORK/data-$run"; mkdir -p "$data"
  ports="$WORK/ports-$run.json"; log="$WORK/serve-$run.log"; lgout="$WORK/loadgen-$run.out"; qout="$WORK/query-$run.json"

  "$WEFT" serve --data-dir "$data" --otlp-grpc-addr 127.0.0.1:0 --otlp-http-addr 127.0.0.1:0 \
    --zipkin-addr 127.0.0.1:0 --query-addr 127.0.0.1:0 --jaeger-http-addr off --jaeger-compact-addr off --jaeger-binary-addr off --ports-file "$ports" \
    --fsync interval --head-budget-bytes "$HEAD_BUDGET" --no-demo >"$log" 2>&1 &
  SERVER_PID=$!
  local pid=$SERVER_PID waited=0
  while [[ ! -s "$ports" ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "  run $run: server exited before writing its ports file:" >&2; tail -5 "$log" >&2
      wait "$pid" 2>/dev/null || true; SERVER_PID=""; return 1
    fi
    if [[ $waited -ge $((START_TIMEOUT * 10)) ]]; then echo "  run $run: no ports file" >&2; stop_server "$pid"; return 1; fi
    sleep 0.1; waited=$((waited + 1))
  done
  sleep 1
  local qaddr endpoint
  qaddr="$(port_of "$ports" query)"
  if [[ "$PROTOCOL" == otlp-grpc ]]; then endpoint="$(port_of "$ports" otlp_grpc)"; else endpoint="$(port_of "$ports" otlp_http)"; fi

  local start_s="$START_S"
  [[ -n "$start_s" ]] || start_s=$(( $(date +%s) - WINDOW ))
  local end_ns=$(( (start_s + WINDOW) * 1000000000 ))
  local cpu0 cpu1 cpu2 hwm_kb rc=0 t0 t1 t2
  cpu0="$(cpu_ticks "$pid")"
  timeout "$LOAD_TIMEOUT" "$WEFT" loadgen --endpoint "$endpoint" --protocol "$PROTOCOL" --spans "$SPANS" \
    --seed "$SEED" --start "$start_s" --window "$WINDOW" --quiet >"$lgout" 2>&1 || rc=$?
  cpu1="$(cpu_ticks "$pid")"
  hwm_kb="$(status_kb "$pid" VmHWM)"
  local acked sps wire_bps
  acked="$(result_field "$lgout" spans_acked)"
  sps="$(result_field "$lgout" spans_per_sec)"
  wire_bps="$(sed -n 's/.*, \([0-9.]*\) B\/span on the wire.*/\1/p' "$lgout" | tail -1)"
  if [[ -z "$acked" || "$acked" == 0 ]]; then
    echo "  run $run: loadgen failed (exit $rc):" >&2; tail -5 "$lgout" >&2; stop_server "$pid"; return 1
  fi
  [[ "$rc" == 0 ]] || echo "  run $run: loadgen exit $rc ($acked of $SPANS acknowledged); counted anyway" >&2

  t0="$(now_s)"
  local flush_body compact_body
  flush_body="$(admin flush "$qaddr")" || { stop_server "$pid"; return 1; }
  t1="$(now_s)"
  compact_body="$(admin compact "$qaddr")" || { stop_server "$pid"; return 1; }
  t2="$(now_s)"
  cpu2="$(cpu_ticks "$pid")"
  local hwm2_kb rss_kb
  hwm2_kb="$(status_kb "$pid" VmHWM)"; rss_kb="$(status_kb "$pid" VmRSS)"
  local blocks_b wal_b blocks_n
  blocks_b="$(dir_bytes "$data/blocks")"; wal_b="$(dir_bytes "$data/wal")"
  blocks_n="$(find "$data/blocks" -name '*.blk' 2>/dev/null | wc -l)"
  local metrics
  metrics="$(curl -sS --max-time 30 "http://$qaddr/metrics" | grep -E '^weft_store_(blocks|block_bytes|block_spans|flushes_total|compactions_total) ' | tr '\n' ' ' || true)"

  local qrc=0 ids_args=()
  [[ -z "$IDS_FILE" ]] || ids_args=(--ids-file "$IDS_FILE")
  [[ -z "$QUERY_OUT" ]] || ids_args+=(--out "$QUERY_OUT")
  node "$root/bench/query_latency.mjs" --system weft --url "http://$qaddr" --end-ns "$end_ns" --window-s "$WINDOW" \
    --by-id "$BY_ID" --iters "$ITERS" --seed "$SEED" "${ids_args[@]}" >"$qout" 2>"$WORK/query-$run.err" || qrc=$?
  cat "$WORK/query-$run.err" >&2
  local cpu3; cpu3="$(cpu_ticks "$pid")"
  stop_server "$pid"
  [[ "$qrc" == 0 ]] || { echo "  run $run: query client failed" >&2; return 1; }

  python3 - "$run" "$acked" "$sps" "$cpu0" "$cpu1" "$cpu2" "$cpu3" "$CLK_TCK" "$hwm_kb" "$hwm2_kb" "$rss_kb" \
    "$t0" "$t1" "$t2" "$blocks_b" "$wal_b" "$blocks_n" "${wire_bps:-0}" "$qout" "$metrics" >>"$WORK/runs.jsonl" <<'EOF'
import json, sys
(run, acked, sps, c0, c1, c2, c3, hz, hwm, hwm2, rss, t0, t1, t2, bb, wb, bn, wire, qout, metrics) = sys.argv[1:21]
acked, hz = int(acked), float(hz)
c0, c1, c2, c3 = (int(x) for x in (c0, c1, c2, c3))
r = {
  "run": int(run), "spans": acked, "spans_per_s": float(sps),
  "ingest_cpu_us_per_span": (c1 - c0) / hz * 1e6 / acked,
  "flush_compact_cpu_s": (c2 - c1) / hz,
  "total_cpu_us_per_span": (c2 - c0) / hz * 1e6 / acked,
  "query_cpu_s": (c3 - c2) / hz,
  "peak_rss_mb_load": int(hwm) / 1024, "peak_rss_mb": int(hwm2) / 1024, "rss_mb_settled": int(rss) / 1024,
  "flush_s": float(t1) - float(t0), "compact_s": float(t2) - float(t1),
  "disk_bytes": int(bb) + int(wb), "block_bytes": int(bb), "wal_bytes": int(wb), "blocks": int(bn),
  "disk_bytes_per_span": (int(bb) + int(wb)) / acked, "wire_bytes_per_span": float(wire),
  "metrics": metrics.strip(), "queries": json.load(open(qout)),
}
print(json.dumps(r))
EOF
  [[ "$KEEP" == 1 ]] || rm -rf "$data"
  tail -1 "$WORK/runs.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("  run %d: %.2f us/span ingest (%.2f with flush+compaction), %.0f spans/s, peak RSS %.0f MB, %.1f B/span on disk (%d blocks), flush %.1f s, compact %.1f s" % (r["run"], r["ingest_cpu_us_per_span"], r["total_cpu_us_per_span"], r["spans_per_s"], r["peak_rss_mb"], r["disk_bytes_per_span"], r["blocks"], r["flush_s"], r["compact_s"]))' >&2
}

echo "# weft block store benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
     "$(awk '/^MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "weft: $WEFT ($("$WEFT" --version 2>/dev/null || echo unknown version))"
echo "command: bench/store_bench.sh --runs $RUNS --spans $SPANS --seed $SEED --window $WINDOW --head-budget $HEAD_BUDGET --protocol $PROTOCOL"
echo "workload: reference (WORKLOAD.md), seed $SEED, $SPANS spans per run over $PROTOCOL flat out (loadgen defaults: batch 500," \
     "concurrency 2; encoded up front up to 5M spans, streamed above), trace starts over the $WINDOW s before the load;" \
     "serve --fsync interval --head-budget-bytes $HEAD_BUDGET"

for run in $(seq 1 "$RUNS"); do
  echo "== run $run of $RUNS" >&2
  one_run "$run" || echo "  run $run failed" >&2
done
[[ -s "$WORK/runs.jsonl" ]] || { echo "no successful run" >&2; exit 1; }
[[ -z "$JSON_OUT" ]] || cp "$WORK/runs.jsonl" "$JSON_OUT"

python3 - "$WORK/runs.jsonl" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def fmt(x):
    if x >= 10000: return f"{x:,.0f}"
    if x >= 100: return f"{x:.0f}"
    if x >= 10: return f"{x:.1f}"
    return f"{x:.2f}"
def cell(vals):
    vals = sorted(vals)
    m = statistics.median(vals)
    return fmt(m) if len(vals) == 1 else f"{fmt(m)} ({fmt(vals[0])}–{fmt(vals[-1])})"
n = len(runs)
print()
print(f"Median (min–max) over {n} run{'s' if n != 1 else ''} of {runs[0]['spans']:,} spans.")
print()
print("| figure | value |")
print("|---|---|")
rows = [
  ("server CPU per span, ingest (µs)", "ingest_cpu_us_per_span"),
  ("server CPU per span, ingest + flush + compaction (µs)", "total_cpu_us_per_span"),
  ("spans/s acknowledged", "spans_per_s"),
  ("peak RSS during the load (MB)", "peak_rss_mb_load"),
  ("peak RSS including flush + compaction (MB)", "peak_rss_mb"),
  ("RSS once settled (MB)", "rss_mb_settled"),
  ("final flush (s)", "flush_s"),
  ("compaction until settled (s)", "compact_s"),
  ("bytes on disk per span, settled (blocks + WAL)", "disk_bytes_per_span"),
  ("OTLP protobuf bytes per span on the wire", "wire_bytes_per_span"),
  ("blocks after compaction", "blocks"),
]
for label, key in rows:
    print(f"| {label} | {cell([r[key] for r in runs])} |")
print()
print("| query (HTTP, one at a time, keep-alive) | p50 µs | p99 µs | min µs | max µs | results/query |")
print("|---|---|---|---|---|---|")
labels = {
  "by_id": "trace by ID, no time range (random known IDs)",
  "svc_op_dur_attr": "service + operation + minDuration 5ms + region, last 15 min, limit 20",
  "attr_common": "attribute only (region = one of 6), last hour, limit 20",
  "attr_rare": "attribute only (user.id = one of 100,000), last hour, limit 20",
  "impossible": "cannot match (unknown http.method value), last hour",
}
for k, label in labels.items():
    qs = [r["queries"][k] for r in runs if k in r["queries"]]
    if not qs: continue
    errs = sum(q.get("errors", 0) for q in qs)
    print(f"| {label} | {cell([q['p50_us'] for q in qs])} | {cell([q['p99_us'] for q in qs])} | "
          f"{fmt(min(q['min_us'] for q in qs))} | {fmt(max(q['max_us'] for q in qs))} | "
          f"{fmt(statistics.median(q['results_mean'] for q in qs))}{f' ({errs} errors)' if errs else ''} |")
print()
for r in runs:
    print(f"run {r['run']}: {r['metrics']}")
EOF
