"""A small byte-level BPE trainer that writes the Hugging Face tokenizers JSON.

The output is the GPT-2 layout: a BPE model over the 256 byte symbols (mapped
to printable characters with GPT-2's bytes_to_unicode table), a ByteLevel
pre-tokenizer and decoder. tokenizers.js and the Rust library both read it.
"""
import re
from collections import Counter, defaultdict

# GPT-2's split pattern, written with what Python's re module has: letters are
# [^\W\d_], numbers \d. Training splits only decide which merges are learnt;
# at run time the tokenizer applies the real ByteLevel regex.
_SPLIT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable unicode characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def train_bpe(texts, vocab_size, special_tokens, min_count=2):
    """Learns merges until the vocabulary (bytes + merges + specials) reaches vocab_size,
    or no pair occurs min_count times (min_count=1 lets every word become one token).

    Ties between equally frequent pairs are broken by the pair itself, so the
    result is deterministic.
    """
    b2u = bytes_to_unicode()
    words = Counter()
    for text in texts:
        for piece in _SPLIT.findall(text):
            words[tuple(b2u[b] for b in piece.encode("utf-8"))] += 1
    vocab = [b2u[b] for b in range(256)]
    seqs = [list(w) for w in words]
    freqs = list(words.values())
    pairs = Counter()
    where = defaultdict(set)
    for i, s in enumerate(seqs):
        for a, b in zip(s, s[1:]):
            pairs[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    merges = []
    target = vocab_size - len(special_tokens)
    while len(vocab) < target and pairs:
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        if best[1] < min_count:
            break
        (a, b) = best[0]
        merged = a + b
        merges.append((a, b))
        vocab.append(merged)
        for i in list(where[(a, b)]):
            s = seqs[i]
            for x, y in zip(s, s[1:]):
                pairs[(x, y)] -= freqs[i]
                if pairs[(x, y)] <= 0:
                    del pairs[(x, y)]
                where[(x, y)].discard(i)
            out, j = [], 0
            while j < len(s):
                if j + 1 < len(s) and s[j] == a and s[j + 1] == b:
                    out.append(merged)
                    j += 2
                else:
                    out.append(s[j])
                    j += 1
            seqs[i] = out
            for x, y in zip(out, out[1:]):
                pairs[(x, y)] += freqs[i]
                where[(x, y)].add(i)
        where.pop((a, b), None)
    return vocab, merges


def tokenizer_json(vocab, merges, special_tokens, bos_template=None):
    """The tokenizers-library JSON. special_tokens are appended after the BPE vocabulary.

    bos_template: a special token the post-processor puts before every text
    (the Llama convention); None keeps GPT-2's plain ByteLevel post-processor.
    """
    ids = {tok: i for i, tok in enumerate(vocab)}
    added = []
    for tok in special_tokens:
        ids[tok] = len(ids)
        added.append({"id": ids[tok], "content": tok, "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": False, "special": True})
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    post = dict(byte_level, trim_offsets=False)
    if bos_template is not None:
        post = {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos_template, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos_template, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": bos_template, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {bos_template: {"id": bos_template, "ids": [ids[bos_template]], "tokens": [bos_template]}},
        }
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": byte_level, "post_processor": post, "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": ids, "merges": [f"{a} {b}" for a, b in merges]},
    }


class ByteLevelBPE:
    """Encodes text with learnt merges, the same way the tokenizers library does (for training data)."""

    def __init__(self, vocab, merges, special_tokens):
        self.b2u = bytes_to_unicode()
        self.ids = {tok: i for i, tok in enumerate(vocab)}
        self.special = set(special_tokens)
        for tok in special_tokens:
            self.ids[tok] = len(self.ids)
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        self.cache = {}

    def _word(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        s = [self.b2u[b] for b in piece.encode("utf-8")]
        while len(s) > 1:
            ranked = [(self.ranks.get((x, y), 1 << 30), k) for k, (x, y) in enumerate(zip(s, s[1:]))]
            r, k = min(ranked)
            if r == 1 << 30:
                break
            s = s[:k] + [s[k] + s[k + 1]] + s[k + 2:]
        out = [self.ids[t] for t in s]
        self.cache[piece] = out
        return out

    def encode(self, text):
        out = []
        for piece in _SPLIT.findall(text):
            out.extend(self._word(piece))
        return out

    def token_bytes(self):
        """Each id's bytes (b"" for special tokens), indexed by id."""
        u2b = {u: b for b, u in self.b2u.items()}
        out = [b""] * len(self.ids)
        for tok, i in self.ids.items():
            if all(ch in u2b for ch in tok) and tok not in self.special:
                out[i] = bytes(u2b[ch] for ch in tok)
        return out

    def decode(self, ids):
        """Text of token ids (special tokens dropped); for training-time checks only."""
        if not hasattr(self, "_u2b"):
            self._u2b = {u: b for b, u in self.b2u.items()}
            self._tok = {i: t for t, i in self.ids.items()}
        data = bytearray()
        for i in ids:
            tok = self._tok.get(i, "")
            if all(ch in self._u2b for ch in tok):
                data.extend(self._u2b[ch] for ch in tok)
        return data.decode("utf-8", errors="replace")
