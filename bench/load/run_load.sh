#!/usr/bin/env bash
# Server load benchmark (issue 3): starts `parley serve` (fresh temp data dir per
# scenario), drives it with build/bench/load/parley_load and stops it again.
#
#   bench/load/run_load.sh [--only idle,bot,relay,relay2] [--no-build] [--out FILE] [--quick]
#
#   idle    10,000 idle shopper sockets: server RSS per socket (target ≤ 50 KB)
#   bot     bot replies: closed loop (max throughput), then an open-loop rate sweep
#           (target ≥ 5,000/s at p99 ≤ 20 ms)
#   relay   agent ↔ shopper relay on one node, 1,000 messages/s each way (target p99 ≤ 10 ms)
#   relay2  the same across two nodes sharing one PostgreSQL (shoppers on A, agents on B)
#
# Prints a Markdown summary on stdout (progress on stderr); every JSON line goes to
# --out (default bench/results/load.jsonl). Knobs (environment):
#   SERVER_CPUS=0 LOAD_CPUS=1   taskset CPU lists: the server(s) and the generator get
#                               their own cores on the 2-core machine ("" = no pinning)
#   SERVER_THREADS=1            parley serve --threads (relay2: RELAY2_THREADS=4, unpinned)
#   IDLE_SOCKETS=10000 BOT_SOCKETS=200 BOT_RATES=1000,2000,... BOT_VARIANTS=bm25,student
#   RELAY_CONVERSATIONS=100 RELAY_AGENTS=4 RELAY_RATE=1000 RELAY_SECONDS=18
# The servers run with --no-rate-limits (one IP sends what thousands of shoppers
# would) and a copy of demo/shop.json without business hours (handoffs must reach
# an agent at any time of day).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$root/build
parley=$build/server/parley
load=$build/bench/load/parley_load
out=$root/bench/results/load.jsonl
only="idle,bot,relay,relay2"
do_build=1
quick=0
while (($#)); do
    case $1 in
        --only) only=$2; shift ;;
        --out) out=$2; shift ;;
        --no-build) do_build=0 ;;
        --quick) quick=1 ;;
        *) echo "usage: bench/load/run_load.sh [--only idle,bot,relay,relay2] [--no-build] [--out FILE] [--quick]" >&2
           exit 2 ;;
    esac
    shift
done
for tool in jq taskset; do
    command -v "$tool" >/dev/null || { echo "run_load.sh: $tool not found" >&2; exit 1; }
done

SERVER_CPUS=${SERVER_CPUS-0}
LOAD_CPUS=${LOAD_CPUS-1}
SERVER_THREADS=${SERVER_THREADS:-1}
IDLE_SOCKETS=${IDLE_SOCKETS:-10000}
BOT_SOCKETS=${BOT_SOCKETS:-200}
BOT_RATES=${BOT_RATES:-500,1000,1500,2000,3000,4000,5000,6000}
BOT_VARIANTS=${BOT_VARIANTS:-bm25,student}
RELAY_CONVERSATIONS=${RELAY_CONVERSATIONS:-100}
RELAY_AGENTS=${RELAY_AGENTS:-4}
RELAY_RATE=${RELAY_RATE:-1000}
RELAY_SECONDS=${RELAY_SECONDS:-18}
if ((quick)); then
    IDLE_SOCKETS=1000 BOT_RATES=1000,2000 RELAY_SECONDS=3
fi
((SERVER_THREADS >= 1)) || { echo "run_load.sh: SERVER_THREADS must be ≥ 1" >&2; exit 2; }
# One pinned core per server thread would be fairer, but we only have two.
nproc_=$(nproc)

if ((do_build)); then
    if [[ ! -f $build/build.ninja ]]; then
        cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
    fi
    ninja -C "$build" -j2 parley parley_load >&2
fi
[[ -x $parley && -x $load ]] || { echo "run_load.sh: build $parley and $load first" >&2; exit 1; }

work=$(mktemp -d /tmp/parley-load-XXXXXX)
server_pids=()
pg_dir=""
pg_bindir=""
as_postgres=()
cleanup() {
    local p
    for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${server_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if [[ -n $pg_dir ]]; then
        "${as_postgres[@]}" "$pg_bindir/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$pg_dir"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pin() {  # pin CPULIST command…: taskset when a list is given
    local cpus=$1
    shift
    if [[ -n $cpus ]]; then taskset -c "$cpus" "$@"; else "$@"; fi
}

jq 'del(.business_hours)' "$root/demo/shop.json" >"$work/shop.json"
password=load-test-pass

# add_agents STORE-ARGS…: agent1@load.test … agentN@load.test
add_agents() {
    local i
    for ((i = 1; i <= RELAY_AGENTS; i++)); do
        echo "$password" | "$parley" agents add "$@" --email "agent$i@load.test" --name "Agent $i" \
            --role agent >/dev/null
    done
}

# start_server NAME EXTRA-ARGS…: sets $port and $spid.
start_server() {
    local name=$1
    shift
    mkdir -p "$work/$name"
    local cmd=("$parley" serve --port 0 --data "$work/$name" --config "$work/shop.json"
        --no-rate-limits --quiet --threads "$SERVER_THREADS" "$@")
    # Started directly (not through a function) so that $! is the server's pid
    # (taskset execs it): RSS and CPU are read from /proc/$!.
    if [[ -n $SERVER_CPUS ]]; then
        taskset -c "$SERVER_CPUS" "${cmd[@]}" >"$work/$name.out" 2>"$work/$name.err" &
    else
        "${cmd[@]}" >"$work/$name.out" 2>"$work/$name.err" &
    fi
    spid=$!
    server_pids+=("$spid")
    port=""
    local i
    for ((i = 0; i < 200; i++)); do
        port=$(sed -nE '1s|.*http://127\.0\.0\.1:([0-9]+)/.*|\1|p' "$work/$name.out" 2>/dev/null || true)
        [[ -n $port ]] && return 0
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
    done
    echo "run_load.sh: server $name did not start:" >&2
    cat "$work/$name.err" >&2
    exit 1
}

stop_servers() {
    local p
    for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${server_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    server_pids=()
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A throwaway PostgreSQL cluster like tests/server/postgres_fixture.hpp: trust
# auth on 127.0.0.1, fsync off (durability does not matter here). As root the
# server programs run as `postgres` through runuser.
start_postgres() {
    pg_bindir=${PARLEY_PG_BINDIR:-/usr/lib/postgresql/15/bin}
    [[ -x $pg_bindir/initdb ]] || { echo "run_load.sh: no PostgreSQL in $pg_bindir" >&2; return 1; }
    pg_dir=$(mktemp -d /tmp/parley-load-pg-XXXXXX)
    if ((EUID == 0)); then
        chown postgres: "$pg_dir"
        as_postgres=(runuser -u postgres --)
    fi
    chmod 700 "$pg_dir"
    (cd "$pg_dir" && "${as_postgres[@]}" "$pg_bindir/initdb" -D "$pg_dir/data" -U postgres \
        --auth=trust -E UTF8 --locale=C --no-sync >"$pg_dir/initdb.log" 2>&1) ||
        { cat "$pg_dir/initdb.log" >&2; return 1; }
    cat >>"$pg_dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pg_dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
EOF
    pg_port=$(free_port)
    (cd "$pg_dir" && "${as_postgres[@]}" "$pg_bindir/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" \
        -o "-p $pg_port" -w -t 60 start >/dev/null) || { cat "$pg_dir/server.log" >&2; return 1; }
    "$pg_bindir/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres \
        -c "CREATE DATABASE parley_load" >/dev/null
    pg_url="postgresql://postgres@127.0.0.1:$pg_port/parley_load"
}

mkdir -p "$(dirname "$out")"
: >"$out"
label="server_cpus=${SERVER_CPUS:-all} threads=$SERVER_THREADS generator_cpus=${LOAD_CPUS:-all}"
base_label=$label

# run_gen SCENARIO ARGS…: the generator, its JSON lines to $out (and kept in $last).
run_gen() {
    local lines
    lines=$(pin "$LOAD_CPUS" "$load" "$@" --label "$label") || { echo "run_load.sh: parley_load $1 failed" >&2; return 1; }
    last=$(grep '^{' <<<"$lines" || true)
    [[ -n $last ]] && printf '%s\n' "$last" >>"$out"
    return 0
}

# Another process eating the CPUs makes every number here meaningless: say so.
busy=$(awk '{print $1}' /proc/loadavg)
if awk -v l="$busy" 'BEGIN { exit !(l > 0.5) }'; then
    echo "run_load.sh: warning: load average $busy before start; results will be noisy" >&2
fi

failed=0
md=""
f() { jq -r "$1" <<<"$2"; }

if [[ ,$only, == *,idle,* ]]; then
    echo "== idle shopper sockets ($IDLE_SOCKETS)" >&2
    start_server idle
    if run_gen idle --port "$port" --server-pid "$spid" --sockets "$IDLE_SOCKETS" --sources 4 --idle-s 5; then
        j=$(jq -c 'select(.scenario=="idle_sockets")' <<<"$last")
        md+="| idle shopper sockets | $(f .ready "$j") of $(f .sockets "$j") open (hello → welcome + greeting) | server RSS $(f .rss_before_kb "$j") → $(f .rss_after_kb "$j") KB: **$(f .kb_per_socket "$j") KB/socket** | ≤ 50 KB |"$'\n'
    else failed=1; fi
    stop_servers
fi

if [[ ,$only, == *,bot,* ]]; then
    # Twice: BM25 alone (a server answering for browsers that embed their own
    # messages, or a shop without the model) and with the student encoder
    # embedding every message in process (parley serve's default).
    for variant in ${BOT_VARIANTS//,/ }; do
        case $variant in
            bm25) extra=(--no-model) vname="BM25 only" ;;
            student) extra=() vname="student in process" ;;
            *) echo "run_load.sh: unknown BOT_VARIANTS entry $variant" >&2; exit 2 ;;
        esac
        echo "== bot replies, $vname ($BOT_SOCKETS sockets)" >&2
        label="$base_label variant=$variant"  # into every JSON line
        start_server "bot-$variant" "${extra[@]}"
        if run_gen bot --port "$port" --server-pid "$spid" --sockets "$BOT_SOCKETS" --config "$work/shop.json" \
            --rates "$BOT_RATES" --closed-s 8 --warmup-s 2 --measure-s 5; then
            j=$(jq -c 'select(.scenario=="bot_closed_loop")' <<<"$last")
            md+="| bot ($vname), closed loop | $(f .sockets "$j") sockets × 1 in flight | **$(f .replies_per_s "$j") replies/s**, p50 $(f .p50_ms "$j") / p99 $(f .p99_ms "$j") / max $(f .max_ms "$j") ms, server $(f .server_cpu_cores "$j") cores | max throughput |"$'\n'
            while read -r j; do
                md+="| bot ($vname), open loop | $(f .rate "$j")/s over $(f .sockets "$j") sockets | $(f .replies_per_s "$j") replies/s, p50 $(f .p50_ms "$j") / **p99 $(f .p99_ms "$j")** / max $(f .max_ms "$j") ms, server $(f .server_cpu_cores "$j") cores | $(jq -r 'if .meets_p99_target then "p99 ≤ 20 ms: yes" else "p99 ≤ 20 ms: no" end' <<<"$j") |"$'\n'
            done < <(jq -c 'select(.scenario=="bot_open_loop")' <<<"$last")
            j=$(jq -c 'select(.scenario=="bot_summary")' <<<"$last")
            md+="| bot ($vname), best sustainable | | **$(f .best_rate_meeting_p99 "$j") messages/s** with p99 ≤ 20 ms | ≥ 5,000/s |"$'\n'
        else failed=1; fi
        stop_servers
    done
    label=$base_label
fi

relay_rows() {  # relay_rows NODES-TEXT
    local j
    while read -r j; do
        md+="| relay $1, $(f .direction "$j" | tr _ ' ') | $(f .rate "$j")/s, $(f .conversations "$j") conversations, $(f .agents "$j") agents | p50 $(f .p50_ms "$j") / **p99 $(f .p99_ms "$j")** / max $(f .max_ms "$j") ms, $(f .lost "$j") lost, server $(f .server_cpu_cores "$j") cores | $2 |"$'\n'
    done < <(jq -c 'select(.scenario=="relay")' <<<"$last")
}

if [[ ,$only, == *,relay,* ]]; then
    echo "== agent ↔ shopper relay, one node (SQLite)" >&2
    add_agents --data "$work/relay"
    start_server relay
    if run_gen relay --port "$port" --server-pid "$spid" --agents "$RELAY_AGENTS" \
        --agent-email 'agent%d@load.test' --agent-password "$password" \
        --conversations "$RELAY_CONVERSATIONS" --rate "$RELAY_RATE" --warmup-s 2 --measure-s "$RELAY_SECONDS"; then
        relay_rows "(1 node, SQLite)" "p99 ≤ 10 ms"
    else failed=1; fi
    stop_servers
fi

if [[ ,$only, == *,relay2,* ]]; then
    echo "== agent ↔ shopper relay, two nodes + PostgreSQL" >&2
    if start_postgres; then
        add_agents --db "$pg_url"
        # PostgreSQL calls block an io thread each: the nodes run with as many
        # threads as their connection pool (4, parley serve's default with
        # --db), unpinned, next to the PostgreSQL server processes.
        saved_threads=$SERVER_THREADS saved_cpus=$SERVER_CPUS
        SERVER_THREADS=${RELAY2_THREADS:-4} SERVER_CPUS=""
        start_server node_a --db "$pg_url"
        port_a=$port pid_a=$spid
        start_server node_b --db "$pg_url"
        port_b=$port pid_b=$spid
        SERVER_THREADS=$saved_threads SERVER_CPUS=$saved_cpus
        if run_gen relay --port "$port_a" --agent-port "$port_b" --server-pid "$pid_a,$pid_b" \
            --agents "$RELAY_AGENTS" --agent-email 'agent%d@load.test' --agent-password "$password" \
            --conversations "$RELAY_CONVERSATIONS" --rate "$RELAY_RATE" --warmup-s 2 \
            --measure-s "$RELAY_SECONDS" --presence-wait-ms 1000; then
            relay_rows "(2 nodes, PostgreSQL)" "recorded (no target)"
        else failed=1; fi
        stop_servers
    else
        echo "run_load.sh: PostgreSQL unavailable; relay2 skipped" >&2
        failed=1
    fi
fi

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
printf '%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC'), $nproc_ CPUs ($cpu_model); $label.

| scenario | load | result | target |
|---|---|---|---|
${md%$'\n'}"
echo "run_load.sh: JSON lines in $out" >&2
exit "$failed"
