#!/usr/bin/env bash
# Builds the WebAssembly core (scripts/build-wasm.sh, idempotent) and compares
# it with the native reference `parley replay` (tests/wasm/parity.mjs).
#   parity.sh ROOT DATA_DIR PARLEY_BINARY
set -euo pipefail
root=$1 data=$2 parley=$3
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
command -v em++ >/dev/null 2>&1 || { echo "parity.sh: em++ not found" >&2; exit 1; }
"$root/scripts/build-wasm.sh"
node "$root/tests/wasm/parity.mjs" "$root" "$data" "$parley"
