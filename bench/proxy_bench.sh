#!/usr/bin/env bash
# `weft sidecar` as a reverse proxy, beside HAProxy and nginx doing the same job: the latency it
# adds to a request and the requests/s it moves per core of its own CPU.
#
# One run starts, on 127.0.0.1:
#   upstream  bench/weft-proxy-upstream (build/bench/): epoll HTTP/1.1 keep-alive server, a
#             fixed 200 with a 13-byte body
#   sidecar   weft sidecar --threads 1, tracing every request (a SERVER span each), exporting
#             over OTLP/HTTP to a weft serve (port 0, its own temp data dir, --fsync never)
#   haproxy   HAProxy (Debian 12: 2.6), nbthread 1, mode http, http-reuse always
#   nginx     nginx (Debian 12: 1.22), one worker (master_process off), proxy_pass to an
#             upstream block with keepalive 128, proxy_http_version 1.1, access_log off
# and measures four targets: direct (wrk -> upstream) and through each of the three proxies.
#
# CPU placement on 2 cores (taskset -a, moved between the two kinds of measurement):
#   latency     wrk, the proxy under test and the upstream all on cpu 0 (weft serve on cpu 1):
#               the request path never crosses cores. On this VM a wakeup across vCPUs costs
#               ~40 µs at the median and milliseconds at p99, more than the proxies themselves,
#               so a path that crosses cores measures the hypervisor, not the proxy.
#   throughput  the proxy alone on cpu 1; wrk, the upstream and weft serve on cpu 0. Whatever
#               the proxy costs (parsing, copying, tracing, span export) runs on cpu 1, where its
#               own CPU time is measured.
# A SCHED_IDLE busy loop on each cpu (chrt --idle; it only runs when nothing else wants the
# cpu) keeps the vCPUs from halting between requests, which otherwise adds 1-4 ms wakeups to
# the tail; --no-spin turns it off.
#
# Per round, for each target (the targets interleaved, so drift hits all alike):
#   latency     wrk -t1 -c1 (one connection, one request at a time, closed loop) for
#               --duration s: p50 / p99 from wrk's own histogram (a Lua done() hook prints the
#               percentiles in µs). "added" = target's percentile - direct's, same round.
#   throughput  wrk -t1 -c64 for --duration s: requests/s, and the proxy's CPU time over the
#               run (utime+stime of its process from /proc/PID/stat) -> requests/s per core of
#               proxy CPU = requests / proxy CPU seconds.
# Before each measurement: 1 s of warm-up load, then a wait until weft serve is idle (it
# ingests the sidecar's spans on cpu 0). Non-2xx answers and socket errors are counted and
# reported; a target with errors is marked.
# After --runs rounds: a markdown table with min / median / max of each figure, and the
# targets (added p50 <= 50 µs, added p99 <= 250 µs, sidecar req/s per core >= HAProxy's).
#
# Usage: bench/proxy_bench.sh [--runs N] [--duration S] [--connections C] [--weft PATH]
#                             [--upstream PATH] [--targets LIST] [--out FILE] [--no-spin]
#   defaults: --runs 5 --duration 10 --connections 64 --weft build/src/cmd/weft
#             --upstream build/bench/weft-proxy-upstream --targets direct,sidecar,haproxy,nginx
#   --out FILE also writes the markdown table to FILE.
# Needs: wrk, haproxy, nginx (apt-get install -y wrk haproxy nginx), taskset and chrt (util-linux),
# curl, python3.
# Only processes this script starts are stopped (by PID), on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=5
DUR=10
CONNS=64
WEFT=build/src/cmd/weft
UPSTREAM=build/bench/weft-proxy-upstream
TARGETS=direct,sidecar,haproxy,nginx
OUT=""
SPIN=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --duration) DUR="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    --weft) WEFT="$2"; shift 2 ;;
    --upstream) UPSTREAM="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --no-spin) SPIN=0; shift ;;
    -h|--help) sed -n '2,47p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "proxy_bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
has_target() { [[ ",$TARGETS," == *",$1,"* ]]; }

missing=()
for tool in wrk taskset chrt curl python3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
has_target haproxy && { command -v haproxy >/dev/null || [[ -x /usr/sbin/haproxy ]] || missing+=(haproxy); }
has_target nginx && { command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx); }
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "proxy_bench.sh: missing ${missing[*]}: apt-get install -y wrk haproxy nginx util-linux curl python3" >&2
  exit 1
fi
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x "$UPSTREAM" ]] || { echo "proxy_bench.sh: $UPSTREAM not found (cmake --build build --target weft-proxy-upstream)" >&2; exit 1; }
if has_target sidecar; then
  [[ -x "$WEFT" ]] || { echo "proxy_bench.sh: $WEFT not found (cmake --build build --target weft)" >&2; exit 1; }
  "$WEFT" sidecar --help >/dev/null 2>&1 || { echo "proxy_bench.sh: $WEFT has no working 'sidecar' command" >&2; exit 1; }
fi
if [[ $(nproc) -lt 2 ]]; then echo "proxy_bench.sh: needs 2 cores (proxy on cpu 1, the rest on cpu 0)" >&2; exit 1; fi
CPU_LOAD=0      # wrk, upstream, weft serve
CPU_PROXY=1     # the proxy under test

WORK="$(mktemp -d /tmp/weft-proxy-bench-XXXXXX)"
PIDS=()
SPINNERS=()
cleanup() {
  local p
  for p in "${SPINNERS[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TICKS=$(getconf CLK_TCK)
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port_of() { sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" "$1"; }
wait_file() {  # file pid
  local i=0
  while [[ ! -s "$1" ]]; do
    kill -0 "$2" 2>/dev/null || { echo "process $2 exited before writing $1" >&2; return 1; }
    [[ $i -lt 300 ]] || { echo "no $1 after 30 s" >&2; return 1; }
    sleep 0.1; i=$((i + 1))
  done
}
wait_http() {  # url pid
  local i=0
  until curl -s -o /dev/null --max-time 1 "$1"; do
    kill -0 "$2" 2>/dev/null || { echo "process $2 exited; $1 never answered" >&2; return 1; }
    [[ $i -lt 300 ]] || { echo "$1 does not answer" >&2; return 1; }
    sleep 0.1; i=$((i + 1))
  done
}

# wrk's Lua hook: one machine-readable line with the percentiles in µs.
cat >"$WORK/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50=%.1f p90=%.1f p99=%.1f p999=%.1f mean=%.1f max=%.1f\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.mean, latency.max))
end
EOF

# Is anything else using the CPU? (measured before this script starts anything)
busy=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat); sleep 1
busy=$(( $(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat) - busy ))
BUSY_WARN=""
if [[ $busy -gt $(( TICKS / 5 )) ]]; then
  BUSY_WARN="WARNING: the machine was busy with other work before the runs ($busy% of one cpu): the numbers will be noisy"
fi

# ---------- start everything ----------

"$UPSTREAM" --listen 127.0.0.1:0 --ports-file "$WORK/upstream.json" >"$WORK/upstream.log" 2>&1 &
UP_PID=$!; PIDS+=("$UP_PID")
wait_file "$WORK/upstream.json" "$UP_PID"
taskset -pc "$CPU_LOAD" "$UP_PID" >/dev/null
UP=$(port_of "$WORK/upstream.json" listen)
declare -A URL PID
URL[direct]="http://$UP/"
PID[direct]=""

if has_target sidecar; then
  mkdir -p "$WORK/serve"
  taskset -c "$CPU_LOAD" "$WEFT" serve --data-dir "$WORK/serve/data" --no-demo --no-ui --fsync never \
    --otlp-grpc-addr 127.0.0.1:0 --otlp-http-addr 127.0.0.1:0 --zipkin-addr 127.0.0.1:0 --query-addr 127.0.0.1:0 \
    --jaeger-http-addr off --jaeger-compact-addr off --jaeger-binary-addr off \
    --ports-file "$WORK/serve/ports.json" >"$WORK/serve/serve.log" 2>&1 &
  SERVE_PID=$!; PIDS+=("$SERVE_PID")
  wait_file "$WORK/serve/ports.json" "$SERVE_PID"
  SERVE_OTLP=$(port_of "$WORK/serve/ports.json" otlp_http)
  SERVE_QUERY=$(port_of "$WORK/serve/ports.json" query)
  taskset -c "$CPU_PROXY" "$WEFT" sidecar --listen 127.0.0.1:0 --upstream "$UP" --service proxy-bench \
    --endpoint "http://$SERVE_OTLP" --threads 1 --admin-addr 127.0.0.1:0 \
    --ports-file "$WORK/sidecar.json" >"$WORK/sidecar.log" 2>&1 &
  PID[sidecar]=$!; PIDS+=("${PID[sidecar]}")
  wait_file "$WORK/sidecar.json" "${PID[sidecar]}"
  URL[sidecar]="http://$(port_of "$WORK/sidecar.json" listen)/"
  SIDECAR_ADMIN=$(port_of "$WORK/sidecar.json" admin)
fi

if has_target haproxy; then
  HP=$(free_port)
  cat >"$WORK/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend fe
  bind 127.0.0.1:$HP
  default_backend be
backend be
  server up $UP maxconn 1000
EOF
  taskset -c "$CPU_PROXY" "$HAPROXY" -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
  PID[haproxy]=$!; PIDS+=("${PID[haproxy]}")
  URL[haproxy]="http://127.0.0.1:$HP/"
  wait_http "${URL[haproxy]}" "${PID[haproxy]}"
fi

if has_target nginx; then
  NP=$(free_port)
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream up { server $UP; keepalive 128; }
  server {
    listen 127.0.0.1:$NP;
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  taskset -c "$CPU_PROXY" "$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" \
    >"$WORK/nginx/stdout.log" 2>&1 &
  PID[nginx]=$!; PIDS+=("${PID[nginx]}")
  URL[nginx]="http://127.0.0.1:$NP/"
  wait_http "${URL[nginx]}" "${PID[nginx]}"
fi

for t in "${TARGET_LIST[@]}"; do
  [[ -n ${URL[$t]:-} ]] || { echo "proxy_bench.sh: unknown target $t" >&2; exit 2; }
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${URL[$t]}")
  [[ $code == 200 ]] || { echo "proxy_bench.sh: $t answered $code to a GET" >&2; exit 1; }
done

# Move the processes for a kind of measurement (see the header): every thread (taskset -a).
pin() { taskset -a -p -c "$1" "$2" >/dev/null; }
place() {  # latency | throughput
  local t p
  if [[ $1 == latency ]]; then
    for t in "${TARGET_LIST[@]}"; do p=${PID[$t]}; [[ -n $p ]] && pin "$CPU_LOAD" "$p"; done
    [[ -n ${SERVE_PID:-} ]] && pin "$CPU_PROXY" "$SERVE_PID"
  else
    for t in "${TARGET_LIST[@]}"; do p=${PID[$t]}; [[ -n $p ]] && pin "$CPU_PROXY" "$p"; done
    [[ -n ${SERVE_PID:-} ]] && pin "$CPU_LOAD" "$SERVE_PID"
  fi
  return 0
}
if [[ $SPIN == 1 ]]; then
  for c in "$CPU_LOAD" "$CPU_PROXY"; do
    chrt --idle 0 taskset -c "$c" sh -c 'while :; do :; done' &
    SPINNERS+=("$!")
  done
fi

# Wait until weft serve has ingested what the sidecar sent (its CPU stops moving).
settle() {
  [[ -n ${SERVE_PID:-} ]] || return 0
  local a b i
  a=$(cpu_ticks "$SERVE_PID")
  for i in $(seq 1 60); do
    sleep 0.5
    b=$(cpu_ticks "$SERVE_PID")
    [[ $((b - a)) -le 2 ]] && return 0
    a=$b
  done
}

wrk_run() {  # url connections seconds -> RESULT line
  taskset -c "$CPU_LOAD" wrk -t1 -c"$2" -d"$3"s --latency -s "$WORK/report.lua" "$1" 2>&1 | grep '^RESULT' || echo "RESULT failed"
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }

[[ -n $BUSY_WARN ]] && echo "$BUSY_WARN"
echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions: $("$HAPROXY" -v 2>/dev/null | head -1 | cut -d' ' -f1-3); $("$NGINX" -v 2>&1); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "latency: wrk, proxy, upstream on cpu $CPU_LOAD (weft serve on cpu $CPU_PROXY); throughput: proxy on cpu $CPU_PROXY," \
  "wrk (1 thread), upstream, weft serve on cpu $CPU_LOAD; SCHED_IDLE spinners: $([[ $SPIN == 1 ]] && echo on || echo off)"
echo "rounds: $RUNS; each: latency (wrk -t1 -c1 -d${DUR}s), throughput (wrk -t1 -c$CONNS -d${DUR}s)"
RES="$WORK/results.txt"
: >"$RES"
for r in $(seq 1 "$RUNS"); do
  for t in "${TARGET_LIST[@]}"; do
    url=${URL[$t]}
    place latency
    settle
    wrk_run "$url" 1 1 >/dev/null            # warm-up
    settle
    lat=$(wrk_run "$url" 1 "$DUR")
    place throughput
    settle
    wrk_run "$url" "$CONNS" 1 >/dev/null      # warm-up
    settle
    pid=${PID[$t]}
    c0=0; [[ -n $pid ]] && c0=$(cpu_ticks "$pid")
    tput=$(wrk_run "$url" "$CONNS" "$DUR")
    c1=0; [[ -n $pid ]] && c1=$(cpu_ticks "$pid")
    line=$(awk -v t="$t" -v r="$r" -v tk="$TICKS" -v c0="$c0" -v c1="$c1" \
      -v lp50="$(field "$lat" p50)" -v lp99="$(field "$lat" p99)" -v le="$(field "$lat" errors)" -v ln="$(field "$lat" non2xx)" \
      -v treq="$(field "$tput" requests)" -v tdur="$(field "$tput" duration_us)" -v te="$(field "$tput" errors)" \
      -v tn="$(field "$tput" non2xx)" 'BEGIN {
        rps = (tdur > 0) ? treq / (tdur / 1e6) : 0
        cpu = (c1 - c0) / tk
        cores = (tdur > 0) ? cpu / (tdur / 1e6) : 0
        per = (cpu > 0) ? treq / cpu : 0
        printf "run=%d target=%s p50=%s p99=%s rps=%.0f proxy_cores=%.3f rps_per_core=%.0f errors=%d", r, t, lp50, lp99, rps, cores, per, le + ln + te + tn }')
    echo "$line" | tee -a "$RES"
  done
done

if [[ -n ${SIDECAR_ADMIN:-} ]]; then
  settle
  echo "sidecar /metrics after the runs (span and export counters):"
  curl -s --max-time 5 "http://$SIDECAR_ADMIN/metrics" | grep -v '^#' | grep -Ei 'span|export|drop|request' | sed 's/^/  /' | head -40 || true
  n=$(curl -s --max-time 10 "http://$SERVE_QUERY/api/v1/search?service=proxy-bench&limit=1" >/dev/null && echo ok || echo "no answer")
  echo "weft serve query API: $n; its log: $(tail -c 300 "$WORK/serve/serve.log" | tr '\n' ' ')"
fi

# ---------- summary ----------
python3 - "$RES" "$RUNS" "$DUR" "$CONNS" "$OUT" "${TARGET_LIST[@]}" <<'EOF'
import sys, statistics
res, runs, dur, conns, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
targets = sys.argv[6:]
rows = []
for line in open(res):
    d = dict(kv.split('=', 1) for kv in line.split())
    rows.append(d)
def num(x):
    try: return float(x)
    except ValueError: return float('nan')
by = {}
for d in rows:
    by.setdefault(d['target'], {})[int(d['run'])] = d
def mmm(vals, fmt='{:.0f}'):
    vals = sorted(v for v in vals if v == v)
    if not vals: return 'n/a'
    return ' / '.join(fmt.format(v) for v in (vals[0], statistics.median(vals), vals[-1]))
lines = []
lines.append(f'min / median / max over {runs} rounds; latency: wrk -t1 -c1 -d{dur}s; throughput: wrk -t1 -c{conns} -d{dur}s')
lines.append('')
lines.append('| target | p50 µs | p99 µs | added p50 µs | added p99 µs | req/s (c%s) | proxy CPU (cores) | req/s per proxy core | errors |' % conns)
lines.append('|---|---|---|---|---|---|---|---|---|')
direct = by.get('direct', {})
summary = {}
for t in targets:
    rr = by.get(t, {})
    p50 = [num(d['p50']) for d in rr.values()]
    p99 = [num(d['p99']) for d in rr.values()]
    add50 = [num(d['p50']) - num(direct[r]['p50']) for r, d in rr.items() if r in direct] if t != 'direct' else []
    add99 = [num(d['p99']) - num(direct[r]['p99']) for r, d in rr.items() if r in direct] if t != 'direct' else []
    rps = [num(d['rps']) for d in rr.values()]
    cores = [num(d['proxy_cores']) for d in rr.values()]
    per = [num(d['rps_per_core']) for d in rr.values()]
    errs = sum(int(d['errors']) for d in rr.values())
    summary[t] = dict(add50=add50, add99=add99, per=per)
    dash = t == 'direct'
    lines.append('| {} | {} | {} | {} | {} | {} | {} | {} | {} |'.format(
        t, mmm(p50, '{:.1f}'), mmm(p99, '{:.1f}'),
        '—' if dash else mmm(add50, '{:.1f}'), '—' if dash else mmm(add99, '{:.1f}'),
        mmm(rps), '—' if dash else mmm(cores, '{:.2f}'), '—' if dash else mmm(per), errs))
lines.append('')
if 'sidecar' in summary:
    s = summary['sidecar']
    med = lambda v: statistics.median(v) if v else float('nan')
    checks = [
        ('sidecar added p50 <= 50 µs (median)', med(s['add50']) <= 50, '%.1f µs' % med(s['add50'])),
        ('sidecar added p99 <= 250 µs (median)', med(s['add99']) <= 250, '%.1f µs' % med(s['add99'])),
    ]
    if 'haproxy' in summary:
        checks.append(('sidecar req/s per core >= HAProxy\'s (median)', med(s['per']) >= med(summary['haproxy']['per']),
                       '%.0f vs %.0f' % (med(s['per']), med(summary['haproxy']['per']))))
    for name, ok, val in checks:
        lines.append(f'- {name}: {"met" if ok else "MISSED"} ({val})')
text = '\n'.join(lines)
print()
print(text)
if out:
    open(out, 'w').write(text + '\n')
EOF
