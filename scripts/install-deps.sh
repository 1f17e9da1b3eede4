#!/usr/bin/env bash
# Installs every Debian package and npm module weft needs to build, run and test.
# Idempotent: safe to run again; does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libboost-dev rapidjson-dev libsimdjson-dev libzstd-dev libxxhash-dev zlib1g-dev
  libcli11-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
  nodejs npm
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian's packages on some images; accept them if present.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]:-}"
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm modules for the integration tests (real OpenTelemetry JS exporters) and for the web
# UI (TypeScript, Vite; scripts/build.sh builds it into web/dist).
for dir in tests/integration web; do
  [ -f "$dir/package.json" ] || continue
  (cd "$dir" && if [ ! -d node_modules ] || [ package.json -nt node_modules ]; then
     npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
     touch node_modules
   fi)
done
