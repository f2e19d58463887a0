"""ONNX export in the Hugging Face layout (onnx/model.onnx + json files)."""
import json
import os

import torch
from torch import nn

from .modeling import TinyGPT2, TinyLlama


class _Flat(nn.Module):
    """Flat positional inputs/outputs, as torch.onnx.export needs them."""

    def __init__(self, model, with_past, merged=False, logits_to_keep=False):
        super().__init__()
        self.model, self.with_past, self.merged, self.keep = model, with_past, merged, logits_to_keep
        self.llama = isinstance(model, TinyLlama)

    def forward(self, *args):
        input_ids, attention_mask = args[0], args[1]
        rest = list(args[2:])
        extra = [rest.pop(0)] if self.llama else []
        keep = rest.pop() if self.keep else None
        if self.merged:
            # Merged layout: use_cache_branch=false means "ignore the past inputs"
            # (the first step); keep 0 of their positions then, all of them otherwise.
            flag = rest.pop().to(torch.int64)
            rest = [t.index_select(2, torch.arange(t.shape[2] * flag[0])) for t in rest]
        past = [(rest[2 * i], rest[2 * i + 1]) for i in range(len(rest) // 2)] if self.with_past else None
        if keep is None:
            logits, presents = self.model(input_ids, attention_mask, *extra, past=past)
        else:
            # `logits_to_keep` (transformers' name): the LM head runs on the last
            # k positions only, so a prefill does not project every prompt token.
            hidden, presents = self.model(input_ids, attention_mask, *extra, past=past, hidden_only=True)
            hidden = hidden[:, hidden.shape[1] - keep:]
            logits = torch.matmul(hidden, self.model.head_weight.t())
        if not self.with_past:
            return logits
        return (logits, *[t for kv in presents for t in kv])


def kv_shape(model):
    c = model.cfg
    heads = c["heads"]
    return c.get("kv_heads", heads), c["d"] // heads


def export_onnx(model, path, with_past, opset=14, merged=False, logits_to_keep=False, external_data=False):
    """Writes the graph with the standard names and dynamic batch/sequence/past axes.

    external_data: the weights go to `model.onnx_data` beside the graph, as the
    Hub's exports of models over 2 GB (and many smaller ones) store them.
    """
    model.eval()
    llama = isinstance(model, TinyLlama)
    layers = model.cfg["layers"]
    kvh, hd = kv_shape(model)
    b, s, p = 2, 4, 3 if with_past else 0
    ids = torch.randint(0, model.cfg["vocab"], (b, s))
    mask = torch.ones(b, p + s, dtype=torch.long)
    args = [ids, mask]
    names = ["input_ids", "attention_mask"]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    if llama:
        args.append(torch.arange(p, p + s).repeat(b, 1))
        names.append("position_ids")
        axes["position_ids"] = {0: "batch_size", 1: "sequence_length"}
    outputs = ["logits"]
    if with_past:
        for i in range(layers):
            for kind in ("key", "value"):
                args.append(torch.randn(b, kvh, p, hd))
                names.append(f"past_key_values.{i}.{kind}")
                outputs.append(f"present.{i}.{kind}")
                axes[names[-1]] = {0: "batch_size", 2: "past_sequence_length"}
                axes[outputs[-1]] = {0: "batch_size", 2: "total_sequence_length"}
    if merged:
        args.append(torch.tensor([True]))
        names.append("use_cache_branch")
    if logits_to_keep:
        args.append(torch.tensor(1, dtype=torch.long))
        names.append("logits_to_keep")
        axes["logits"] = {0: "batch_size", 1: "kept_positions"}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(_Flat(model, with_past, merged, logits_to_keep), tuple(args), path, input_names=names, output_names=outputs,
                          dynamic_axes=axes, opset_version=opset,
                          # Folding would store a tied LM head twice (the embedding, and its transpose).
                          do_constant_folding=not (external_data and model.cfg.get("tie", False)))
    if external_data:
        import onnx

        graph = onnx.load(path)
        data = os.path.basename(path) + "_data"
        if os.path.exists(os.path.join(os.path.dirname(path), data)):
            os.remove(os.path.join(os.path.dirname(path), data))
        onnx.save_model(graph, path, save_as_external_data=True, all_tensors_to_one_file=True, location=data,
                        size_threshold=1024)


def model_config(model, bos, eos, pad=None):
    c = model.cfg
    if isinstance(model, TinyGPT2):
        return {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": c["vocab"],
                "n_positions": c["n_positions"], "n_ctx": c["n_positions"], "n_embd": c["d"], "n_layer": c["layers"],
                "n_head": c["heads"], "n_inner": 4 * c["d"], "activation_function": "gelu_new",
                "layer_norm_epsilon": 1e-5, "bos_token_id": bos, "eos_token_id": eos, "tie_word_embeddings": True,
                "use_cache": True, "torch_dtype": "float32"}
    qwen2 = c.get("qkv_bias", False)
    out = {"architectures": ["Qwen2ForCausalLM" if qwen2 else "LlamaForCausalLM"], "model_type": "qwen2" if qwen2 else "llama",
           "vocab_size": c["vocab"],
           "hidden_size": c["d"], "intermediate_size": c["ffn"], "num_hidden_layers": c["layers"],
           "num_attention_heads": c["heads"], "num_key_value_heads": c["kv_heads"], "head_dim": c["d"] // c["heads"],
           "hidden_act": "silu", "max_position_embeddings": c["max_positions"], "rms_norm_eps": 1e-6,
           "rope_theta": c["rope_theta"], "bos_token_id": bos, "eos_token_id": eos, "tie_word_embeddings": c["tie"],
           "use_cache": True, "torch_dtype": "float32"}
    if pad is not None:
        out["pad_token_id"] = pad
    return out


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1 if not path.endswith("tokenizer.json") else None)
        f.write("\n")


def write_folder(out_dir, model, with_past, tokenizer, tokenizer_config, generation_config, bos, eos, pad=None,
                 merged=False, logits_to_keep=False, external_data=False):
    """The model folder; tokenizer None leaves the tokenizer files out (a fixture that borrows a published tokenizer)."""
    export_onnx(model, os.path.join(out_dir, "onnx", "model.onnx"), with_past, merged=merged, logits_to_keep=logits_to_keep,
                external_data=external_data)
    write_json(os.path.join(out_dir, "config.json"), model_config(model, bos, eos, pad))
    write_json(os.path.join(out_dir, "generation_config.json"), generation_config)
    if tokenizer is not None:
        write_json(os.path.join(out_dir, "tokenizer.json"), tokenizer)
        write_json(os.path.join(out_dir, "tokenizer_config.json"), tokenizer_config)
