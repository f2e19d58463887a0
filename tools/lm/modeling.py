"""Tiny GPT-2 and Llama decoders in plain torch, laid out like the Hugging Face ones.

forward(input_ids, attention_mask, [position_ids], past) returns
(logits, presents); past/presents are lists of (key, value) tensors shaped
[batch, kv_heads, length, head_dim], the layout the ONNX exports use.
"""
import math

import torch
from torch import nn

NEG = -1e9  # additive mask value; finite so fully masked (padding) rows stay NaN-free


def additive_mask(attention_mask, q_len):
    """Causal + padding mask [B, 1, q, T] for queries at the last q of T positions."""
    total = attention_mask.shape[1]
    q_pos = torch.arange(q_len, device=attention_mask.device) + (total - q_len)
    k_pos = torch.arange(total, device=attention_mask.device)
    causal = k_pos[None, :] <= q_pos[:, None]
    keep = causal[None, None, :, :] & (attention_mask[:, None, None, :] > 0)
    return torch.where(keep, torch.zeros((), dtype=torch.float32), torch.full((), NEG, dtype=torch.float32))


def positions_from_mask(attention_mask, q_len):
    """position = cumsum(mask) - 1, clipped at 0: left padding does not shift positions."""
    pos = torch.cumsum(attention_mask, dim=1) - 1
    pos = torch.clamp(pos, min=0)
    return pos[:, pos.shape[1] - q_len:]


def attend(q, k, v, mask):
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) + mask
    return torch.matmul(torch.softmax(scores, dim=-1), v)


def attend_grouped(q, k, v, mask):
    """Grouped-query attention without copying the keys and values once per query head.

    q is [B, heads, s, d]; k and v are [B, kv_heads, T, d], each KV head serving
    heads // kv_heads consecutive query heads. The query heads of a group are
    stacked along the sequence axis ([B, kv_heads, rep * s, d]), so each KV head
    is read by one matmul in place; repeating it (Hugging Face's repeat_kv)
    would write rep copies of the whole cache in every layer at every step.
    Same result as attend() on keys and values with each KV head repeated for
    its query heads.
    """
    b, heads, s, d = q.shape
    kv_heads = k.shape[1]
    rep = heads // kv_heads
    if rep == 1:
        return attend(q, k, v, mask)
    out = attend(q.reshape(b, kv_heads, rep * s, d), k, v, mask.repeat(1, 1, rep, 1))
    return out.reshape(b, heads, s, d)


class GPT2Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)

    def split(self, x):
        b, s, d = x.shape
        return x.view(b, s, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x, mask, past):
        q, k, v = self.c_attn(self.ln_1(x)).chunk(3, dim=-1)
        q, k, v = self.split(q), self.split(k), self.split(v)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        a = attend(q, k, v, mask)
        b, h, s, hd = a.shape
        x = x + self.c_proj(a.transpose(1, 2).reshape(b, s, h * hd))
        x = x + self.mlp_proj(nn.functional.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
        return x, (k, v)


class TinyGPT2(nn.Module):
    """GPT-2 layout. No position_ids input: positions come from the attention mask."""

    def __init__(self, vocab, d, layers, heads, n_positions, dropout=0.0):
        super().__init__()
        self.cfg = dict(vocab=vocab, d=d, layers=layers, heads=heads, n_positions=n_positions)
        self.drop = nn.Dropout(dropout)  # training only; eval mode (and the export) skips it
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(n_positions, d)
        self.h = nn.ModuleList([GPT2Block(d, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d, eps=1e-5)

    def forward(self, input_ids, attention_mask, past=None, hidden_only=False):
        q_len = input_ids.shape[1]
        pos = positions_from_mask(attention_mask, q_len)
        x = self.drop(self.wte(input_ids) + self.wpe(pos))
        mask = additive_mask(attention_mask, q_len)
        presents = []
        for i, block in enumerate(self.h):
            x, kv = block(x, mask, None if past is None else past[i])
            x = self.drop(x)
            presents.append(kv)
        if hidden_only:
            # Training asks for the final hidden states so it can project only the scored positions.
            return self.ln_f(x), presents
        logits = torch.matmul(self.ln_f(x), self.head_weight.t())  # tied, as in GPT-2
        return logits, presents

    @property
    def head_weight(self):
        return self.wte.weight


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class LlamaBlock(nn.Module):
    def __init__(self, d, heads, kv_heads, ffn, qkv_bias=False):
        super().__init__()
        self.heads, self.kv_heads, self.hd = heads, kv_heads, d // heads
        self.input_layernorm = RMSNorm(d)
        # Qwen2 is the Llama layout with biases on the query, key and value projections.
        self.q_proj = nn.Linear(d, heads * self.hd, bias=qkv_bias)
        self.k_proj = nn.Linear(d, kv_heads * self.hd, bias=qkv_bias)
        self.v_proj = nn.Linear(d, kv_heads * self.hd, bias=qkv_bias)
        self.o_proj = nn.Linear(heads * self.hd, d, bias=False)
        self.post_attention_layernorm = RMSNorm(d)
        self.gate_proj = nn.Linear(d, ffn, bias=False)
        self.up_proj = nn.Linear(d, ffn, bias=False)
        self.down_proj = nn.Linear(ffn, d, bias=False)

    def forward(self, x, mask, cos, sin, past):
        b, s, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, s, self.heads, self.hd).transpose(1, 2)
        k = self.k_proj(h).view(b, s, self.kv_heads, self.hd).transpose(1, 2)
        v = self.v_proj(h).view(b, s, self.kv_heads, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        a = attend_grouped(q, k, v, mask)
        x = x + self.o_proj(a.transpose(1, 2).reshape(b, s, self.heads * self.hd))
        h = self.post_attention_layernorm(x)
        x = x + self.down_proj(nn.functional.silu(self.gate_proj(h)) * self.up_proj(h))
        return x, (k, v)


class TinyLlama(nn.Module):
    """Llama layout: position_ids input, RoPE, RMSNorm, SwiGLU, grouped-query attention (qkv_bias: Qwen2's)."""

    def __init__(self, vocab, d, layers, heads, kv_heads, ffn, rope_theta=10000.0, tie=False, max_positions=2048,
                 dropout=0.0, qkv_bias=False):
        super().__init__()
        self.cfg = dict(vocab=vocab, d=d, layers=layers, heads=heads, kv_heads=kv_heads, ffn=ffn, rope_theta=rope_theta,
                        tie=tie, max_positions=max_positions, qkv_bias=qkv_bias)
        hd = d // heads
        self.register_buffer("inv_freq", 1.0 / (rope_theta ** (torch.arange(0, hd, 2).float() / hd)), persistent=False)
        self.drop = nn.Dropout(dropout)  # training only; eval mode (and the export) skips it
        self.embed_tokens = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([LlamaBlock(d, heads, kv_heads, ffn, qkv_bias) for _ in range(layers)])
        self.norm = RMSNorm(d)
        # Tied (tie_word_embeddings, as Qwen2's small models): the LM head is the embedding matrix.
        self.lm_head = None if tie else nn.Linear(d, vocab, bias=False)

    @property
    def head_weight(self):
        return self.embed_tokens.weight if self.lm_head is None else self.lm_head.weight

    def forward(self, input_ids, attention_mask, position_ids=None, past=None, hidden_only=False):
        if position_ids is None:
            position_ids = positions_from_mask(attention_mask, input_ids.shape[1])
        freqs = position_ids[..., None].float() * self.inv_freq
        emb = torch.cat([freqs, freqs], dim=-1)[:, None, :, :]
        cos, sin = emb.cos(), emb.sin()
        x = self.drop(self.embed_tokens(input_ids))
        mask = additive_mask(attention_mask, input_ids.shape[1])
        presents = []
        for i, layer in enumerate(self.layers):
            x, kv = layer(x, mask, cos, sin, None if past is None else past[i])
            x = self.drop(x)
            presents.append(kv)
        if hidden_only:
            return self.norm(x), presents
        return torch.matmul(self.norm(x), self.head_weight.t()), presents
