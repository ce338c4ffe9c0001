"""The student's training corpus: sentences from the sets that may train a
shipped model (shared/data/README.md, "Training rule"), never a cases_* file.

Every record is {"text", "source", "label"}: `label` names an intent
("clinc:balance") for the contrastive loss, a paraphrase group ("atec:17")
for ATEC positive pairs, or a frustration label ("neg"/"other") for the
frustration head. Sampling is seeded, so the corpus is reproducible.
"""
import csv
import json
import os
import random

NEGATIVE_EMOTIONS = {"anger", "annoyance", "disgust", "disapproval"}


def _faq_config(path, prefix):
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    for faq in config["faqs"]:
        for question in faq["questions"]:
            yield {"text": question, "source": prefix, "label": f"{prefix}:{faq['id']}"}


def _atec_pairs(path, rng, limit):
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for line in f:
            parts = line.rstrip("\r\n").lstrip("\ufeff").split("\t")
            if len(parts) == 4:
                rows.append(parts)
    rng.shuffle(rows)
    seen = set()
    for index, (_, first, second, label) in enumerate(rows[:limit]):
        group = f"atec:{index}" if label == "1" else None
        for text in (first, second):
            if text in seen:
                continue
            seen.add(text)
            yield {"text": text, "source": "atec", "label": group}


def _goemotions(data, rng, limit):
    with open(os.path.join(data, "sentiment/goemotions_labels.txt"), encoding="utf-8") as f:
        names = [line.strip() for line in f if line.strip()]
    rows = []
    with open(os.path.join(data, "sentiment/goemotions_train.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                continue
            emotions = {names[int(i)] for i in parts[1].split(",") if i.isdigit()}
            rows.append((parts[0], "neg" if emotions & NEGATIVE_EMOTIONS else "other"))
    rng.shuffle(rows)
    for text, label in rows[:limit]:
        yield {"text": text, "source": "goemotions", "label": label}


def _online_shopping(data, rng, limit):
    rows = []
    path = os.path.join(data, "sentiment/online_shopping_10_cats_train.csv")
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = (row.get("review") or "").lstrip("\ufeff").strip()
            if text:
                rows.append((text[:200], "neg" if row["label"] == "0" else "other"))
    rng.shuffle(rows)
    for text, label in rows[:limit]:
        yield {"text": text, "source": "online_shopping", "label": label}


def build(data, demo_config, scale=1.0, seed=0):
    """Returns the list of records. `scale` shrinks every sampled part (CI smoke runs)."""
    rng = random.Random(seed)

    def take(records, fraction=1.0):
        records = list(records)
        count = max(1, int(len(records) * fraction * scale)) if scale < 1.0 else len(records)
        rng.shuffle(records)
        return records[:count]

    out = []
    out += take(_faq_config(os.path.join(data, "clinc150/config_val.json"), "clinc"))
    out += take(_faq_config(os.path.join(data, "banking77/config_dev.json"), "banking"))
    out += take(_faq_config(os.path.join(data, "hwu64/config_valid.json"), "hwu"))
    out += take(_faq_config(os.path.join(data, "bitext_cs/config_holdout20.json"), "bitext"))
    out += take(_faq_config(demo_config, "demo"))
    out += take(_atec_pairs(os.path.join(data, "zh_train/atec_nlp_sim_train.csv"), rng,
                            int(14000 * scale)))
    out += take(_goemotions(data, rng, int(10000 * scale)))
    out += take(_online_shopping(data, rng, int(10000 * scale)))
    # One record per distinct text (first wins), in a seeded order.
    seen, unique = set(), []
    for record in out:
        text = " ".join(record["text"].split())
        if text and text not in seen:
            seen.add(text)
            record["text"] = text
            unique.append(record)
    return unique
