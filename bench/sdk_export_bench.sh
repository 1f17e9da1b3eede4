#!/usr/bin/env bash
# SDK export benchmark: CPU per span in the APPLICATION (span start/end + batching + OTLP
# encoding + HTTP) and spans lost, exporting to a real `weft serve` over OTLP/HTTP.
#
# For each rate in RATES (spans/s; 0 = flat out), RUNS times: a fresh weft serve on port 0
# (fsync interval), then `weft_sdk_export_load` sends SPANS spans from THREADS threads; the
# load program prints its own CPU (getrusage) and the SDK counters; the script reads how
# many spans weft accepted from /metrics. Prints min / median / max of the app's CPU per
# span and throughput, and lost = exported - accepted.
#
# Usage: bench/sdk_export_bench.sh [--weft PATH] [--load PATH] [--runs N] [--spans N]
#                                  [--rates "100000 0"] [--threads N]
set -euo pipefail
RUNS=3 SPANS=500000 RATES="100000 0" THREADS=1
root="$(cd "$(dirname "$0")/.." && pwd)"
WEFT="$root/build/src/cmd/weft" LOAD="$root/build/sdk/bench/weft_sdk_export_load"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --weft) WEFT="$2"; shift 2 ;;
    --load) LOAD="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --spans) SPANS="$2"; shift 2 ;;
    --rates) RATES="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
for b in "$WEFT" "$LOAD"; do [[ -x "$b" ]] || { echo "not built: $b" >&2; exit 2; }; done
WORK="$(mktemp -d -t weft-sdk-export.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill -KILL "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
summarize() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- - -"; exit }
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s %s\n", v[1], m, v[NR] }'; }
field() { sed -n 's/.*"'"$2"'":\([^,}]*\).*/\1/p' "$1"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for rate in $RATES; do
  : >"$WORK/cpu.txt"; : >"$WORK/sps.txt"; lost_total=0; dropped_total=0
  for run in $(seq 1 "$RUNS"); do
    data="$(mktemp -d "$WORK/data.XXXXXX")"; ports="$WORK/ports.json"; rm -f "$ports"
    "$WEFT" serve --data-dir "$data" --otlp-grpc-addr 127.0.0.1:0 --otlp-http-addr 127.0.0.1:0 \
      --zipkin-addr 127.0.0.1:0 --query-addr 127.0.0.1:0 --jaeger-http-addr off --jaeger-compact-addr off --jaeger-binary-addr off --ports-file "$ports" --fsync interval \
      --no-demo --head-budget-bytes 4000000000 >"$WORK/serve.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do [[ -s "$ports" ]] && break; sleep 0.1; done
    http_port="$(sed -n 's/.*"otlp_http":"[^"]*:\([0-9]*\)".*/\1/p' "$ports")"
    query_port="$(sed -n 's/.*"query":"[^"]*:\([0-9]*\)".*/\1/p' "$ports")"
    timeout 900 "$LOAD" --endpoint "http://127.0.0.1:$http_port" --spans "$SPANS" --rate "$rate" \
      --threads "$THREADS" >"$WORK/load.json"
    accepted="$(curl -s "http://127.0.0.1:$query_port/metrics" |
      awk '/^weft_spans_accepted_total/ { s += $2 } END { printf "%d", s }')"
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    rm -rf "$data"
    exported="$(field "$WORK/load.json" exported)"; dropped="$(field "$WORK/load.json" dropped)"
    field "$WORK/load.json" cpu_us_per_span >>"$WORK/cpu.txt"
    field "$WORK/load.json" spans_per_s >>"$WORK/sps.txt"
    lost_total=$((lost_total + exported - accepted)); dropped_total=$((dropped_total + dropped))
    echo "  rate $rate run $run: $(cat "$WORK/load.json") accepted=$accepted"
  done
  read -r cmin cmed cmax < <(summarize <"$WORK/cpu.txt")
  read -r smin smed smax < <(summarize <"$WORK/sps.txt")
  echo "rate=$rate threads=$THREADS spans=$SPANS runs=$RUNS: app CPU us/span min/median/max $cmin/$cmed/$cmax;" \
       "spans/s $smin/$smed/$smax; dropped by the SDK $dropped_total; exported but not accepted $lost_total"
done
