#!/usr/bin/env bash
# rsyslog as a reference for weft's log-line reading: the same generated trace log lines
# (bench/logline_gen.h, via the `logline_gen` CLI) read by Debian's rsyslog with imfile,
# parsed with mmjsonparse and written out as JSON lines (omfile). Per run: a fresh private
# rsyslogd (-n: not a daemon, its own config, pid file and work directory in a temp dir), timed
# from its start until the last line is out; its CPU time (all threads) and peak RSS (VmHWM)
# read at the end.
#
# rsyslog is a benchmark-only tool: it is NOT in scripts/install-deps.sh. Install it once by
# hand (Debian's package; its own service need not run and is not used):
#     apt-get install -y rsyslog
#
# Usage: bench/rsyslog_reference.sh [--lines N] [--runs R] [--logline-gen PATH] [--keep]
#   --lines N          lines per run (default 1000000)
#   --runs R           runs (default 5); min / median / max are printed
#   --logline-gen P    the generator CLI (default build/bench/logline_gen)
#   --keep             keep the temp dir (config, input, output) for a look
#
# Only processes this script starts are stopped, by their PID.
set -euo pipefail

lines=1000000
runs=5
gen=build/bench/logline_gen
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lines) lines="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --logline-gen) gen="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "rsyslog_reference.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

rsyslogd=$(command -v rsyslogd || true)
[[ -n "$rsyslogd" ]] || rsyslogd=/usr/sbin/rsyslogd
if [[ ! -x "$rsyslogd" ]]; then
  echo "rsyslogd not found: apt-get install -y rsyslog (benchmark only)" >&2
  exit 1
fi
if [[ ! -x "$gen" ]]; then
  echo "$gen not found: cmake --build build --target logline_gen" >&2
  exit 1
fi

tmp=$(mktemp -d /tmp/weft-rsyslog-ref-XXXXXX)
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [[ $keep -eq 0 ]]; then rm -rf "$tmp"; else echo "kept $tmp" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The input: N generated lines, then one sentinel line. rsyslog may write lines slightly out
# of order, so the sentinel (also written to a file of its own) only says "nearly done"; the
# run ends when all N + 1 lines are in the output.
"$gen" --lines "$lines" --out "$tmp/lines.log" --stats
echo '{"x_name":"bench.end","x_trace_id":"end","x_rpc_id":"0","x_timestamp":1}' >> "$tmp/lines.log"
bytes=$(stat -c %s "$tmp/lines.log")

now_ns() { date +%s%N; }

results=()
for run in $(seq 1 "$runs"); do
  rm -rf "$tmp/work" "$tmp/out.json" "$tmp/sentinel.json" "$tmp/rsyslogd.pid"
  mkdir -p "$tmp/work"
  cat > "$tmp/rsyslog.conf" <<EOF
global(workDirectory="$tmp/work" maxMessageSize="64k")
module(load="imfile" mode="inotify")
module(load="mmjsonparse")
template(name="json_line" type="list") {
  property(name="\$!all-json")
  constant(value="\n")
}
ruleset(name="traces") {
  action(type="mmjsonparse" cookie="")
  action(type="omfile" file="$tmp/out.json" template="json_line"
         asyncWriting="on" ioBufferSize="256k" flushInterval="1")
  if \$!x_name == "bench.end" then {
    action(type="omfile" file="$tmp/sentinel.json" template="json_line")
  }
}
input(type="imfile" file="$tmp/lines.log" tag="trace" ruleset="traces" freshStartTail="off")
EOF
  start=$(now_ns)
  "$rsyslogd" -n -f "$tmp/rsyslog.conf" -i "$tmp/rsyslogd.pid" 2> "$tmp/rsyslogd.err" &
  pid=$!
  # Done when the sentinel went through and then every line is in the output.
  until [[ -s "$tmp/sentinel.json" ]] && [[ $(wc -l < "$tmp/out.json") -ge $((lines + 1)) ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "rsyslogd exited early:" >&2
      cat "$tmp/rsyslogd.err" >&2
      exit 1
    fi
    sleep 0.02
  done
  end=$(now_ns)
  hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  # utime + stime of all its threads (fields 14 and 15, after the parenthesized name).
  cpu_ticks=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  out_lines=$(wc -l < "$tmp/out.json")
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
  rate=$(awk -v n="$lines" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')
  cpu=$(awk -v t="$cpu_ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}')
  per_cpu=$(awk -v n="$lines" -v c="$cpu" 'BEGIN {printf "%.0f", (c > 0 ? n / c : 0)}')
  echo "run $run: $lines lines ($bytes bytes) in $secs s = $rate lines/s, CPU $cpu s" \
    "($per_cpu lines per CPU second), peak RSS $((hwm_kb / 1024)) MiB, $out_lines lines out"
  results+=("$rate $hwm_kb $per_cpu")
done

summary() {  # column (1 = lines/s, 2 = KiB), label, divisor
  printf '%s\n' "${results[@]}" | awk -v c="$1" '{print $c}' | sort -n | awk -v label="$2" -v d="$3" '
    { v[NR] = $1 / d }
    END { printf "%s min %.0f / median %.0f / max %.0f\n", label, v[1], v[int((NR + 1) / 2)], v[NR] }'
}
echo "rsyslog $("$rsyslogd" -v | head -1 | awk '{print $2}'), imfile + mmjsonparse + omfile, $lines lines x $runs runs:"
summary 1 "  lines/s:" 1
summary 3 "  lines per CPU second:" 1
summary 2 "  peak RSS MiB:" 1024
