#!/usr/bin/env bash
# Builds the core as WebAssembly (wasm/) with Debian's Emscripten into
# build-wasm/: build-wasm/wasm/parley-core.mjs + parley-core.wasm, the ES
# module the widget's worker loads, and parley-encoder.mjs + parley-encoder.wasm,
# the student sentence encoder the worker loads lazily. Idempotent; without em++ it warns and
# exits 0 (scripts/install-deps.sh installs emscripten).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build-wasm"
if ! command -v em++ >/dev/null 2>&1 || ! command -v emcmake >/dev/null 2>&1; then
  echo "build-wasm.sh: warning: em++/emcmake not found, the WebAssembly core is not built" >&2
  exit 0
fi
# Debian's emscripten runs its JS tools with node and needs its node modules.
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ -f "$out/CMakeCache.txt" ] && ! grep -q "^CMAKE_GENERATOR:INTERNAL=Ninja" "$out/CMakeCache.txt" \
   && [ ${#generator[@]} -gt 0 ]; then
  rm -rf "$out"  # configured with another generator: start over
fi
emcmake cmake -S "$root" -B "$out" "${generator[@]}" -DCMAKE_BUILD_TYPE=MinSizeRel \
  -DPARLEY_BUILD_TESTS=OFF -DPARLEY_BUILD_BENCH=OFF >/dev/null
cmake --build "$out" --target parley_wasm parley_wasm_worker parley_encoder_wasm -j "${PARLEY_JOBS:-$(nproc)}"
for f in parley-core.mjs parley-core.wasm parley-core-worker.mjs parley-core-worker.wasm parley-encoder.mjs parley-encoder.wasm; do
  test -s "$out/wasm/$f" || { echo "build-wasm.sh: $out/wasm/$f is missing" >&2; exit 1; }
done
echo "build-wasm.sh: $out/wasm/parley-core.mjs"
echo "build-wasm.sh: $out/wasm/parley-core.wasm"
echo "build-wasm.sh: $out/wasm/parley-encoder.mjs"
echo "build-wasm.sh: $out/wasm/parley-encoder.wasm"
