"""A tiny decoder built from onnxruntime's com.microsoft operators, as the
onnxruntime-genai builder and int4 exports write them: MatMulNBits (4-bit
weights in blocks, with scales) for the projections and GroupQueryAttention
for attention with a KV cache. No torch: the graph is written with the onnx
package's helper, and the expected logits come from numpy.

Inputs input_ids, attention_mask, past_key_values.0.key/value; outputs logits
and present.0.key/value, so the provider's decoder reads it like any export.
No rotary embedding: the fixture is for loading and running the operators.
"""
import math
import os

import numpy as np

V_BLOCK = 16  # MatMulNBits block size along K


def _quantize(rng, n, k):
    """Random 4-bit weights [n, k]: the dequantized matrix, and MatMulNBits' packed blocks and scales (zero point 8)."""
    q = rng.integers(0, 16, size=(n, k)).astype(np.uint8)
    scales = (rng.random((n, k // V_BLOCK)) * 0.1 + 0.02).astype(np.float32)
    w = (q.astype(np.float32) - 8) * np.repeat(scales, V_BLOCK, axis=1)
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8).reshape(n, k // V_BLOCK, V_BLOCK // 2)
    return w, packed, scales.reshape(-1)


def build(vocab, seed=0, d=32, heads=4, kv_heads=2):
    """The ONNX model and the numpy weights it holds."""
    from onnx import TensorProto, helper, numpy_helper

    hd = d // heads
    rng = np.random.default_rng(seed)
    weights = {"embed": (rng.standard_normal((vocab, d)) * 0.5).astype(np.float32)}
    inits = [numpy_helper.from_array(weights["embed"], "embed"),
             numpy_helper.from_array(weights["embed"].T.copy(), "lm_head"),
             numpy_helper.from_array(np.array([1], dtype=np.int64), "one")]
    nodes = []

    def node(op, inputs, outputs, domain="", **attrs):
        nodes.append(helper.make_node(op, inputs, outputs, domain=domain, **attrs))

    for name, n, k in (("q", heads * hd, d), ("k", kv_heads * hd, d), ("v", kv_heads * hd, d), ("o", d, heads * hd)):
        w, packed, scales = _quantize(rng, n, k)
        weights[name] = w
        inits += [numpy_helper.from_array(packed, f"{name}_B"), numpy_helper.from_array(scales, f"{name}_scales")]
    node("Gather", ["embed", "input_ids"], ["x"])
    for name, n in (("q", heads * hd), ("k", kv_heads * hd), ("v", kv_heads * hd)):
        node("MatMulNBits", ["x", f"{name}_B", f"{name}_scales"], [name], "com.microsoft", K=d, N=n, bits=4, block_size=V_BLOCK)
    # GroupQueryAttention reads each row's length from seqlens_k (its total length minus one) and the longest from total_sequence_length.
    node("ReduceSum", ["attention_mask", "one"], ["lengths"], keepdims=0)
    node("Sub", ["lengths", "one"], ["last"])
    node("Cast", ["last"], ["seqlens_k"], to=TensorProto.INT32)
    node("Shape", ["attention_mask"], ["mask_shape"])
    node("Gather", ["mask_shape", "one"], ["total"], axis=0)
    node("Cast", ["total"], ["total_sequence_length"], to=TensorProto.INT32)
    node("GroupQueryAttention", ["q", "k", "v", "past_key_values.0.key", "past_key_values.0.value", "seqlens_k", "total_sequence_length"],
         ["attn", "present.0.key", "present.0.value"], "com.microsoft", num_heads=heads, kv_num_heads=kv_heads)
    node("MatMulNBits", ["attn", "o_B", "o_scales"], ["o"], "com.microsoft", K=heads * hd, N=d, bits=4, block_size=V_BLOCK)
    node("Add", ["x", "o"], ["h"])
    node("MatMul", ["h", "lm_head"], ["logits"])
    past = ["batch_size", kv_heads, "past_sequence_length", hd]
    present = ["batch_size", kv_heads, "total_sequence_length", hd]
    graph = helper.make_graph(nodes, "tiny-contrib-ops", [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "total_sequence_length"]),
        helper.make_tensor_value_info("past_key_values.0.key", TensorProto.FLOAT, past),
        helper.make_tensor_value_info("past_key_values.0.value", TensorProto.FLOAT, past),
    ], [
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", vocab]),
        helper.make_tensor_value_info("present.0.key", TensorProto.FLOAT, present),
        helper.make_tensor_value_info("present.0.value", TensorProto.FLOAT, present),
    ], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    return model, dict(weights, heads=heads, kv_heads=kv_heads, hd=hd)


def reference_logits(w, ids, past=None):
    """numpy logits of one unpadded row (ids after `past` = (keys, values) [kv_heads, P, hd]), and the new past."""
    x = w["embed"][ids]
    s, hd, heads, kv = len(ids), w["hd"], w["heads"], w["kv_heads"]
    q = (x @ w["q"].T).reshape(s, heads, hd)
    k = (x @ w["k"].T).reshape(s, kv, hd).transpose(1, 0, 2)
    v = (x @ w["v"].T).reshape(s, kv, hd).transpose(1, 0, 2)
    if past is not None:
        k = np.concatenate([past[0], k], axis=1)
        v = np.concatenate([past[1], v], axis=1)
    total = k.shape[1]
    out = np.zeros((s, heads, hd), dtype=np.float64)
    for h in range(heads):
        g = h // (heads // kv)
        for i in range(s):
            at = total - s + i  # causal: a query sees the keys up to its own position
            scores = (k[g, :at + 1] @ q[i, h]) / math.sqrt(hd)
            p = np.exp(scores - scores.max())
            out[i, h] = (p / p.sum()) @ v[g, :at + 1]
    h_out = x + out.reshape(s, heads * hd) @ w["o"].T
    return h_out @ w["embed"].T, (k, v)


def make_contrib_fixture(folder, tokenizer_from, write_json, texts_ids):
    """test/fixtures/models/tiny-contrib-ops: the graph, configs, a borrowed tokenizer, and numpy's logits."""
    import json
    import shutil

    import onnx

    with open(os.path.join(tokenizer_from, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    vocab = config["vocab_size"]
    model, w = build(vocab)
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    onnx.save(model, os.path.join(folder, "onnx", "model.onnx"))
    for name in ("tokenizer.json", "tokenizer_config.json", "generation_config.json"):
        shutil.copy(os.path.join(tokenizer_from, name), os.path.join(folder, name))
    config.update(vocab_size=vocab, hidden_size=32, num_attention_heads=w["heads"], num_key_value_heads=w["kv_heads"],
                  head_dim=w["hd"], num_hidden_layers=1, intermediate_size=0)
    write_json(os.path.join(folder, "config.json"), config)
    ids, nxt = texts_ids
    prefill, past = reference_logits(w, ids)
    step, _ = reference_logits(w, [nxt], past)
    write_json(os.path.join(folder, "expected_logits.json"), {
        "input_ids": ids, "next_id": nxt, "vocab": vocab,
        "prefill_last": [round(float(x), 5) for x in prefill[-1]], "decode": [round(float(x), 5) for x in step[-1]]})
