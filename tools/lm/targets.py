"""Training targets and the novelty list for the bundled demo model.

Target = one or two "fact sentences" that restate what the prompt says (title,
attributes, colours, materials; only facts present in that prompt variant) +
a reference description of the same category. The fact sentences teach the
model to copy the product's own words from the prompt, which is what makes
held-out output about the product; the description teaches the catalog's
voice. Phrasing is drawn from a few patterns per sentence by a seeded RNG.

The lexicon (lexicon.json) lists every word of the training split's catalog
prompts and descriptions and of the patterns above: with "lexicon_file" in
generation_config.json the runtime lets the model write only those words and
the words of the product it describes (providers/onnx/lexicon.ts). A word is
a run of ASCII letters after lower-casing, in both places. Its "fact_words"
are the words of the training products' facts (FACT_FIELDS) that the
catalog's writers use only for products that have them (every training
description with the word belongs to a product whose facts have it):
"merino", "navy", "waxed", but not "light", "with", or "linen" (one
description names linen for a product without it). The runtime withholds
them from every row but those whose product has them, so the model cannot
claim another product's material or colour. Its "frame_words" are the words
of the fact-sentence patterns above: with "frame_sentences" the runtime lets
a row's first sentences use only those and its product's own words.

The novelty list holds every token n-gram of the training descriptions,
keyed by the FNV-1a hash of its first n-1 ids, so the runtime can ban in O(1)
any next token that would finish copying one (providers/onnx/novelty.ts).
"""
import re

OPENERS = [
    "The {t} is {a0} and {a1}, with {rest}.",
    "Our {t} brings together {all}.",
    "Meet the {t}: {all}.",
    "This {t} pairs {a0} with {rest}.",
    "Designed around {a0} and {a1}, the {t} adds {rest}.",
    "Here is the {t}, with {all}.",
]
BOTH = [
    "It is made of {m} and comes in {c}.",
    "Made of {m}, it comes in {c}.",
    "Choose it in {c}; it is made of {m}.",
]
COLOURS_ONLY = ["It comes in {c}.", "Choose it in {c}."]
MATERIALS_ONLY = ["It is made of {m}.", "The fabric is {m}."]


def join_list(items):
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def fact_sentences(facts, rng):
    """One or two sentences that state only what `facts` (one prompt variant) states."""
    a = list(facts.get("attributes") or []) or [facts["title"].lower()]
    while len(a) < 3:
        a.append(a[-1])
    opener = rng.choice(OPENERS).format(t=facts["title"], a0=a[0], a1=a[1], rest=join_list(a[2:]), all=join_list(a))
    c, m = join_list(facts.get("colors") or []), join_list(facts.get("materials") or [])
    if c and m:
        second = rng.choice(BOTH).format(c=c, m=m)
    elif c:
        second = rng.choice(COLOURS_ONLY).format(c=c)
    elif m:
        second = rng.choice(MATERIALS_ONLY).format(m=m)
    else:
        return opener
    return opener + " " + second


WORD = re.compile(r"[a-z]+")


FACT_FIELDS = ("materials", "colors")


def own_words(facts):
    """The words of a product's facts, as the runtime reads them (providers/onnx/prompt-copy.ts productCopySource)."""
    parts = [facts["title"]] + [item for field in ("attributes", "colors", "materials") for item in facts.get(field) or []]
    return set(WORD.findall(" ".join(parts).lower()))


def fact_words(rows):
    """Words of the training products' FACT_FIELDS that no training description uses for a product without them."""
    catalog = [r for r in rows if r["split"] == "train" and r.get("kind", "catalog") == "catalog"]
    # A prompt variant may leave facts out: a product's words are those of all its variants.
    own, described, candidates = {}, {}, set()
    for r in catalog:
        own.setdefault(r["sku"], set()).update(own_words(r["facts"]))
        described[r["sku"]] = set(WORD.findall(r["description"].lower()))
        candidates.update(w for field in FACT_FIELDS for w in WORD.findall(" ".join(r["facts"].get(field) or []).lower()))
    used_without = {w for sku, words in described.items() for w in words - own[sku]}
    return sorted(candidates - used_without)


def frame_words():
    """The words of the fact-sentence patterns, placeholders left out: with "frame_sentences" the
    runtime lets a row's first sentences use only these and its product's own words."""
    words = set()
    for pattern in OPENERS + BOTH + COLOURS_ONLY + MATERIALS_ONLY:
        words.update(WORD.findall(re.sub(r"\{\w+\}", " ", pattern).lower()))
    return sorted(words)


def lexicon(texts, facts=()):
    """{"words": sorted words of texts, "fact_words": facts, "frame_words": frame_words()}; the same word rule as providers/onnx/lexicon.ts."""
    words = set()
    for text in texts:
        words.update(WORD.findall(text.lower()))
    return {"rule": "runs of a-z after lower-casing", "words": sorted(words),
            "fact_rule": "written only where the product's own facts have the word", "fact_words": sorted(facts),
            "frame_rule": "the only words, besides the product's own, of the first frame_sentences sentences",
            "frame_words": frame_words()}


def lexicon_texts(rows):
    """What the bundled model's lexicon is made of: the training split's catalog prompts and descriptions, and the fact-sentence patterns."""
    catalog = [r for r in rows if r["split"] == "train" and r.get("kind", "catalog") == "catalog"]
    return ([r["prompt"] for r in catalog] + [r["description"] for r in catalog]
            + OPENERS + BOTH + COLOURS_ONLY + MATERIALS_ONLY)


FNV_OFFSET, FNV_PRIME = 0x811C9DC5, 0x01000193


def fnv1a_ids(ids):
    """FNV-1a (32-bit) over each id's four little-endian bytes; the runtime computes the same."""
    h = FNV_OFFSET
    for i in ids:
        for shift in (0, 8, 16, 24):
            h ^= (i >> shift) & 0xFF
            h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def token_forms(token_bytes):
    """Each token's word-form id, as providers/onnx/novelty.ts computes it: the token's
    bytes with ASCII letters lower-cased and every other ASCII byte dropped; -1 when
    that leaves nothing; else the smallest token id with the same form.
    token_bytes: list of bytes, indexed by token id (b"" for special tokens)."""
    first, out = {}, []
    for i, raw in enumerate(token_bytes):
        form = bytes(b + 0x20 if 0x41 <= b <= 0x5A else b for b in raw
                     if 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A or 0x30 <= b <= 0x39 or b >= 0x80)
        if not form:
            out.append(-1)
            continue
        out.append(first.setdefault(form, i))
    return out


def novelty_table(token_rows, n, forms=None):
    """{prefix hash: sorted next ids} for every token n-gram in token_rows; with
    forms (token_forms), for every n-gram of word forms instead, so that other
    punctuation or capitals cannot carry a copy past the ban."""
    table = {}
    for ids in token_rows:
        if forms is not None:
            ids = [forms[i] for i in ids if forms[i] >= 0]
        for i in range(len(ids) - n + 1):
            key = str(fnv1a_ids(ids[i:i + n - 1]))
            table.setdefault(key, set()).add(ids[i + n - 1])
    return {"n": n, "hash": "fnv1a32-le-ids" if forms is None else "fnv1a32-le-forms", "prefixes": len(table),
            "next": {k: sorted(v) for k, v in sorted(table.items())}}
