#!/usr/bin/env bash
# Configures and builds weft. Usage: scripts/build.sh [release|asan]
#   release (default): build/      RelWithDebInfo, with benchmarks
#   asan:              build-asan/ AddressSanitizer + UndefinedBehaviorSanitizer, no benchmarks
# then the web UI (web/, npm) into web/dist, which `weft serve` serves on 16686.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
jobs=${JOBS:-$(nproc)}
case "$kind" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_SANITIZE=ON -DWEFT_BUILD_BENCH=OFF) ;;
  *) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$jobs"

# The web UI, which every build's binary serves from the same web/dist: rebuilt with the
# release build; the asan build only builds it when it is missing.
if [ -f web/package.json ] && { [ "$kind" = release ] || [ ! -f web/dist/index.html ]; }; then
  if [ -d web/node_modules ]; then
    echo "== web UI: npm run build (web/dist)"
    (cd web && npm run build --silent)
  else
    echo "build.sh: web/node_modules is missing, so the web UI is not built" \
         "(run scripts/install-deps.sh, or cd web && npm ci); weft serves its APIs anyway" >&2
  fi
fi
