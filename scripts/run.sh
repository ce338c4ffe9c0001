#!/usr/bin/env bash
# Runs the product with the bundled demo shop. Until `parley serve` lands
# (issue 3) this is the terminal chat over the same core: `parley chat`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" >&2
exec "$root/build/server/parley" chat "$@"
