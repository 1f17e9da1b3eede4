#!/usr/bin/env bash
# Ingest macro benchmark: server CPU per span, throughput, idle and peak memory of
# `weft serve` taking the reference workload (shared/WORKLOAD.md) from `weft loadgen`.
#
# For each protocol {otlp-http (protobuf), otlp-grpc} x fsync policy {request, interval},
# RUNS times: start a fresh server on port 0 with an empty data directory, read its idle RSS
# after 2 s, send SPANS spans flat out, read the server's CPU (utime+stime from /proc) before
# and after the load, its peak RSS (VmHWM), stop it with SIGTERM. Prints min / median / max
# of each figure per configuration, and the machine.
#
# Usage: bench/ingest_bench.sh [--weft PATH] [--runs N] [--spans N] [--protocols "a b"]
#                              [--fsync "request interval"] [--seed N] [--keep]
# Environment: WEFT (same as --weft; default build/src/cmd/weft, then build-*/src/cmd/weft).
#
# Every step is bounded (timeout); only processes this script started are signalled; its
# temporary directories are removed on exit (--keep leaves them, and prints where).
set -euo pipefail

RUNS=5
SPANS=500000
PROTOCOLS="otlp-http otlp-grpc"
FSYNCS="request interval"
SEED=1
KEEP=0
WEFT="${WEFT:-}"
START_TIMEOUT=30      # seconds for the ports file to appear
LOAD_TIMEOUT=900      # seconds for one loadgen run
STOP_TIMEOUT=60       # seconds for the server to exit after SIGTERM

while [[ $# -gt 0 ]]; do
  case "$1" in
    --weft) WEFT="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --spans) SPANS="$2"; shift 2 ;;
    --protocols) PROTOCOLS="$2"; shift 2 ;;
    --fsync) FSYNCS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "$WEFT" ]]; then
  for candidate in "$root"/build/src/cmd/weft "$root"/build-*/src/cmd/weft; do
    if [[ -x "$candidate" ]]; then WEFT="$candidate"; break; fi
  done
fi
if [[ -z "$WEFT" || ! -x "$WEFT" ]]; then
  echo "weft binary not found; build it or pass --weft PATH" >&2
  exit 2
fi

CLK_TCK="$(getconf CLK_TCK)"
WORK="$(mktemp -d -t weft-ingest-bench.XXXXXX)"
SERVER_PID=""

cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ "$KEEP" == 1 ]]; then
    echo "kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat, counted
# after the command name, which may contain spaces).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# min median max of the numbers on stdin
summarize() { sort -g | awk '{ v[NR] = $1 } END {
  if (NR == 0) { print "-", "-", "-"; exit }
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "%s %s %s\n", v[1], m, v[NR] }'; }
result_field() { sed -n 's/.* '"$2"'=\([^ ]*\).*/\1/p' "$1" | tail -1; }

stop_server() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [[ $waited -lt $((STOP_TIMEOUT * 10)) ]]; do
    sleep 0.1; waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "  server $pid did not stop within ${STOP_TIMEOUT}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  SERVER_PID=""
}

# One run; appends "us_per_span spans_per_sec idle_rss_mb peak_rss_mb loadgen_us_per_span"
# to $WORK/<protocol>-<fsync>.txt, or reports why it failed.
one_run() {
  local protocol="$1" fsync="$2" run="$3"
  local data ports log lgout
  data="$(mktemp -d "$WORK/data.XXXXXX")"
  ports="$WORK/ports-$protocol-$fsync-$run.json"
  log="$WORK/serve-$protocol-$fsync-$run.log"
  lgout="$WORK/loadgen-$protocol-$fsync-$run.out"

  "$WEFT" serve --data-dir "$data" --otlp-grpc-addr 127.0.0.1:0 --otlp-http-addr 127.0.0.1:0 \
    --zipkin-addr 127.0.0.1:0 --query-addr 127.0.0.1:0 --jaeger-http-addr off --jaeger-compact-addr off --jaeger-binary-addr off --ports-file "$ports" \
    --fsync "$fsync" --no-demo >"$log" 2>&1 &
  SERVER_PID=$!
  local pid=$SERVER_PID waited=0
  while [[ ! -s "$ports" ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "  run $run: server exited before writing its ports file:" >&2
      tail -5 "$log" >&2; wait "$pid" 2>/dev/null || true; SERVER_PID=""; return 1
    fi
    if [[ $waited -ge $((START_TIMEOUT * 10)) ]]; then
      echo "  run $run: no ports file after ${START_TIMEOUT}s" >&2; stop_server "$pid"; return 1
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  sleep 2
  local idle_kb cpu0 cpu1 hwm_kb
  idle_kb="$(status_kb "$pid" VmRSS)"
  cpu0="$(cpu_ticks "$pid")"
  local rc=0
  timeout "$LOAD_TIMEOUT" "$WEFT" loadgen --ports-file "$ports" --spans "$SPANS" \
    --protocol "$protocol" --seed "$SEED" --quiet >"$lgout" 2>&1 || rc=$?
  cpu1="$(cpu_ticks "$pid")"
  hwm_kb="$(status_kb "$pid" VmHWM)"
  stop_server "$pid"
  [[ "$KEEP" == 1 ]] || rm -rf "$data"

  local acked sps lg_cpu
  acked="$(result_field "$lgout" spans_acked)"
  sps="$(result_field "$lgout" spans_per_sec)"
  lg_cpu="$(result_field "$lgout" loadgen_cpu_send_s)"
  if [[ -z "$acked" || "$acked" == 0 ]]; then
    echo "  run $run: loadgen failed (exit $rc):" >&2; tail -5 "$lgout" >&2; return 1
  fi
  if [[ "$rc" != 0 ]]; then
    echo "  run $run: loadgen exit $rc ($acked of $SPANS spans acknowledged); counted anyway" >&2
  fi
  awk -v c0="$cpu0" -v c1="$cpu1" -v hz="$CLK_TCK" -v n="$acked" -v sps="$sps" \
      -v idle="$idle_kb" -v hwm="$hwm_kb" -v lg="$lg_cpu" 'BEGIN {
    printf "%.3f %.0f %.1f %.1f %.3f\n", (c1 - c0) / hz * 1e6 / n, sps, idle / 1024, hwm / 1024,
           lg * 1e6 / n }' >>"$WORK/$protocol-$fsync.txt"
  echo "  run $run: $(tail -1 "$WORK/$protocol-$fsync.txt" | awk '{ printf "%s us/span, %s spans/s, idle %s MB, peak %s MB", $1, $2, $3, $4 }')" >&2
}

echo "# weft ingest benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
     "$(awk '/^MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
echo "weft: $WEFT ($("$WEFT" --version 2>/dev/null || echo unknown version))"
echo "workload: reference (WORKLOAD.md), seed $SEED, $SPANS spans per run, $RUNS runs," \
     "loadgen defaults (batch 500, concurrency 2, flat out, bodies encoded up front)"

for protocol in $PROTOCOLS; do
  for fsync in $FSYNCS; do
    echo "== $protocol, --fsync $fsync" >&2
    for run in $(seq 1 "$RUNS"); do
      one_run "$protocol" "$fsync" "$run" || true
    done
  done
done

echo
printf "%-32s %-22s %10s %10s %10s\n" "configuration (runs)" figure min median max
for protocol in $PROTOCOLS; do
  for fsync in $FSYNCS; do
    file="$WORK/$protocol-$fsync.txt"
    config="$protocol, fsync $fsync"
    if [[ ! -s "$file" ]]; then
      printf "%-32s %s\n" "$config" "(no successful run)"; continue
    fi
    n="$(wc -l <"$file")"
    col=1
    for figure in "server CPU us/span" "spans/s" "idle RSS MB" "peak RSS MB" "loadgen CPU us/span"; do
      read -r lo mid hi < <(awk -v c="$col" '{ print $c }' "$file" | summarize)
      printf "%-32s %-22s %10s %10s %10s\n" "$config ($n)" "$figure" "$lo" "$mid" "$hi"
      col=$((col + 1))
    done
  done
done
