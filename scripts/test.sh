#!/usr/bin/env bash
# Builds weft and runs every test: unit and integration tests on the release build, the
# fuzz targets for a bounded time, the C++ SDK's unit tests under ThreadSanitizer, then unit
# and integration tests again on an AddressSanitizer + UndefinedBehaviorSanitizer build.
# Usage: scripts/test.sh [release|tsan|asan|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
jobs=${JOBS:-$(nproc)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp}

run_suite() {
  local dir=$1
  echo "== unit tests ($dir)"
  ctest --test-dir "$dir" -L unit --output-on-failure -j"$jobs" --timeout 600
  echo "== integration tests ($dir)"
  ctest --test-dir "$dir" -L integration --output-on-failure --timeout 1500
}

if [ "$what" = release ] || [ "$what" = all ]; then
  scripts/build.sh release
  if [ -f web/package.json ]; then
    echo "== web unit tests (vitest)"
    (cd web && npx vitest run)
  fi
  run_suite build
  # libFuzzer targets for the block, WAL and manifest decoders, bounded in time
  # (tests/fuzz/README.md); FUZZ_SECONDS=0 skips them.
  if [ "${FUZZ_SECONDS:-60}" != 0 ]; then
    echo "== fuzz (${FUZZ_SECONDS:-60} s per target)"
    scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
  fi
fi
if [ "$what" = tsan ] || [ "$what" = all ]; then
  echo "== SDK unit tests under ThreadSanitizer"
  scripts/sdk_tsan.sh
fi
if [ "$what" = asan ] || [ "$what" = all ]; then
  scripts/build.sh asan
  run_suite build-asan
fi
echo "all tests passed"
