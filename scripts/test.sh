#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs ctest (doctest unit
# and golden suites, CLI contract tests).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure
