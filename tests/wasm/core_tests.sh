#!/usr/bin/env bash
# Builds the core and its doctest suite with Emscripten and runs it under
# node, so the native and WebAssembly builds of the core are known to agree.
#   core_tests.sh SOURCE_DIR DATA_DIR OUT_DIR
set -euo pipefail
src=$1 data=$2 out=$3
mkdir -p "$out"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
# Debian's emscripten: never -I/usr/include (its libc++ must win); system
# headers (nlohmann, doctest) come after via -idirafter.
flags=(-std=c++20 -O2 -fexceptions -I"$src/core/include" -idirafter /usr/include)
objs=()
for f in "$src"/core/src/*.cpp; do
  o="$out/$(basename "$f" .cpp).o"
  if [ ! -f "$o" ] || [ "$f" -nt "$o" ] || [ -n "$(find "$src/core/include" -newer "$o" -name '*.hpp' | head -1)" ]; then
    em++ "${flags[@]}" -c "$f" -o "$o"
  fi
  objs+=("$o")
done
em++ "${flags[@]}" -DPARLEY_SOURCE_DIR="\"$src\"" -DPARLEY_DATA_DIR="\"$data\"" "${objs[@]}" "$src"/tests/core/*.cpp \
  -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -sTOTAL_STACK=5MB -o "$out/core_tests.js" 2> >(grep -v 'warning\|note:\|DOCTEST\|\^\|^ *$\|generated' >&2 || true)
# Emscripten 3.1.6 fetches the .wasm with fetch() when it exists; node's
# fetch cannot read a file path, so use the fs fallback.
node --no-experimental-fetch "$out/core_tests.js" --no-colors=true
