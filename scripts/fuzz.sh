#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang-14 (ASan + UBSan) in build-fuzz/,
# writes their seed corpora with the store's own writers, and runs each target for N
# seconds. Fails if a target crashes (or leaks, times out, runs out of memory); the input
# that did it is kept in build-fuzz/crashes/. See tests/fuzz/README.md.
# Usage: scripts/fuzz.sh [seconds-per-target]   (default 60)
#   FUZZ_TARGETS="block_fuzz wal_fuzz"  only these targets
#   JOBS=N                              build parallelism (default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
jobs=${JOBS:-$(nproc)}
targets=(${FUZZ_TARGETS:-block_fuzz wal_fuzz manifest_fuzz logline_fuzz jaeger_thrift_fuzz})
case "$seconds" in ''|*[!0-9]*) echo "usage: $0 [seconds-per-target]" >&2; exit 2 ;; esac

dir=build-fuzz
for tool in clang-14 clang++-14; do
  command -v "$tool" >/dev/null || { echo "fuzz: $tool not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
CC=clang-14 CXX=clang++-14 cmake -S tests/fuzz -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" -j"$jobs" --target make_seeds "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$dir/make_seeds" "$dir/seeds" >/dev/null
mkdir -p "$dir/crashes" "$dir/logs"

declare -A seeds=([block_fuzz]=block [wal_fuzz]=wal [manifest_fuzz]=manifest [logline_fuzz]=logline
                  [jaeger_thrift_fuzz]=jaeger_thrift)
failed=()
for t in "${targets[@]}"; do
  kind=${seeds[$t]}
  corpus=$dir/corpus/$t       # grows across runs: what the fuzzer found interesting
  mkdir -p "$corpus"
  inputs=("$corpus" "$dir/seeds/$kind")
  # Text seeds kept in git (trace log lines): tests/fuzz/seeds/<kind>/.
  [ -d "tests/fuzz/seeds/$kind" ] && inputs=("$corpus" "tests/fuzz/seeds/$kind")
  # Inputs that once crashed a target (kept in git) are replayed first, every run.
  [ -d "tests/fuzz/regressions/$t" ] && inputs+=("tests/fuzz/regressions/$t")
  log=$dir/logs/$t.log
  echo "== fuzz $t (${seconds}s)"
  set +e
  "$dir/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/$t-" "${inputs[@]}" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "   ${execs:-?} runs, ${rate:-?} exec/s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) files"
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    echo "   FAILED (exit $rc); log: $log" >&2
    grep -E '^(==[0-9]+==|SUMMARY|    #[0-9]+ |artifact_prefix|Test unit written|.*runtime error)' "$log" | head -40 >&2
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed; reproduce with $dir/<target> $dir/crashes/<file>" >&2
  exit 1
fi
echo "fuzz: no crash in ${targets[*]}"
