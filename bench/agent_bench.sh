#!/usr/bin/env bash
# `weft agent` reading trace log lines: how fast lines go from a file into the agent's disk
# queue, and from the file through the agent to a `weft serve` on the same machine; the
# agent's CPU per line and its memory.
#
# Per run, on generated lines like LOGFORMAT.md's (bench/logline_gen, 300-600 bytes):
#   queue:  an agent whose collector is away (nothing listens on the --forward port) tails a
#           file of N lines written beforehand; timed until every line is read and its spans
#           are in the queue (weft_log_lines_pending = 0, weft_log_traces_open = 0, with a
#           --tail-window of 1s, which is part of the time). Lines/s, agent CPU per line
#           (utime+stime from /proc), lines/s per core (= lines / CPU seconds), peak RSS.
#   e2e:    the same with a weft serve (same 2 cores) as the collector; timed until the agent's
#           queue is empty (every span accepted by weft serve).
#   idle:   the agent's RSS 2 s after start, tailing an empty file.
# min / median / max over --runs. The numbers go to BENCHMARKS.md ("weft agent").
#
# Usage: bench/agent_bench.sh [--lines N] [--runs R] [--weft PATH] [--logline-gen PATH]
#   defaults: --lines 1000000 --runs 3 --weft build/src/cmd/weft --logline-gen build/bench/logline_gen
# Only processes this script starts are stopped, by their PID.
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=1000000
RUNS=3
WEFT=build/src/cmd/weft
GEN=build/bench/logline_gen
TIMEOUT=600
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lines) LINES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --weft) WEFT="$2"; shift 2 ;;
    --logline-gen) GEN="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "agent_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for b in "$WEFT" "$GEN"; do
  [[ -x "$b" ]] || { echo "agent_bench.sh: $b not found (cmake --build build --target weft logline_gen)" >&2; exit 1; }
done

WORK="$(mktemp -d /tmp/weft-agent-bench-XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
now_ms() { date +%s%3N; }
TICKS=$(getconf CLK_TCK)
OFF=(--jaeger-http-addr off --jaeger-compact-addr off --jaeger-binary-addr off)

wait_ports() {  # file pid
  local i=0
  while [[ ! -s "$1" ]]; do
    kill -0 "$2" 2>/dev/null || { echo "process $2 exited before writing $1" >&2; return 1; }
    [[ $i -lt 300 ]] || { echo "no ports file $1" >&2; return 1; }
    sleep 0.1; i=$((i + 1))
  done
}
port_of() { sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" "$1"; }
metric() {  # admin-addr name -> sum of the samples
  curl -s "http://$1/metrics" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%d\n", s }'
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

echo "generating $LINES lines ..."
"$GEN" --lines "$LINES" --out "$WORK/input.log" --stats 2>"$WORK/gen.txt"
cat "$WORK/gen.txt"
BYTES=$(stat -c %s "$WORK/input.log")

start_agent() {  # name forward-url -> sets AGENT_PID, ADMIN
  local name=$1 fwd=$2 dir="$WORK/$1"
  mkdir -p "$dir/logs"
  "$WEFT" agent --data-dir "$dir/data" --otlp-grpc-addr 127.0.0.1:0 --otlp-http-addr 127.0.0.1:0 \
    --zipkin-addr 127.0.0.1:0 --admin-addr 127.0.0.1:0 "${OFF[@]}" --forward "$fwd" \
    --tail "$dir/logs/*.log" --tail-from beginning --tail-window 1s --fsync never \
    --ports-file "$dir/ports.json" >"$dir/agent.log" 2>&1 &
  AGENT_PID=$!
  PIDS+=("$AGENT_PID")
  wait_ports "$dir/ports.json" "$AGENT_PID"
  ADMIN=$(port_of "$dir/ports.json" admin)
}

stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

one_run() {  # mode run
  local mode=$1 run=$2 fwd serve_pid="" name="$1-$2"
  if [[ $mode == e2e ]]; then
    mkdir -p "$WORK/$name-serve"
    "$WEFT" serve --data-dir "$WORK/$name-serve/data" --no-demo --no-ui --otlp-grpc-addr 127.0.0.1:0 \
      --otlp-http-addr 127.0.0.1:0 --zipkin-addr 127.0.0.1:0 --query-addr 127.0.0.1:0 "${OFF[@]}" \
      --fsync interval --ports-file "$WORK/$name-serve/ports.json" >"$WORK/$name-serve/serve.log" 2>&1 &
    serve_pid=$!
    PIDS+=("$serve_pid")
    wait_ports "$WORK/$name-serve/ports.json" "$serve_pid"
    fwd="http://$(port_of "$WORK/$name-serve/ports.json" otlp_http)"
  else
    fwd="http://127.0.0.1:$(free_port)"  # nobody listens: everything stays queued
  fi
  start_agent "$name" "$fwd"
  local pid=$AGENT_PID admin=$ADMIN
  sleep 1
  local cpu0 t0 t1 cpu1 hwm
  cpu0=$(cpu_ticks "$pid")
  t0=$(now_ms)
  ln "$WORK/input.log" "$WORK/$name/logs/app.log"
  local deadline=$(( $(date +%s) + TIMEOUT ))
  while :; do
    local read pending open queued
    read=$(metric "$admin" weft_log_lines_read_total)
    pending=$(metric "$admin" weft_log_lines_pending)
    open=$(metric "$admin" weft_log_traces_open)
    if [[ $read -ge $LINES && $pending -eq 0 && $open -eq 0 ]]; then
      if [[ $mode == queue ]]; then break; fi
      queued=$(metric "$admin" weft_agent_queue_pending_spans)
      [[ $queued -eq 0 ]] && break
    fi
    [[ $(date +%s) -lt $deadline ]] || { echo "run $name: timed out (read $read)" >&2; return 1; }
    sleep 0.05
  done
  t1=$(now_ms)
  cpu1=$(cpu_ticks "$pid")
  hwm=$(status_kb "$pid" VmHWM)
  local spans ms cpu_s
  spans=$(metric "$admin" weft_agent_queue_appended_spans_total)
  ms=$(( t1 - t0 ))
  cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$TICKS" 'BEGIN { printf "%.3f", (b - a) / t }')
  awk -v l="$LINES" -v ms="$ms" -v c="$cpu_s" -v h="$hwm" -v s="$spans" -v m="$mode" -v r="$run" 'BEGIN {
    printf "%s run %d: %d lines in %.2f s = %.0f lines/s; agent CPU %.2f s = %.2f us/line = %.0f lines/s per core; %d spans; peak RSS %.1f MB\n",
      m, r, l, ms / 1000, l / (ms / 1000), c, c * 1e6 / l, (c > 0 ? l / c : 0), s, h / 1024 }' | tee -a "$WORK/results-$mode.txt"
  stop "$pid"
  [[ -n $serve_pid ]] && stop "$serve_pid"
  rm -rf "$WORK/$name"
}

idle_run() {
  start_agent "idle" "http://127.0.0.1:$(free_port)"
  : >"$WORK/idle/logs/app.log"
  sleep 2
  echo "idle: agent RSS $(awk -v k="$(status_kb "$AGENT_PID" VmRSS)" 'BEGIN { printf "%.1f", k / 1024 }') MB" | tee -a "$WORK/results-idle.txt"
  stop "$AGENT_PID"
}

summary() {  # file sed-regex-capturing-the-number label
  [[ -s "$1" ]] || return 0
  sed -n "s/$2/\1/p" "$1" | sort -g | awk -v label="$3" '{ v[NR] = $1 } END {
    printf "  %s: min %s / median %s / max %s (n=%d)\n", label, v[1], v[int((NR + 1) / 2)], v[NR], NR }'
}

echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
     "kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $LINES lines, $BYTES bytes ($(( BYTES / LINES )) bytes/line)"
idle_run
for r in $(seq 1 "$RUNS"); do one_run queue "$r"; done
for r in $(seq 1 "$RUNS"); do one_run e2e "$r"; done
echo "summary:"
for m in queue e2e; do
  echo " $m:"
  summary "$WORK/results-$m.txt" '.* = \([0-9]*\) lines\/s;.*' "lines/s (wall)"
  summary "$WORK/results-$m.txt" '.* = \([0-9]*\) lines\/s per core.*' "lines/s per core of agent CPU"
  summary "$WORK/results-$m.txt" '.*peak RSS \([0-9.]*\) MB.*' "peak RSS MB"
done
