"""The one way the model scripts talk to the `parley` binary: JSON lines in,
JSON lines out (`parley tokenize`, `parley embed`, `parley replay`)."""
import json
import subprocess


def run_json(cmd, records):
    """Runs `cmd` with one JSON object per stdin line; returns the stdout lines parsed."""
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    out = subprocess.run(cmd, input=payload, capture_output=True, check=True)
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def tokenize(parley, vocab, texts, max_ids):
    """The core's subword ids of each text (`<s>` … `</s>`, at most max_ids)."""
    return [r["ids"] for r in run_json([parley, "tokenize", "--vocab", vocab, "--max", str(max_ids)],
                                       [{"text": t} for t in texts])]
