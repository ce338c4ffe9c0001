#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs ctest (doctest unit
# and golden suites, CLI contract tests, the core under wasm, the server's
# end-to-end tests over real sockets with SQLite and a throwaway PostgreSQL,
# and the Playwright browser tests in Debian's Chromium).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure
