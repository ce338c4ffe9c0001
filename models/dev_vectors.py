"""Nearest-question top-1 of a trained checkpoint on the dev sets, vectors
alone (no BM25, no threshold): how recipes were compared on a rented GPU,
where the `parley` binary does not run. `parley eval --model` stays the
product's number; this one isolates the encoder.

    # here, with the binary: the dev sets' token ids (the core's tokenizer)
    .venv/bin/python models/dev_vectors.py tokenize --parley build/server/parley \
        --vocab models/student.vocab --data ../shared/data --out models/work/dev_ids.npz
    # anywhere with PyTorch: a checkpoint's top-1 per set
    .venv/bin/python models/dev_vectors.py score --ids models/work/dev_ids.npz --work models/work

Dev sets only: choosing a recipe by them is tuning on dev, never on a test split.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parley_cli import tokenize  # noqa: E402
from student import Student  # noqa: E402

SETS = {
    "banking10": ("banking77/config_10shot.json", "banking77/cases_dev.jsonl"),
    "clinc": ("clinc150/config_val.json", "clinc150/cases_val.jsonl"),
    "hwu": ("hwu64/config_valid.json", "hwu64/cases_valid.jsonl"),
    "lcqmc": ("zh_lcqmc/config_dev.json", "zh_lcqmc/cases_dev_clean.jsonl"),
    "atec": ("zh_atec_ccks/config_dev.json", "zh_atec_ccks/cases_dev_clean.jsonl"),
}


def tokenize_sets(args):
    arrays = {}
    for name, (config_path, cases_path) in SETS.items():
        with open(os.path.join(args.data, config_path), encoding="utf-8") as f:
            faqs = json.load(f)["faqs"]
        docs, doc_labels = [], []
        for i, faq in enumerate(faqs):
            docs += faq["questions"]
            doc_labels += [i] * len(faq["questions"])
        index_of = {faq["id"]: i for i, faq in enumerate(faqs)}
        queries, query_labels = [], []
        with open(os.path.join(args.data, cases_path), encoding="utf-8") as f:
            for line in f:
                case = json.loads(line)
                if case.get("expect") in index_of:  # in-scope cases only
                    queries.append(case["text"])
                    query_labels.append(index_of[case["expect"]])
        for part, texts, labels in (("d", docs, doc_labels), ("q", queries, query_labels)):
            ids = tokenize(args.parley, args.vocab, texts, 64)
            arrays[f"{name}_{part}_flat"] = np.array([t for x in ids for t in x], dtype=np.int32)
            arrays[f"{name}_{part}_off"] = np.cumsum([0] + [len(x) for x in ids])
            arrays[f"{name}_{part}_lab"] = np.array(labels)
        print(f"{name}: {len(docs)} questions, {len(queries)} in-scope cases", flush=True)
    np.savez_compressed(args.out, **arrays)


def score(args):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with open(os.path.join(args.work, "train_log.json")) as f:
        config = json.load(f)["config"]
    ids = np.load(args.ids)
    state = torch.load(os.path.join(args.work, "student.pt"), map_location="cpu")
    model = Student(state["tok_emb.weight"].shape[0], hidden=config["hidden"],
                    layers=config["layers"], heads=config["heads"], ffn=config["ffn"],
                    output_dim=state["proj.weight"].shape[0])
    model.load_state_dict(state)
    model.eval().to(device)

    def embed(flat, offsets):
        seqs = [flat[offsets[i]:offsets[i + 1]].tolist() for i in range(len(offsets) - 1)]
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        out = torch.empty((len(seqs), model.config["output_dim"]), device=device)
        with torch.no_grad():
            for start in range(0, len(order), 512):
                part = order[start:start + 512]
                width = max(len(seqs[i]) for i in part)
                batch = torch.ones((len(part), width), dtype=torch.long)
                mask = torch.zeros((len(part), width))
                for row, i in enumerate(part):
                    batch[row, :len(seqs[i])] = torch.tensor(seqs[i])
                    mask[row, :len(seqs[i])] = 1.0
                out[part] = model(batch.to(device), mask.to(device))[0]
        return out

    result = {}
    for name in SETS:
        if f"{name}_d_flat" not in ids:
            continue
        docs = embed(ids[f"{name}_d_flat"], ids[f"{name}_d_off"])
        queries = embed(ids[f"{name}_q_flat"], ids[f"{name}_q_off"])
        best = (queries @ docs.T).argmax(1).cpu().numpy()
        result[name] = round(float((ids[f"{name}_d_lab"][best] == ids[f"{name}_q_lab"]).mean()), 4)
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tokenize")
    t.add_argument("--parley", required=True)
    t.add_argument("--vocab", required=True)
    t.add_argument("--data", required=True)
    t.add_argument("--out", required=True)
    s = sub.add_parser("score")
    s.add_argument("--ids", required=True)
    s.add_argument("--work", required=True)
    args = parser.parse_args()
    tokenize_sets(args) if args.command == "tokenize" else score(args)


if __name__ == "__main__":
    main()
