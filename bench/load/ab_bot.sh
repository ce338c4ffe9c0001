#!/usr/bin/env bash
# Interleaved A/B of two `parley serve` binaries on the bot path (BM25 only),
# for a machine whose speed drifts from minute to minute (this one's closed-loop
# throughput moved 3,700-5,600 replies/s with one binary within half an hour):
# each round runs A then B with a fresh data dir, the server on CPU 0 with one
# io thread and the generator on CPU 1, as run_load.sh does. One JSON line per
# measurement on stdout, tagged with the binary's file name.
#
#   bench/load/ab_bot.sh ROUNDS RATES BINARY_A BINARY_B    # e.g. 8 2500 /tmp/old build/server/parley
#   CLOSED_S=6 bench/load/ab_bot.sh ...                    # a closed-loop run first in each
set -euo pipefail
(($# == 4)) || { echo "usage: bench/load/ab_bot.sh ROUNDS RATES BINARY_A BINARY_B" >&2; exit 2; }
rounds=$1 rates=$2
bins=("$3" "$4")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
load=$root/build/bench/load/parley_load
[[ -x $load ]] || { echo "ab_bot.sh: build $load first" >&2; exit 1; }
[[ ${bins[0]##*/} != "${bins[1]##*/}" ]] || { echo "ab_bot.sh: give the binaries different file names" >&2; exit 2; }
work=$(mktemp -d /tmp/parley-ab-XXXXXX)
pid=""
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
jq 'del(.business_hours)' "$root/demo/shop.json" >"$work/shop.json"
for ((r = 1; r <= rounds; r++)); do
    for b in "${bins[@]}"; do
        d=$work/$r-${b##*/}
        mkdir -p "$d"
        taskset -c 0 "$b" serve --port 0 --data "$d" --config "$work/shop.json" --no-rate-limits --quiet \
            --threads 1 --no-model >"$d.out" 2>"$d.err" &
        pid=$!
        port=""
        for _ in $(seq 100); do
            port=$(sed -nE '1s|.*http://127\.0\.0\.1:([0-9]+)/.*|\1|p' "$d.out")
            [[ -n $port ]] && break
            sleep 0.1
        done
        [[ -n $port ]] || { echo "ab_bot.sh: $b did not start" >&2; cat "$d.err" >&2; exit 1; }
        taskset -c 1 "$load" bot --port "$port" --server-pid "$pid" --sockets 200 --config "$work/shop.json" \
            --rates "$rates" --closed-s "${CLOSED_S:-0}" --warmup-s 2 --measure-s 5 2>/dev/null |
            grep '^{' | jq -c --arg bin "${b##*/}" --argjson round "$r" \
                'select(.scenario == "bot_open_loop" or .scenario == "bot_closed_loop")
                 | {bin: $bin, round: $round, scenario, rate, replies_per_s, p50_ms, p99_ms, max_ms, server_cpu_cores}'
        kill "$pid"
        wait "$pid" 2>/dev/null || true
        pid=""
    done
done
