#!/usr/bin/env bash
# Runs the product: `parley serve` with the bundled demo shop on embedded
# SQLite under ./parley-data (extra arguments go to `parley serve`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" >&2
cd "$root"
exec "$root/build/server/parley" serve "$@"
