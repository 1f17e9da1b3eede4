#!/usr/bin/env bash
# ThreadSanitizer run of the C++ SDK's unit tests. Builds sdk/ alone (it is its own CMake
# project, see sdk/CMakeLists.txt) with -fsanitize=thread into build-tsan-sdk/ and runs its
# gtest cases with ctest; the first race reported fails the run (halt_on_error=1).
#
# Not in it: the OTLP/gRPC exporter (WEFT_SDK_GRPC=OFF: libgrpc is not instrumented, so
# TSan would report its internals) and the installed-package test (an ordinary build
# cannot link an instrumented library). The benchmarks are not built.
#
# Usage: scripts/sdk_tsan.sh [extra ctest arguments, e.g. -R Sampling]
# Env:   JOBS (default nproc), WEFT_TSAN_BUILD_DIR (default build-tsan-sdk)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${WEFT_TSAN_BUILD_DIR:-$root/build-tsan-sdk}
jobs=${JOBS:-$(nproc)}

generator=()
if command -v ninja >/dev/null 2>&1 && [ ! -f "$build/Makefile" ]; then generator=(-G Ninja); fi

echo "== configure $build (ThreadSanitizer, SDK only)"
cmake -S sdk -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
  -DWEFT_SDK_TESTS=ON -DWEFT_SDK_GRPC=OFF -DWEFT_SANITIZE=ON >/dev/null

echo "== build weft_sdk_test"
cmake --build "$build" -j"$jobs" --target weft_sdk_test

# halt_on_error: the first report fails the test; second_deadlock_stack: full lock-order
# reports; history_size: longer access history, so reports name both stacks.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:abort_on_error=0:second_deadlock_stack=1:history_size=4}
echo "== ctest (TSAN_OPTIONS=$TSAN_OPTIONS)"
ctest --test-dir "$build" -L unit --output-on-failure -j"$jobs" --timeout 300 "$@"
echo "sdk tsan: all tests passed"
