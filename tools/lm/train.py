"""Trains the bundled demo model models/stylesprint-desc on the catalog's training split.

Each example is the gateway's real v3 prompt (rendered by the TypeScript
builder, see tools/export-training-data.ts) + " " + target + EOS, where the
target restates the prompt's facts and closes with a sentence or two for the
product's category (targets.py); the loss covers the target and EOS only, so
the model learns to write, not to repeat prompts.
"""
import json
import math
import os
import random
import sys
import time

import torch

from .bpe import ByteLevelBPE, tokenizer_json, train_bpe
from .export import write_folder, write_json
from .modeling import TinyGPT2, TinyLlama
from .targets import closing, closing_texts, fact_patterns, fact_sentences, fact_words, lexicon, lexicon_texts, novelty_table, pattern_texts, token_forms

SEED = 1234
# DEMO_ARCH: "llama" (the default since the second model: one KV head shared by the
# four query heads, RoPE, SwiGLU, tied embeddings) or "gpt2" (the first model's layout).
# One KV head makes the cache a quarter of the GPT-2 layout's, which is what
# batched decoding pays for per row.
ARCH = os.environ.get("DEMO_ARCH", "llama")
HP = dict(arch=ARCH, vocab_size=4096, d=128, layers=4, heads=4, n_positions=256, dropout=0.05,
          **(dict(kv_heads=1, ffn=384) if ARCH == "llama" else {}),
          steps=int(os.environ.get("DEMO_STEPS", "3000")), batch=16, lr=3e-3, warmup=40, weight_decay=0.1)
# Invented products kept out of training: every EVAL_EVERY steps the model
# writes their first sentence greedily, and the log records how often it
# copies the whole title and how many of the listed facts it restates.
VALIDATION = 48
EVAL_EVERY = 300
# The first COPY_WARMUP steps train on fact sentences alone (no closing):
# the model learns to copy from the prompt before it spends its capacity on
# the closing sentences. Without this phase, 600 mixed steps had not taught it
# to copy a single title.
COPY_WARMUP = int(os.environ.get("DEMO_COPY_WARMUP", "800"))
# Token n-grams of the training descriptions that decoding may not complete
# (novelty_ngrams.json); 8 matches the bundled-model test's 8-word rule.
NOVELTY_N = int(os.environ.get("DEMO_NOVELTY_N", "8"))
# Decoding defaults shipped in generation_config.json; chosen so that held-out
# products get new text (no 8-gram copied from a training description). The
# model's own rules are the stylesprint-facts plugin's options
# (providers/onnx-plugins/stylesprint/):
# prompt_copy_bias: the copy help for the product's words (prompt-copy.ts).
# lexicon_file: the words the model may write besides the product's own (lexicon.ts).
# fact_numbers_only: every number written is one of the product's (numbers.ts).
# no_repeat_word_window: no word twice in a row (lexicon.ts); 1, not 2, so that "wear after wear" stays whole.
# frame_sentences: the 2 fact sentences use only the patterns' words and the product's own (lexicon.ts).
# fact_patterns_file: the 2 fact sentences follow the training patterns, filled with the product's facts (fact-grammar.ts).
GENERATION = dict(do_sample=True, temperature=0.7, top_k=40, top_p=0.9, repetition_penalty=1.05, max_new_tokens=128,
                  logits_processor_plugin="stylesprint-facts",
                  logits_processor_options=dict(output_no_repeat_ngram_size=3, novelty_ngram_size=NOVELTY_N,
                                                prompt_copy_bias=20, lexicon_file="lexicon.json",
                                                fact_numbers_only=True, no_repeat_word_window=1, frame_sentences=2,
                                                fact_patterns_file="fact_patterns.json"))
EOS = "<|endoftext|>"


def load_rows(root):
    path = os.path.join(root, "dist", "training", "stylesprint-desc.jsonl")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: run `npx tsc -p tsconfig.json && node dist/tools/export-training-data.js` first")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def batches(examples, batch, pad, rng):
    """Right-padded batches (training needs no left padding); labels -100 outside the target."""
    order = list(range(len(examples)))
    while True:
        rng.shuffle(order)
        for i in range(0, len(order) - batch + 1, batch):
            chunk = [examples[j] for j in order[i:i + batch]]
            width = max(len(ids) for ids, _ in chunk)
            ids = torch.full((batch, width), pad, dtype=torch.long)
            mask = torch.zeros((batch, width), dtype=torch.long)
            labels = torch.full((batch, width), -100, dtype=torch.long)
            for r, (seq, start) in enumerate(chunk):
                ids[r, :len(seq)] = torch.tensor(seq)
                mask[r, :len(seq)] = 1
                labels[r, start:len(seq)] = torch.tensor(seq[start:])
            yield ids, mask, labels


def train_step(model, opt, sched, batch):
    """One optimiser step on a (ids, mask, labels) batch; returns the loss."""
    ids, mask, labels = batch
    hidden, _ = model(ids, mask, hidden_only=True)
    # The LM head (the largest matmul here) runs only where a label is scored: the
    # prompt positions would cost about 40% of it for nothing.
    target = labels[:, 1:].reshape(-1)
    scored = target != -100
    logits = torch.matmul(hidden[:, :-1].reshape(-1, hidden.shape[-1])[scored], model.head_weight.t())
    loss = torch.nn.functional.cross_entropy(logits, target[scored])
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    return loss.item()


def write_model_folder(out, model, vocab, merges, eos):
    """The ONNX export, config, generation_config and tokenizer files of the demo model."""
    tok_cfg = {"tokenizer_class": "GPT2Tokenizer", "bos_token": EOS, "eos_token": EOS, "unk_token": EOS,
               "add_prefix_space": False, "clean_up_tokenization_spaces": False, "model_max_length": HP["n_positions"]}
    gen = dict(GENERATION, bos_token_id=eos, eos_token_id=eos, pad_token_id=eos)
    write_folder(out, model, True, tokenizer_json(vocab, merges, [EOS]), tok_cfg, gen, eos, eos, logits_to_keep=True)


def greedy(model, prompt, eos, limit):
    """Greedy continuation of one prompt (no cache: validation only)."""
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(limit):
            x = torch.tensor([ids[-HP["n_positions"]:]])
            logits, _ = model(x, torch.ones_like(x))
            nxt = int(logits[0, -1].argmax())
            if nxt == eos:
                break
            ids.append(nxt)
    return ids[len(prompt):]


def copy_rate(model, bpe, validation, eos):
    """Share of validation prompts whose continuation names the whole title, and share of facts restated."""
    model.eval()
    titles = facts = total = 0
    for r in validation:
        text = bpe.decode(greedy(model, bpe.encode(r["prompt"]), eos, 48))
        f = r["facts"]
        titles += f["title"] in text
        listed = list(f["attributes"]) + list(f["colors"]) + list(f["materials"])
        facts += sum(1 for item in listed if item in text)
        total += len(listed)
    model.train()
    return round(titles / len(validation), 3), round(facts / max(1, total), 3)


def save_checkpoint(path, step, model, opt, sched, losses, evals):
    torch.save({"step": step, "model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                "losses": losses, "evals": evals, "torch_rng": torch.get_rng_state()}, path)


def write_lexicon(out, rows):
    """The runtime's word files: lexicon.json and fact_patterns.json."""
    write_json(os.path.join(out, "lexicon.json"), lexicon(lexicon_texts(rows), fact_words(rows)))
    write_json(os.path.join(out, "fact_patterns.json"), fact_patterns())


def write_novelty(out, bpe, train):
    """novelty_ngrams.json: every n-gram of word forms of the training descriptions."""
    descriptions = sorted({r["description"] for r in train if r["description"]})
    table = novelty_table([bpe.encode(" " + d) for d in descriptions], NOVELTY_N, token_forms(bpe.token_bytes()))
    write_json(os.path.join(out, "novelty_ngrams.json"), table)


def make_novelty(root):
    """Rewrites only novelty_ngrams.json of the demo model (DEMO_OUT or models/stylesprint-desc)
    from its tokenizer.json and the training JSONL."""
    out = os.environ.get("DEMO_OUT") or os.path.join(root, "models", "stylesprint-desc")
    vocab, merges = load_bpe(out)
    bpe = ByteLevelBPE(vocab, merges, [EOS])
    write_novelty(out, bpe, [r for r in load_rows(root) if r["split"] == "train"])
    print(f"novelty table written to {out}")


def make_lexicon(root):
    """Rewrites only lexicon.json and fact_patterns.json of the demo model (DEMO_OUT or
    models/stylesprint-desc) from the training JSONL, and names the patterns in its generation_config.json."""
    out = os.environ.get("DEMO_OUT") or os.path.join(root, "models", "stylesprint-desc")
    write_lexicon(out, load_rows(root))
    config = os.path.join(out, "generation_config.json")
    with open(config) as f:
        gen = json.load(f)
    gen["fact_patterns_file"] = GENERATION["fact_patterns_file"]
    write_json(config, gen)
    print(f"lexicon and fact patterns written to {out}")


def make_demo(root):
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    torch.set_num_threads(int(os.environ.get("DEMO_THREADS", "0")) or max(1, os.cpu_count() or 1))
    rows = load_rows(root)
    train = [r for r in rows if r["split"] == "train"]
    catalog = [r for r in train if r.get("kind", "catalog") == "catalog"]
    skus = sorted({r["sku"] for r in catalog})
    # The tokenizer sees training-split text only (prompts and descriptions), and the patterns and closings.
    corpus = ([r["prompt"] for r in catalog if r["variant"] == 0] + [r["description"] for r in catalog if r["variant"] == 0]
              + pattern_texts() + closing_texts())
    # min_count 1: whole catalog words become single tokens, so the small model
    # cannot misspell them by stringing sub-word pieces together.
    vocab, merges = train_bpe(corpus, HP["vocab_size"], [EOS], min_count=1)
    bpe = ByteLevelBPE(vocab, merges, [EOS])
    eos = len(vocab)
    category_of = {r["sku"]: r["facts"]["category"] for r in catalog if r["variant"] == 0}
    # A fixed set of invented products is held back for the copy check.
    invented = [r for r in train if r.get("kind") == "recombined"]
    validation = rng.sample(invented, VALIDATION)
    held_back = {id(r) for r in validation}
    examples, copy_examples = [], []
    for r in train:
        if id(r) in held_back:
            continue
        prompt = bpe.encode(r["prompt"])
        copy_seq = prompt + bpe.encode(" " + fact_sentences(r["facts"], rng)) + [eos]
        copy_examples.append((copy_seq[:HP["n_positions"]], len(prompt)))
        # Then the closing: a styling sentence of the product's category, and sometimes
        # a care sentence (targets.closing), for catalog and invented products alike.
        # The prompt variant may leave the category out; the closing still knows it.
        facts = dict(r["facts"], category=category_of[r["sku"].removesuffix("-R")])
        # Labels start at the last prompt token: its next-token target is the target's first token.
        seq = prompt + bpe.encode(" " + fact_sentences(r["facts"], rng) + " " + closing(facts, rng)) + [eos]
        examples.append((seq[:HP["n_positions"]], len(prompt)))
    print(f"{len(examples)} examples, longest {max(len(s) for s, _ in examples)} tokens", flush=True)
    # Shift happens in the loss, so the label at position t is seq[t]; predicting it uses positions < t.
    if ARCH == "llama":
        model = TinyLlama(vocab=eos + 1, d=HP["d"], layers=HP["layers"], heads=HP["heads"], kv_heads=HP["kv_heads"],
                          ffn=HP["ffn"], tie=True, max_positions=HP["n_positions"], dropout=HP["dropout"])
    else:
        model = TinyGPT2(vocab=eos + 1, d=HP["d"], layers=HP["layers"], heads=HP["heads"],
                         n_positions=HP["n_positions"], dropout=HP["dropout"])
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                torch.nn.init.normal_(p, std=0.02)
    opt = torch.optim.AdamW(model.parameters(), lr=HP["lr"], weight_decay=HP["weight_decay"], betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / HP["warmup"]) *
                                              0.5 * (1 + math.cos(math.pi * min(s, HP["steps"]) / HP["steps"])))
    model.train()
    t0, losses, evals, first = time.time(), [], [], 0
    # Checkpoints let a long run stop and resume (DEMO_RESUME=1); a resumed run
    # draws other batches than an uninterrupted one would.
    ckpt = os.path.join(root, "dist", "training", "stylesprint-desc.ckpt.pt")
    if os.environ.get("DEMO_RESUME") == "1" and os.path.exists(ckpt):
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        losses, evals, first = state["losses"], state["evals"], state["step"]
        torch.set_rng_state(state["torch_rng"])
        rng.seed(SEED + first)
        print(f"resumed at step {first}", flush=True)
    stream = batches(examples, HP["batch"], eos, rng)
    copy_stream = batches(copy_examples, HP["batch"], eos, rng)
    for step in range(first, HP["steps"]):
        losses.append(train_step(model, opt, sched, next(copy_stream if step < COPY_WARMUP else stream)))
        if step % 50 == 0 or step == HP["steps"] - 1:
            print(f"step {step} loss {sum(losses[-50:]) / len(losses[-50:]):.3f} {time.time() - t0:.0f}s", flush=True)
        if (step + 1) % EVAL_EVERY == 0 or step == HP["steps"] - 1:
            titles, restated = copy_rate(model, bpe, validation, eos)
            evals.append({"step": step + 1, "title_copied": titles, "facts_restated": restated})
            print(f"step {step + 1} copy check: whole title {titles}, facts restated {restated}", flush=True)
            save_checkpoint(ckpt, step + 1, model, opt, sched, losses, evals)
    model.eval()
    out = os.environ.get("DEMO_OUT") or os.path.join(root, "models", "stylesprint-desc")
    write_model_folder(out, model, vocab, merges, eos)
    write_novelty(out, bpe, train)
    write_lexicon(out, rows)
    params = sum(p.numel() for p in model.parameters())
    write_json(os.path.join(out, "training_log.json"), {
        "seed": SEED, "hyperparameters": dict(HP, copy_warmup_steps=COPY_WARMUP), "vocab_size_actual": eos + 1, "generation": GENERATION, "train_products": len(skus),
        "train_examples": len(examples), "recombined_examples": sum(1 for r in train if r.get("kind") == "recombined") - VALIDATION,
        "validation_invented_products": VALIDATION, "copy_check": evals, "parameters": params, "seconds": round(time.time() - t0),
        "final_loss_last50": round(sum(losses[-50:]) / len(losses[-50:]), 4),
        "loss_every_50": [round(sum(losses[i:i + 50]) / len(losses[i:i + 50]), 4) for i in range(0, len(losses), 50)]})
    print(f"demo model written to {out} ({params} parameters)")


# The second stage of the bundled model: the first (make_demo at commit 457df1c,
# which ended every target with the product's own catalog description) copies
# the prompt's facts well but stitches its closing passage from phrases of the
# 96 descriptions it memorised; these steps teach it the closing sentences of
# targets.py instead. Trained from scratch on those targets (make_demo now;
# measured before the occasion sentences were added), the same model copied far
# fewer titles (40% of the held-back invented products' against 85%), so the
# copying comes from the first stage.
FINETUNE = dict(steps=int(os.environ.get("DEMO_FINETUNE_STEPS", "800")), lr=1e-3, warmup=20, batch=16,
                weight_decay=0.1, seed=SEED, eval_every=200)


def load_bpe(folder):
    """The byte-level BPE of a model folder's tokenizer.json (its vocab order and merges)."""
    with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
        model = json.load(f)["model"]
    vocab = [tok for tok, _ in sorted(model["vocab"].items(), key=lambda kv: kv[1]) if tok != EOS]
    merges = [tuple(m.split(" ")) for m in model["merges"]]
    return vocab, merges


def make_finetune(root):
    """Fine-tunes the first stage's checkpoint on the current targets and writes the model folder.

    DEMO_FROM: the first stage's model folder (its tokenizer is kept), default the output folder.
    DEMO_FROM_CKPT: its checkpoint, default dist/training/stylesprint-desc.ckpt.pt (what make_demo writes).
    """
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    torch.set_num_threads(int(os.environ.get("DEMO_THREADS", "0")) or max(1, os.cpu_count() or 1))
    out = os.environ.get("DEMO_OUT") or os.path.join(root, "models", "stylesprint-desc")
    source = os.environ.get("DEMO_FROM") or out
    ckpt = os.environ.get("DEMO_FROM_CKPT") or os.path.join(root, "dist", "training", "stylesprint-desc.ckpt.pt")
    with open(os.path.join(source, "training_log.json"), encoding="utf-8") as f:
        first_stage = json.load(f)
    first_stage = first_stage.get("first_stage", first_stage)
    vocab, merges = load_bpe(source)
    bpe = ByteLevelBPE(vocab, merges, [EOS])
    eos = len(vocab)
    rows = load_rows(root)
    train = [r for r in rows if r["split"] == "train"]
    catalog = [r for r in train if r.get("kind", "catalog") == "catalog"]
    category_of = {r["sku"]: r["facts"]["category"] for r in catalog if r["variant"] == 0}
    invented = [r for r in train if r.get("kind") == "recombined"]
    validation = rng.sample(invented, VALIDATION)
    held_back = {id(r) for r in validation}
    examples = []
    for r in train:
        if id(r) in held_back:
            continue
        prompt = bpe.encode(r["prompt"])
        facts = dict(r["facts"], category=category_of[r["sku"].removesuffix("-R")])
        seq = prompt + bpe.encode(" " + fact_sentences(r["facts"], rng) + " " + closing(facts, rng)) + [eos]
        examples.append((seq[:HP["n_positions"]], len(prompt)))
    model = TinyLlama(vocab=eos + 1, d=HP["d"], layers=HP["layers"], heads=HP["heads"], kv_heads=HP["kv_heads"],
                      ffn=HP["ffn"], tie=True, max_positions=HP["n_positions"], dropout=HP["dropout"])
    model.load_state_dict(torch.load(ckpt)["model"])
    steps = FINETUNE["steps"]
    opt = torch.optim.AdamW(model.parameters(), lr=FINETUNE["lr"], weight_decay=FINETUNE["weight_decay"], betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / FINETUNE["warmup"]) *
                                              0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    titles, restated = copy_rate(model, bpe, validation, eos)
    evals = [{"step": 0, "title_copied": titles, "facts_restated": restated}]
    print(f"{len(examples)} examples; before: whole title {titles}, facts restated {restated}", flush=True)
    model.train()
    t0, losses = time.time(), []
    stream = batches(examples, FINETUNE["batch"], eos, rng)
    for step in range(steps):
        losses.append(train_step(model, opt, sched, next(stream)))
        if step % 50 == 0 or step == steps - 1:
            print(f"step {step} loss {sum(losses[-50:]) / len(losses[-50:]):.3f} {time.time() - t0:.0f}s", flush=True)
        if (step + 1) % FINETUNE["eval_every"] == 0 or step == steps - 1:
            titles, restated = copy_rate(model, bpe, validation, eos)
            evals.append({"step": step + 1, "title_copied": titles, "facts_restated": restated})
            print(f"step {step + 1} copy check: whole title {titles}, facts restated {restated}", flush=True)
    model.eval()
    write_model_folder(out, model, vocab, merges, eos)
    write_novelty(out, bpe, train)
    write_lexicon(out, rows)
    write_json(os.path.join(out, "training_log.json"), {
        "first_stage": first_stage,
        "finetune": {"hyperparameters": FINETUNE, "examples": len(examples), "copy_check": evals,
                     "seconds": round(time.time() - t0), "final_loss_last50": round(sum(losses[-50:]) / len(losses[-50:]), 4),
                     "loss_every_50": [round(sum(losses[i:i + 50]) / len(losses[i:i + 50]), 4) for i in range(0, len(losses), 50)]},
        "generation": GENERATION})
    print(f"fine-tuned model written to {out}")
