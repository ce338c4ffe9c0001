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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
