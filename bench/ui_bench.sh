#!/usr/bin/env bash
# Web UI benchmark (bench/ui_bench.mjs): time to an interactive trace waterfall at 1k, 10k
# and 100k spans, and frame times while scrolling 100k spans, in headless Chromium.
#
# Builds nothing: it needs build/src/cmd/weft (cmake + ninja), web/dist (cd web && npm run
# build), web/node_modules (cd web && npm ci) and Chromium (/usr/bin/chromium). Every
# argument goes to ui_bench.mjs (--help lists them); the Markdown report is on stdout.
#
# Usage: bench/ui_bench.sh [--runs 5] [--sizes 1000,10000,100000] [--scroll-seconds 5] …
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
missing=0
need() { if [[ ! -e "$1" ]]; then echo "ui_bench: $1 is missing: $2" >&2; missing=1; fi; }
need "${WEFT:-$root/build/src/cmd/weft}" "build weft (cmake -S . -B build -G Ninja && ninja -C build)"
need "$root/web/dist/index.html" "build the UI (cd web && npm run build)"
need "$root/web/node_modules/playwright-core" "install the UI's packages (cd web && npm ci)"
need "${WEFT_CHROMIUM:-/usr/bin/chromium}" "install Chromium (apt-get install chromium)"
command -v node >/dev/null || { echo "ui_bench: node is not installed" >&2; missing=1; }
[[ $missing == 0 ]] || exit 2
exec node "$root/bench/ui_bench.mjs" "$@"
