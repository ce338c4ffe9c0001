"""The student encoder (PyTorch) and its export to the ONNX contract in
models/FORMAT.md. The graph is written node by node with onnx.helper rather
than traced, so that initializer names, int8 layout and arithmetic are exactly
what the core's own kernels read (core/src/encoder.cpp).
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

FORMAT = "student-encoder-1"


class Layer(nn.Module):
    def __init__(self, hidden, heads, ffn, eps):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden, eps=eps)
        self.ffn_in = nn.Linear(hidden, ffn)
        self.ffn_out = nn.Linear(ffn, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x, mask):
        b, t, h = x.shape
        d = h // self.heads
        q, k, v = self.qkv(x).split(h, dim=-1)
        q = q.view(b, t, self.heads, d).transpose(1, 2)
        k = k.view(b, t, self.heads, d).transpose(1, 2)
        v = v.view(b, t, self.heads, d).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d)
        scores = scores + (1.0 - mask[:, None, None, :]) * -10000.0
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, h)
        x = self.ln1(x + self.attn_out(context))
        return self.ln2(x + self.ffn_out(F.gelu(self.ffn_in(x))))


class Student(nn.Module):
    def __init__(self, vocab_size, hidden=256, layers=1, heads=4, ffn=1024, output_dim=384,
                 max_positions=128, eps=1e-12):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, hidden=hidden, layers=layers, heads=heads,
                           ffn=ffn, output_dim=output_dim, max_positions=max_positions, eps=eps)
        self.tok_emb = nn.Embedding(vocab_size, hidden)
        self.pos_emb = nn.Parameter(torch.zeros(max_positions, hidden))
        self.emb_ln = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(Layer(hidden, heads, ffn, eps) for _ in range(layers))
        self.proj = nn.Linear(hidden, output_dim)
        self.frustration = nn.Linear(output_dim, 1)

    def forward(self, ids, mask):
        """ids, mask: [B, T] int64 / float. Returns (embedding [B, D], frustration logit [B])."""
        t = ids.shape[1]
        x = self.emb_ln(self.tok_emb(ids) + self.pos_emb[:t])
        for layer in self.layers:
            x = layer(x, mask)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
        embedding = F.normalize(self.proj(pooled), dim=-1, eps=1e-12)
        return embedding, self.frustration(embedding).squeeze(-1)


def quantize_columns(weight_in_out):
    """Symmetric int8 with one scale per output column of an [in, out] matrix."""
    w = np.asarray(weight_in_out, dtype=np.float32)
    scale = np.abs(w).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def quantize_rows(table):
    w = np.asarray(table, dtype=np.float32)
    scale = np.abs(w).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def dequantized_state(model):
    """The float weights the int8 file encodes (to measure quantization error in PyTorch)."""
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    q, s = quantize_rows(state["tok_emb.weight"].numpy())
    state["tok_emb.weight"] = torch.from_numpy(q.astype(np.float32) * s[:, None])
    for name, value in list(state.items()):
        if name.endswith(".weight") and value.dim() == 2 and name not in ("tok_emb.weight", "frustration.weight"):
            q, s = quantize_columns(value.numpy().T)
            state[name] = torch.from_numpy((q.astype(np.float32) * s).T.copy())
    return state


def export_onnx(model, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    c = model.config
    h, heads = c["hidden"], c["heads"]
    d = h // heads
    sd = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    inits, nodes = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def const(name, values, dtype=np.int64):
        return init(name, np.asarray(values, dtype=dtype))

    def node(op, inputs, outputs, **attrs):
        nodes.append(helper.make_node(op, inputs, outputs, **attrs))
        return outputs[0]

    def linear(x, prefix, torch_name, out):
        q, s = quantize_columns(sd[torch_name + ".weight"].T)
        init(prefix + ".q", q)
        init(prefix + ".scale", s)
        init(prefix + ".bias", sd[torch_name + ".bias"].astype(np.float32))
        w = node("DequantizeLinear", [prefix + ".q", prefix + ".scale"], [prefix + ".w"], axis=1)
        y = node("MatMul", [x, w], [out + ".mm"])
        return node("Add", [y, prefix + ".bias"], [out])

    def layer_norm(x, prefix, torch_name, out):
        init(prefix + ".gamma", sd[torch_name + ".weight"].astype(np.float32))
        init(prefix + ".beta", sd[torch_name + ".bias"].astype(np.float32))
        return node("LayerNormalization", [x, prefix + ".gamma", prefix + ".beta"], [out],
                    axis=-1, epsilon=c["eps"])

    # Embeddings: gather the int8 rows and their scales, then dequantize.
    q, s = quantize_rows(sd["tok_emb.weight"])
    init("tok_emb.q", q)
    init("tok_emb.scale", s)
    init("pos_emb", sd["pos_emb"].astype(np.float32))
    rows = node("Gather", ["tok_emb.q", "input_ids"], ["tok.rows_q"], axis=0)
    rows_f = node("Cast", [rows], ["tok.rows_f"], to=TensorProto.FLOAT)
    scales = node("Gather", ["tok_emb.scale", "input_ids"], ["tok.scales"], axis=0)
    scales = node("Unsqueeze", [scales, const("axes_last", [-1])], ["tok.scales_col"])
    tok = node("Mul", [rows_f, scales], ["tok.emb"])
    seq = node("Shape", ["input_ids"], ["ids.seq"], start=1, end=2)  # [T]
    pos = node("Slice", ["pos_emb", const("zero1", [0]), seq, const("axes_zero_s", [0])], ["pos.rows"])
    x = node("Add", [tok, pos], ["emb.sum"])
    x = layer_norm(x, "emb_ln", "emb_ln", "x0")

    maskf = node("Cast", ["attention_mask"], ["mask.f"], to=TensorProto.FLOAT)
    bias = node("Sub", [const("one_f", [1.0], np.float32), maskf], ["mask.inv"])
    bias = node("Mul", [bias, const("neg_big", [-10000.0], np.float32)], ["mask.bias2"])
    bias = node("Unsqueeze", [bias, const("axes_12", [1, 2])], ["mask.bias"])  # [B,1,1,T]
    heads_shape = const("heads_shape", [0, 0, heads, d])
    merge_shape = const("merge_shape", [0, 0, h])
    split = const("qkv_split", [h, h, h])

    for i in range(c["layers"]):
        p = f"l{i}"
        qkv = linear(x, p + ".qkv", f"layers.{i}.qkv", p + ".qkv_out")
        qh, kh, vh = (f"{p}.q", f"{p}.k", f"{p}.v")
        node("Split", [qkv, split], [qh, kh, vh], axis=-1)
        def heads_of(t, perm, name):
            r = node("Reshape", [t, heads_shape], [name + ".r"])
            return node("Transpose", [r], [name + ".t"], perm=perm)
        qt = heads_of(qh, [0, 2, 1, 3], qh)   # [B, heads, T, d]
        kt = heads_of(kh, [0, 2, 3, 1], kh)   # [B, heads, d, T]
        vt = heads_of(vh, [0, 2, 1, 3], vh)
        s = node("MatMul", [qt, kt], [p + ".scores"])
        s = node("Mul", [s, const(p + ".inv_sqrt_d", [1.0 / math.sqrt(d)], np.float32)], [p + ".scaled"])
        s = node("Add", [s, bias], [p + ".masked"])
        a = node("Softmax", [s], [p + ".probs"], axis=-1)
        ctx = node("MatMul", [a, vt], [p + ".ctx"])
        ctx = node("Transpose", [ctx], [p + ".ctx_t"], perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape], [p + ".ctx_m"])
        att = linear(ctx, p + ".attn_out", f"layers.{i}.attn_out", p + ".att")
        res = node("Add", [x, att], [p + ".res1"])
        x = layer_norm(res, p + ".ln1", f"layers.{i}.ln1", p + ".x1")
        f = linear(x, p + ".ffn_in", f"layers.{i}.ffn_in", p + ".ff")
        g = node("Mul", [f, const(p + ".rsqrt2", [1.0 / math.sqrt(2.0)], np.float32)], [p + ".g0"])
        g = node("Erf", [g], [p + ".g1"])
        g = node("Add", [g, const(p + ".one", [1.0], np.float32)], [p + ".g2"])
        g = node("Mul", [f, g], [p + ".g3"])
        g = node("Mul", [g, const(p + ".half", [0.5], np.float32)], [p + ".gelu"])
        o = linear(g, p + ".ffn_out", f"layers.{i}.ffn_out", p + ".ffo")
        res = node("Add", [x, o], [p + ".res2"])
        x = layer_norm(res, p + ".ln2", f"layers.{i}.ln2", f"x{i + 1}")

    m3 = node("Unsqueeze", [maskf, const("axes_last2", [-1])], ["mask.col"])
    summed = node("ReduceSum", [node("Mul", [x, m3], ["masked_x"]), const("axes_one", [1])],
                  ["pool.sum"], keepdims=0)
    count = node("ReduceSum", [m3, const("axes_one_c", [1])], ["pool.count0"], keepdims=0)
    count = node("Max", [count, const("one_f2", [1.0], np.float32)], ["pool.count"])
    pooled = node("Div", [summed, count], ["pooled"])
    e = linear(pooled, "proj", "proj", "proj_out")
    norm = node("ReduceL2", [e], ["e.norm0"], axes=[-1], keepdims=1)  # axes is an attribute until opset 18
    norm = node("Max", [norm, const("tiny", [1e-12], np.float32)], ["e.norm"])
    node("Div", [e, norm], ["embedding"])
    init("frustration.weight", sd["frustration.weight"].reshape(-1).astype(np.float32))
    init("frustration.bias", sd["frustration.bias"].reshape(-1).astype(np.float32))
    w = node("Unsqueeze", ["frustration.weight", const("axes_last3", [-1])], ["fr.w"])
    logit = node("MatMul", ["embedding", w], ["fr.logit0"])
    logit = node("Squeeze", [logit, const("axes_last4", [-1])], ["fr.logit1"])
    logit = node("Add", [logit, "frustration.bias"], ["fr.logit"])
    node("Sigmoid", [logit], ["frustration"])

    graph = helper.make_graph(
        nodes, "parley_student",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", c["output_dim"]]),
         helper.make_tensor_value_info("frustration", TensorProto.FLOAT, ["batch"])],
        inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                   producer_name="parley models/student.py")
    onnx_model.ir_version = 8
    meta = {"parley.format": FORMAT, "hidden": h, "layers": c["layers"], "heads": heads,
            "ffn": c["ffn"], "output_dim": c["output_dim"], "max_positions": c["max_positions"],
            "vocab_size": c["vocab_size"], "layer_norm_eps": repr(float(c["eps"]))}
    for key, value in meta.items():
        entry = onnx_model.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.checker.check_model(onnx_model)
    onnx.save(onnx_model, path)
