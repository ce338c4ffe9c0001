"""Stores a vector-mode retrieval calibration in a student model file.

bench/calibrate --model FILE --vocab FILE fits the coefficients that turn the
retriever's features (with the student's cosine) into a confidence; they
travel inside the model as the ONNX metadata entry `parley.calibration`, a JSON
object read by the core (core/src/sentence_encoder.cpp). Only that entry
changes: the graph, the weights and every other metadata entry are left as
they are (checked before writing).

    .venv/bin/python models/set_calibration.py models/student.onnx \
        '{"bias":-9.1,"lexical":2.6,"margin":4.1,"coverage":2.8,"cosine":5.2,"length":1.1,"margin_scale":3}'
    .venv/bin/python models/set_calibration.py models/student.onnx calib.json
    build/bench/parley_calibrate --model M --vocab V CONFIG... | tail -n 1 | \
        .venv/bin/python models/set_calibration.py models/student.onnx -
    .venv/bin/python models/set_calibration.py models/student.onnx --show
    .venv/bin/python models/set_calibration.py models/student.onnx --remove
"""
import json
import math
import os
import sys

import onnx

KEY = "parley.calibration"
FIELDS = ("bias", "lexical", "margin", "coverage", "cosine", "length")


def parse(text):
    """The calibration object, validated as the core validates it."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        sys.exit(f"set_calibration: not JSON: {e}")
    if not isinstance(value, dict):
        sys.exit("set_calibration: expected a JSON object")
    out = {}
    for key in FIELDS:
        v = value.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or abs(v) > 1e4:
            sys.exit(f'set_calibration: "{key}" must be a finite number (|x| <= 1e4)')
        out[key] = float(v)
    if "margin_scale" in value:  # optional: fused margins' scale (default 1)
        v = value["margin_scale"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 1e3:
            sys.exit('set_calibration: "margin_scale" must be in (0, 1000]')
        out["margin_scale"] = float(v)
    extra = sorted(set(value) - set(FIELDS) - {"margin_scale"})
    if extra:
        sys.exit(f"set_calibration: unknown keys {extra}; expected {list(FIELDS)} "
                 "and optionally margin_scale")
    return out


def read_argument(arg):
    if arg == "-":
        lines = [line for line in sys.stdin.read().splitlines() if line.strip()]
        return lines[-1] if lines else ""
    if os.path.isfile(arg):
        with open(arg, encoding="utf-8") as f:
            return f.read()
    return arg


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    path, what = argv[1], argv[2]
    model = onnx.load(path)
    current = [p.value for p in model.metadata_props if p.key == KEY]
    if what == "--show":
        print(current[-1] if current else f"(no {KEY})")
        return
    graph_before = model.graph.SerializeToString()
    others_before = [(p.key, p.value) for p in model.metadata_props if p.key != KEY]

    kept = [p for p in model.metadata_props if p.key != KEY]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    if what != "--remove":
        calibration = parse(read_argument(what))
        entry = model.metadata_props.add()
        entry.key = KEY
        entry.value = json.dumps(calibration, separators=(",", ":"))

    # Nothing but the entry may change.
    assert model.graph.SerializeToString() == graph_before, "the graph changed"
    assert [(p.key, p.value) for p in model.metadata_props if p.key != KEY] == others_before
    tmp = path + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, path)
    print(f"{path}: {KEY} = {entry.value}" if what != "--remove" else f"{path}: {KEY} removed")


if __name__ == "__main__":
    main(sys.argv)
