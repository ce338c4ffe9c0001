"""Writes a tiny random student (FORMAT.md) and the outputs ONNX Runtime gives
for a few id sequences, for the core's encoder tests:
tests/core/fixtures/tiny_student.onnx and tiny_student_expected.json.

    .venv/bin/python models/make_fixture.py tests/core/fixtures
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from student import Student, dequantized_state, export_onnx  # noqa: E402


def main(out_dir):
    torch.manual_seed(7)
    model = Student(vocab_size=50, hidden=16, layers=2, heads=2, ffn=32, output_dim=8,
                    max_positions=16)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    model.eval()
    path = os.path.join(out_dir, "tiny_student.onnx")
    export_onnx(model, path)

    import onnxruntime as ort

    # Extended optimizations fuse DequantizeLinear+MatMul into kernels that
    # quantize activations too (~1e-2 error); the file's exact arithmetic is
    # what the basic level runs.
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    reference = Student(**model.config)
    reference.load_state_dict(dequantized_state(model))
    reference.eval()
    cases = []
    for ids in ([0, 5, 2], [0, 7, 7, 9, 31, 49, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 2]):
        feed = {"input_ids": np.array([ids], dtype=np.int64),
                "attention_mask": np.ones((1, len(ids)), dtype=np.int64)}
        embedding, frustration = session.run(["embedding", "frustration"], feed)
        with torch.no_grad():
            te, tf = reference(torch.tensor([ids]), torch.ones(1, len(ids)))
        gap = float(np.abs(te.numpy() - embedding).max())
        assert gap < 1e-4, f"PyTorch and ONNX Runtime disagree by {gap}"
        cases.append({"ids": ids, "embedding": embedding[0].tolist(),
                      "frustration": float(frustration[0])})
    # Padding must not change the result: batch of two, second one padded.
    a, b = cases[0]["ids"], cases[1]["ids"]
    ids = np.array([b, a + [1] * (len(b) - len(a))], dtype=np.int64)
    mask = np.array([[1] * len(b), [1] * len(a) + [0] * (len(b) - len(a))], dtype=np.int64)
    embedding, _ = session.run(["embedding", "frustration"], {"input_ids": ids, "attention_mask": mask})
    assert np.abs(embedding[1] - np.array(cases[0]["embedding"])).max() < 1e-5
    with open(os.path.join(out_dir, "tiny_student_expected.json"), "w") as f:
        json.dump({"model": "tiny_student.onnx", "tolerance": 1e-4, "cases": cases}, f, indent=1)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/core/fixtures")
