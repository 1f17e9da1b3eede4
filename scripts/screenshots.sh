#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png (shown in the README) by running the UI's end-to-end
# tests with WEFT_UI_SCREENSHOTS set. Needs the release build and the UI built
# (scripts/build.sh) and Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export WEFT_BIN=${WEFT_BIN:-$PWD/build/src/cmd/weft}
export WEFT_UI_SCREENSHOTS=$PWD/docs/screenshots
node --test --test-concurrency=1 web/e2e/
ls -l docs/screenshots
