"""Parity of one student file across its runtimes: the same sentences, the
same token ids (from `parley tokenize`), embedded by
  * PyTorch (the float model with the int8 file's weights, when a .pt exists),
  * ONNX Runtime (CPU, basic graph optimizations: extended ones fuse
    DequantizeLinear+MatMul into activation-quantizing kernels, ~1e-2 off),
  * the core's own kernels natively (`parley embed`).
Prints the largest absolute difference per pair and exits 1 above tolerance.

    python models/check_parity.py --parley build/server/parley --model models/student.onnx \
        --vocab models/student.vocab [--pt models/work/student.pt] [--json out.json]
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parley_cli import run_json  # noqa: E402

SENTENCES = [
    "where is my order?", "I want to return these shoes", "how long does shipping take to Canada",
    "this is the third time I ask, terrible service!!!", "can I pay with paypal",
    "我的快递什么时候到？", "怎么退货", "太慢了，气死我了", "order 12345 hasn't arrived",
    "do you ship internationally 🚚", "change my delivery address please", "谢谢",
]
TOLERANCE = 1e-4


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parley", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--pt")
    parser.add_argument("--json")
    args = parser.parse_args()

    ids = [r["ids"] for r in run_json([args.parley, "tokenize", "--vocab", args.vocab],
                                      [{"text": s} for s in SENTENCES])]
    results = {}
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    results["onnxruntime"] = [
        session.run(["embedding", "frustration"],
                    {"input_ids": np.array([i], dtype=np.int64),
                     "attention_mask": np.ones((1, len(i)), dtype=np.int64)})
        for i in ids]
    results["onnxruntime"] = [(e[0][0], float(e[1][0])) for e in results["onnxruntime"]]
    native = run_json([args.parley, "embed", "--model", args.model], [{"ids": i} for i in ids])
    results["native"] = [(np.array(r["embedding"], dtype=np.float32), r["frustration"]) for r in native]
    if args.pt and os.path.exists(args.pt):
        import torch
        from student import Student, dequantized_state

        state = torch.load(args.pt)
        vocab_size, hidden = state["tok_emb.weight"].shape
        layers = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("layers."))
        import onnx

        meta = {p.key: p.value for p in onnx.load(args.model, load_external_data=False).metadata_props}
        model = Student(vocab_size, hidden=hidden, layers=layers, heads=int(meta["heads"]),
                        ffn=int(meta["ffn"]), output_dim=int(meta["output_dim"]),
                        max_positions=int(meta["max_positions"]))
        model.load_state_dict(state)
        model.load_state_dict(dequantized_state(model))
        model.eval()
        with torch.no_grad():
            results["pytorch"] = []
            for i in ids:
                e, f = model(torch.tensor([i]), torch.ones(1, len(i)))
                results["pytorch"].append((e[0].numpy(), float(torch.sigmoid(f[0]))))
    report, worst = {}, 0.0
    names = list(results)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            x, y = results[names[a]], results[names[b]]
            diff = max(float(np.abs(p[0] - q[0]).max()) for p, q in zip(x, y))
            fdiff = max(abs(p[1] - q[1]) for p, q in zip(x, y))
            report[f"{names[a]} vs {names[b]}"] = {"embedding_max_abs": diff, "frustration_max_abs": fdiff}
            worst = max(worst, diff, fdiff)
    for key, value in report.items():
        print(f"{key}: embedding max |diff| {value['embedding_max_abs']:.2e}, "
              f"frustration {value['frustration_max_abs']:.2e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"sentences": len(SENTENCES), "tolerance": TOLERANCE, "pairs": report}, f, indent=1)
    if worst > TOLERANCE:
        print(f"parity: FAILED (worst {worst:.2e} > {TOLERANCE})")
        return 1
    print(f"parity: ok ({len(SENTENCES)} sentences, tolerance {TOLERANCE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
