#!/usr/bin/env bash
# Configures and builds the native tree (Release) into build/, then the web
# pages (agent console, demo shop) into build/www/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j "$(nproc)"
"$root/scripts/build-wasm.sh"
"$root/scripts/build-web.sh"
