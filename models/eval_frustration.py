"""Frustration on the sentiment dev sets: the lexicon (the core's
analyze_sentiment, through `parley replay`), the student's head (`parley
embed`) and their combination as the core applies it (combine_frustration),
each as a binary "negative" detector at the shop's handoff threshold.

    python models/eval_frustration.py --parley build/server/parley --model models/student.onnx \
        --vocab models/student.vocab --data ../shared/data [--limit 2000] [--json out.json]

Dev sets only report; nothing here is fitted on them.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parley_cli import run_json  # noqa: E402

THRESHOLD = 0.6  # the demo shop's handoff.frustration_threshold


def combine(lexicon, model):
    # Mirror of core/src/sentiment.cpp combine_frustration (checked by the core's tests).
    floor, weight = 0.5, 0.8
    m = 0.0 if model <= floor else weight * (model - floor) / (1 - floor)
    return max(0.0, min(1.0, max(lexicon, m) + 0.25 * min(lexicon, m)))


def scores(pred, gold):
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    tn = len(gold) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "accuracy": round((tp + tn) / len(gold), 4)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parley", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--json")
    args = parser.parse_args()
    report = {}
    for name, path in (("goemotions_dev", "sentiment/goemotions_dev_cases.jsonl"),
                       ("online_shopping_dev", "sentiment/online_shopping_10_cats_dev_cases.jsonl")):
        with open(os.path.join(args.data, path), encoding="utf-8") as f:
            cases = [json.loads(line) for line in f]
        if args.limit:
            cases = cases[:args.limit]
        texts = [{"text": c["text"]} for c in cases]
        gold = [c["label"] == "negative" for c in cases]
        lexicon = [r["reply"]["sentiment"]["frustration"]
                   for r in run_json([args.parley, "replay"], texts)]
        ids = run_json([args.parley, "tokenize", "--vocab", args.vocab], texts)
        model = [r["frustration"] for r in run_json([args.parley, "embed", "--model", args.model], ids)]
        report[name] = {
            "cases": len(cases),
            "lexicon": scores([x >= THRESHOLD for x in lexicon], gold),
            "model": scores([x >= 0.5 for x in model], gold),
            "combined": scores([combine(a, b) >= THRESHOLD for a, b in zip(lexicon, model)], gold),
        }
        print(name, json.dumps(report[name]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
