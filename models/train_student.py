"""Distills the teacher into the student encoder and exports models/student.onnx.

    python models/train_student.py --parley build/server/parley --work models/work \
        --vocab models/student.vocab --out models/student.onnx [--minutes 45]

Inputs (made by teacher_embed.py, build_vocab.py, teacher_pieces.py):
work/corpus.jsonl, work/teacher.f16, work/teacher.json (the teacher and its
dimension, which the student's output takes), work/pieces.f16 (optional).

Loss per step (on CPU by default, seeded):
  * distillation: 1 - cos(student, teacher) on random corpus sentences;
  * contrastive: in-batch InfoNCE on same-intent / paraphrase pairs, other
    labels as negatives. A share of the pairs (--intent-share) comes from the
    intent configs' questions, all of one step's from one config, so that its
    negatives are that shop's other intents (the hard ones retrieval meets);
    the rest are ATEC positive pairs. Drawn uniformly over all groups instead,
    nine pairs in ten were ATEC's (3,004 pair groups against 374 intents);
  * frustration: binary cross-entropy of the head on GoEmotions and
    online-shopping labels.
Token ids come from `parley tokenize` (the core's tokenizer), never Python.
"""
import argparse
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parley_cli import tokenize  # noqa: E402
from student import Student, dequantized_state, export_onnx  # noqa: E402

MAX_TRAIN_IDS = 48
# Sources whose groups are paraphrase pairs rather than a shop's intents.
PARAPHRASE_SOURCES = {"atec"}
# The configs bench/calibrate fits the vector calibration on (corpus source names).
CALIBRATION_SOURCES = {"clinc", "banking", "hwu", "bitext"}


def fnv1a(text):
    """bench/calibrate.cpp's hash (64-bit FNV-1a over the UTF-8 bytes)."""
    h = 1469598103934665603
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def calibration_held_out(record):
    """Whether bench/calibrate holds this sentence out of its index: every
    question of one FAQ in five (its out-of-scope queries) and one question in
    five of the rest (its in-scope queries). The student never trains on them,
    so the calibration fitted on this model sees what a shop's unseen
    questions and unseen intents look like to it. Returns None (kept),
    "out_of_scope" or "in_scope"."""
    if record.get("source") not in CALIBRATION_SOURCES or not record.get("label"):
        return None
    if fnv1a(record["label"].split(":", 1)[1]) % 5 == 0:
        return "out_of_scope"
    if fnv1a(record["text"]) % 5 == 0:
        return "in_scope"
    return None


def pad(batch_ids, pad_id):
    width = max(len(ids) for ids in batch_ids)
    ids = torch.full((len(batch_ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch_ids), width))
    for row, seq in enumerate(batch_ids):
        ids[row, :len(seq)] = torch.tensor(seq)
        mask[row, :len(seq)] = 1.0
    return ids, mask


def cached_tokenize(parley, vocab, texts, work):
    """`parley tokenize` of every text, kept in work/ids.npz keyed by the
    vocabulary and the texts, so a rerun (or a copy of work/ on a machine
    without the binary) skips it."""
    key = hashlib.sha256()
    with open(vocab, "rb") as f:
        key.update(f.read())
    key.update(str(MAX_TRAIN_IDS).encode())
    for text in texts:
        key.update(text.encode("utf-8") + b"\0")
    key = key.hexdigest()
    path = os.path.join(work, "ids.npz")
    if os.path.exists(path):
        cached = np.load(path)
        if str(cached["key"]) == key:
            flat, offsets = cached["flat"].tolist(), cached["offsets"].tolist()
            return [flat[offsets[i]:offsets[i + 1]] for i in range(len(texts))]
    ids = tokenize(parley, vocab, texts, MAX_TRAIN_IDS)
    offsets = np.cumsum([0] + [len(x) for x in ids])
    np.savez(path, key=np.array(key), flat=np.array([t for x in ids for t in x], dtype=np.int32),
             offsets=offsets)
    return ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parley", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--ffn", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--pairs", type=int, default=24)
    parser.add_argument("--frustration-batch", type=int, default=24)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--validate-every", type=int, default=250,
                        help="steps between validation passes (each embeds every intent sentence)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--intent-share", type=float, default=0.75,
                        help="share of each step's pairs drawn from one intent config")
    parser.add_argument("--holdout", type=float, default=0.0,
                        help="validation runs: this share of each intent's sentences and of the "
                             "ATEC pairs is kept out of training; the run reports nearest-question "
                             "top-1 on them (pair retrieval for ATEC)")
    parser.add_argument("--device", default="cpu", help="torch device (the shipped run: cpu)")
    parser.add_argument("--all-calibration-questions", action="store_true",
                        help="also train on the questions bench/calibrate holds out (its "
                             "calibration is then fitted on questions the model has seen)")
    args = parser.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    started = time.time()

    with open(os.path.join(args.work, "corpus.jsonl"), encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    teacher_info = {"name": "e5", "dimension": 384}  # a work dir from before teacher.json
    if os.path.exists(os.path.join(args.work, "teacher.json")):
        with open(os.path.join(args.work, "teacher.json")) as f:
            teacher_info = json.load(f)
    dimension = teacher_info["dimension"]
    teacher = np.fromfile(os.path.join(args.work, "teacher.f16"), dtype=np.float16)
    teacher = teacher.reshape(-1, dimension)
    records = records[:len(teacher)]  # a partial teacher run trains on what exists
    teacher = torch.from_numpy(teacher[:len(records)].astype(np.float32))
    ids = cached_tokenize(args.parley, args.vocab, [r["text"] for r in records], args.work)
    device = torch.device(args.device)
    teacher = teacher.to(device)
    vocab_size = sum(1 for _ in open(args.vocab, encoding="utf-8"))
    pad_id = 1
    print(f"{len(records)} sentences, vocab {vocab_size}, tokenized in {time.time() - started:.0f} s",
          flush=True)

    # Held-out 2% of sentences: distillation cosine is reported on them.
    order = list(range(len(records)))
    rng.shuffle(order)
    held = order[:max(1, len(order) // 50)]
    train = order[len(held):]
    validation = []
    if not args.all_calibration_questions:
        kept = []
        for i in train:
            held_out = calibration_held_out(records[i])
            if held_out == "in_scope":
                validation.append(i)
            elif held_out is None:
                kept.append(i)
        train = kept
    by_label = {}
    for i in train:
        label = records[i].get("label")
        if label and label not in ("neg", "other"):
            by_label.setdefault(label, []).append(i)
    # Validation: the calibration's in-scope questions, and with --holdout
    # some more sentences of every intent and that share of the ATEC pairs,
    # leave training altogether; they are ranked against their config's
    # remaining sentences (the pairs against each other).
    held_pairs = []  # --holdout: paraphrase groups kept out whole (the Chinese validation)
    if args.holdout > 0:
        for label in sorted(by_label):
            members = by_label[label]
            if records[members[0]]["source"] in PARAPHRASE_SOURCES:
                if len(members) == 2 and fnv1a(label) % 1000 < args.holdout * 1000:
                    held_pairs.append(members)
                    del by_label[label]
                continue
            if len(members) < 4:
                continue
            count = max(1, round(len(members) * args.holdout))
            validation += members[:count]
            by_label[label] = members[count:]
        excluded = set(validation) | {i for pair in held_pairs for i in pair}
        train = [i for i in train if i not in excluded]
    validation = [i for i in validation if records[i]["label"] in by_label]
    intent_groups, paraphrase_groups = {}, []
    for members in by_label.values():
        if len(members) < 2:
            continue
        source = records[members[0]]["source"]
        if source in PARAPHRASE_SOURCES:
            paraphrase_groups.append(members)
        else:
            intent_groups.setdefault(source, []).append(members)
    intent_sources = sorted(intent_groups)
    # A step's intent config is drawn in proportion to its intents.
    source_weights = [len(intent_groups[s]) for s in intent_sources]
    frustration = [i for i in train if records[i].get("label") in ("neg", "other")]
    print(f"{sum(source_weights)} intents in {len(intent_sources)} configs, "
          f"{len(paraphrase_groups)} paraphrase groups, {len(validation)} validation sentences",
          flush=True)

    model = Student(vocab_size, hidden=args.hidden, layers=args.layers, heads=args.heads,
                    ffn=args.ffn, output_dim=dimension)
    with torch.no_grad():
        model.pos_emb.normal_(0.0, 0.02)
        pieces_path = os.path.join(args.work, "pieces.f16")
        if os.path.exists(pieces_path):
            # Model2Vec-style start: each piece's own teacher embedding,
            # reduced to the student's width by PCA; the projection starts as
            # the PCA's inverse, so the untrained student is a static model.
            pieces = np.fromfile(pieces_path, dtype=np.float16).astype(np.float32)
            pieces = pieces.reshape(-1, dimension)[:vocab_size]
            mean = pieces.mean(0)
            _, _, components = np.linalg.svd(pieces - mean, full_matrices=False)
            reduced = (pieces - mean) @ components[:args.hidden].T
            reduced /= reduced.std() + 1e-6
            model.tok_emb.weight.copy_(torch.from_numpy(reduced))
            model.proj.weight.copy_(torch.from_numpy(components[:args.hidden].T.copy()))
            model.proj.bias.copy_(torch.from_numpy(mean))
        for layer in model.layers:
            # Residual branches start closed: layers begin as the identity.
            layer.attn_out.weight.zero_()
            layer.ffn_out.weight.zero_()
    model.to(device)

    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, foreach=True)
    warmup = min(200, args.steps // 10 + 1)

    train_started = time.time()

    def lr_at(step):
        # Cosine decay over whichever budget runs out first (steps or time),
        # so a time-boxed run still ends at a low learning rate.
        if step < warmup:
            return args.lr * (step + 1) / warmup
        progress = max(step / args.steps, (time.time() - train_started) / (args.minutes * 60))
        return args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    def embed(indices):
        out = []
        for start in range(0, len(indices), 256):
            b_ids, b_mask = pad([ids[i] for i in indices[start:start + 256]], pad_id)
            out.append(model(b_ids.to(device), b_mask.to(device))[0])
        return torch.cat(out)

    def evaluate():
        model.eval()
        with torch.no_grad():
            cos = F.cosine_similarity(embed(held), teacher[held]).mean()
        model.train()
        return float(cos)

    def validate():
        """Nearest-question top-1 of the held-out intent sentences, per config,
        against that config's training sentences; "banking_10shot" indexes 10
        of them per intent, like shared/data's 10-shot config."""
        model.eval()
        pick = random.Random(args.seed + 1)
        result = {}
        with torch.no_grad():
            for source in intent_sources:
                queries = [i for i in validation if records[i]["source"] == source]
                if not queries:
                    continue
                index_sets = {source: [i for g in intent_groups[source] for i in g]}
                if source == "banking":
                    index_sets["banking_10shot"] = [
                        i for g in intent_groups[source] for i in pick.sample(g, min(10, len(g)))]
                q = embed(queries)
                for name, index in index_sets.items():
                    best = (q @ embed(index).T).argmax(1).tolist()
                    right = sum(records[index[b]]["label"] == records[i]["label"]
                                for b, i in zip(best, queries))
                    result[name] = round(right / len(queries), 4)
            if held_pairs:
                # Like LCQMC / ATEC_CCKS: each pair's first sentence finds its
                # partner among the second sentences of every held-out pair.
                q = embed([a for a, _ in held_pairs])
                d = embed([b for _, b in held_pairs])
                best = (q @ d.T).argmax(1).tolist()
                result["atec_pairs"] = round(sum(b == k for k, b in enumerate(best)) / len(best), 4)
        model.train()
        return result

    log = {"config": vars(args), "teacher": teacher_info, "sentences": len(records), "vocab_size": vocab_size,
           "initial_held_out_cosine": evaluate(), "steps": []}
    print(f"held-out cosine before training: {log['initial_held_out_cosine']:.4f}", flush=True)
    model.train()
    step = 0
    deadline = train_started + args.minutes * 60
    while step < args.steps and time.time() < deadline:
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        distill = rng.sample(train, min(args.batch, len(train)))
        chosen = []
        if intent_sources:
            source = rng.choices(intent_sources, weights=source_weights)[0]
            wanted = round(args.pairs * args.intent_share) if paraphrase_groups else args.pairs
            chosen += rng.sample(intent_groups[source], min(wanted, len(intent_groups[source])))
        if paraphrase_groups:
            wanted = args.pairs - len(chosen)
            chosen += rng.sample(paraphrase_groups, min(wanted, len(paraphrase_groups)))
        anchors, positives = [], []
        for group in chosen:
            a, p = rng.sample(group, 2)
            anchors.append(a)
            positives.append(p)
        labelled = rng.sample(frustration, min(args.frustration_batch, len(frustration))) if frustration else []
        batch = distill + anchors + positives + labelled
        b_ids, b_mask = pad([ids[i] for i in batch], pad_id)
        emb, logit = model(b_ids.to(device), b_mask.to(device))
        n_d, n_p = len(distill), len(anchors)
        loss_distill = (1 - F.cosine_similarity(emb[:n_d], teacher[distill])).mean()
        loss = loss_distill
        loss_pairs = torch.zeros(())
        if n_p > 1:
            a = emb[n_d:n_d + n_p]
            p = emb[n_d + n_p:n_d + 2 * n_p]
            labels = [records[i]["label"] for i in anchors]
            same = torch.tensor([[labels[r] == labels[c] and r != c for c in range(n_p)]
                                 for r in range(n_p)], device=device)
            sims = (a @ p.T / 0.05).masked_fill(same, -1e4)
            target = torch.arange(n_p, device=device)
            loss_pairs = (F.cross_entropy(sims, target) + F.cross_entropy(sims.T, target)) / 2
            loss = loss + 0.5 * loss_pairs
        loss_frustration = torch.zeros(())
        if labelled:
            y = torch.tensor([1.0 if records[i]["label"] == "neg" else 0.0 for i in labelled], device=device)
            loss_frustration = F.binary_cross_entropy_with_logits(logit[n_d + 2 * n_p:], y)
            loss = loss + 0.3 * loss_frustration
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        if step % 50 == 0 or step == 1:
            entry = {"step": step, "seconds": round(time.time() - started, 1),
                     "distill": round(float(loss_distill), 4), "pairs": round(float(loss_pairs), 4),
                     "frustration": round(float(loss_frustration), 4)}
            if step % args.validate_every == 0:
                entry["held_out_cosine"] = round(evaluate(), 4)
                if validation:
                    entry["validation_top1"] = validate()
            log["steps"].append(entry)
            print(json.dumps(entry), flush=True)

    log["trained_steps"] = step
    log["train_seconds"] = round(time.time() - started, 1)
    log["held_out_cosine"] = evaluate()
    if validation:
        log["validation_top1"] = validate()
        print(f"validation top-1: {log['validation_top1']}", flush=True)
    model.cpu()
    model.eval()
    torch.save(model.state_dict(), os.path.join(args.work, "student.pt"))
    export_onnx(model, args.out)
    # What int8 costs: the float model against the weights the file holds.
    quantized = Student(**model.config)
    quantized.load_state_dict(dequantized_state(model))
    quantized.eval()
    with torch.no_grad():
        b_ids, b_mask = pad([ids[i] for i in held[:256]], pad_id)
        a, _ = model(b_ids, b_mask)
        b, _ = quantized(b_ids, b_mask)
        log["int8_vs_float_cosine"] = float(F.cosine_similarity(a, b).mean())
    log["onnx_bytes"] = os.path.getsize(args.out)
    with open(os.path.join(args.work, "train_log.json"), "w") as f:
        json.dump(log, f, indent=1)
    print(f"wrote {args.out} ({log['onnx_bytes']} bytes) after {step} steps in "
          f"{log['train_seconds']:.0f} s; held-out cosine {log['held_out_cosine']:.4f}; "
          f"int8 vs float cosine {log['int8_vs_float_cosine']:.5f}")


if __name__ == "__main__":
    main()
