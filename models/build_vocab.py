"""Prunes the teacher's 250k-piece SentencePiece vocabulary to the student's:
the pieces the core's tokenizer uses most on the training corpus, plus every
single character seen (so any word can still be spelled), keeping the
teacher's scores so Viterbi segments the way the teacher would where it can.

    python models/build_vocab.py --parley build/server/parley --work models/work \
        --size 16000 --out models/student.vocab

Also writes work/student_teacher_ids.npy: for each student id, the teacher id
of the same piece (to initialize the student's embedding rows).
"""
import argparse
import collections
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parley_cli import tokenize  # noqa: E402

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parley", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--size", type=int, default=16000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    teacher_vocab = os.path.join(args.work, "teacher.vocab")
    pieces, scores = [], []
    with open(teacher_vocab, encoding="utf-8") as f:
        for line in f:
            piece, score = line.rstrip("\n").rsplit("\t", 1)
            pieces.append(piece)
            scores.append(score)
    with open(os.path.join(args.work, "corpus.jsonl"), encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    counts = collections.Counter()
    for ids in tokenize(args.parley, teacher_vocab, texts, 64):
        counts.update(ids[1:-1])

    chosen = [pieces.index(s) for s in SPECIALS]
    taken = set(chosen)
    # Every single character (with and without the word marker) that occurs.
    singles = sorted((i for i in counts if len(pieces[i].lstrip("\u2581")) == 1),
                     key=lambda i: -counts[i])
    for i in singles + [i for i, _ in counts.most_common()]:
        if len(chosen) >= args.size:
            break
        if i not in taken:
            taken.add(i)
            chosen.append(i)
    with open(args.out, "w", encoding="utf-8") as f:
        for i in chosen:
            f.write(f"{pieces[i]}\t{scores[i]}\n")
    np.save(os.path.join(args.work, "student_teacher_ids.npy"), np.array(chosen, dtype=np.int64))
    covered = sum(counts[i] for i in chosen) / max(1, sum(counts.values()))
    print(f"wrote {args.out}: {len(chosen)} pieces, {covered:.4f} of corpus pieces covered "
          f"({len(counts)} distinct seen)")


if __name__ == "__main__":
    main()
