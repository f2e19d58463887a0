"""Training targets and the novelty list for the bundled demo model.

Target = one or two "fact sentences" that restate what the prompt says (title,
attributes, colours, materials; only facts present in that prompt variant),
then a closing: one sentence on how to wear or use it, for the occasion its
listed attributes name (OCCASIONS) or else for its category (STYLING), and,
half the time, one on its care (CARE). The fact sentences teach
the model to copy the product's own words from the prompt, which is what
makes held-out output about the product; the closing sentences are written
for this project, hold for any product of their occasion or category, and agree with the
title in number ("It comes in" / "They come in"), so the model learns a
handful of whole, grammatical sentences instead of stitching phrases of the
96 training descriptions together (what the earlier models, trained to end
with those descriptions, did on every held-out product). Phrasing is drawn
from a few patterns per sentence by a seeded RNG.

The lexicon (lexicon.json) lists every word of the training split's catalog
prompts and descriptions and of the patterns and closing sentences above: with "lexicon_file" in
generation_config.json the runtime lets the model write only those words and
the words of the product it describes (providers/onnx-plugins/stylesprint/lexicon.ts). A word is
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
any next token that would finish copying one (providers/onnx-plugins/stylesprint/novelty.ts).
"""
import re

# Each pattern has a singular and a plural form ("It comes in" / "They come
# in"); plural() below picks by the title's last word. The openers list the
# attributes after a colon: the catalog's attributes are tags (adjectives,
# nouns, occasions), which stage 1's openers put stiffly into verb phrases
# ("the {t} adds {rest}", "This {t} pairs {a0} with {rest}": "adds graphic
# print and casual"). OPENERS_THREE held those that named attributes one by
# one ({a0}, {a1} and {rest}, only where the product has three or more); the
# runtime's fact grammar still reads such slots.
OPENERS_ALL = [
    ("Meet the {t}: {all}.", "Meet the {t}: {all}."),
    ("The {t} at a glance: {all}.", "The {t} at a glance: {all}."),
    ("Introducing the {t}: {all}.", "Introducing the {t}: {all}."),
    ("Key details of the {t}: {all}.", "Key details of the {t}: {all}."),
    ("The {t} in brief: {all}.", "The {t} in brief: {all}."),
]
OPENERS_THREE = []
BOTH = [
    ("It is made of {m} and comes in {c}.", "They are made of {m} and come in {c}."),
    ("Made of {m}, it comes in {c}.", "Made of {m}, they come in {c}."),
    ("Choose it in {c}; it is made of {m}.", "Choose them in {c}; they are made of {m}."),
]
COLOURS_ONLY = [("It comes in {c}.", "They come in {c}."), ("Choose it in {c}.", "Choose them in {c}.")]
MATERIALS_ONLY = [("It is made of {m}.", "They are made of {m}."), ("The fabric is {m}.", "The fabric is {m}.")]
FACT_PATTERNS = OPENERS_ALL + OPENERS_THREE + BOTH + COLOURS_ONLY + MATERIALS_ONLY

# The closing: one sentence on how to wear or use the product, for its
# category, then sometimes one on its care. Written for this project (none is
# a run of the catalog's descriptions), and free of material and colour words,
# so that it holds for every product of the category. Placeholders: {It}/{it}
# subject, {them} object, {its}, {s}/{es} verb endings, {is}.
STYLING = {
    "dresses": [
        "Wear {them} with sandals on warm days, or add boots and a jacket when the evenings turn cool.",
        "{It} work{s} as well for a long lunch as for dinner with friends.",
        "Add a belt to shape the waist, or leave {them} loose for an easy day.",
        "Dress {them} up with heels for a wedding, or down with trainers for the weekend.",
    ],
    "tops": [
        "Tuck {them} into trousers for the office, or wear {them} loose over jeans at the weekend.",
        "{It} layer{s} easily under a jacket or a cardigan when the weather turns.",
        "Wear {them} on {its} own with a skirt, or under a blazer for work.",
        "A simple top to wear from the school run to a dinner out.",
    ],
    "shirts": [
        "Wear {them} buttoned for the office, or open over a T-shirt at the weekend.",
        "Tuck {them} into tailored trousers, or roll the sleeves and wear {them} with jeans.",
        "{It} sit{s} neatly under a jacket and look{s} just as good on {its} own.",
        "An easy choice for work days, weekend lunches and everything between.",
    ],
    "knitwear": [
        "Layer {them} over a shirt on cold mornings, or wear {them} on {its} own with jeans.",
        "{It} keep{s} you warm without bulk, from the commute to a walk in the park.",
        "Pair {them} with a skirt and boots, or with trousers for the office.",
        "Fold {them} flat after wearing and {it} will stay soft for years.",
    ],
    "trousers": [
        "Wear {them} with a shirt for the office, or with trainers and a knit at the weekend.",
        "{It} stay{s} smart from the morning commute to the evening.",
        "Pair {them} with a tucked-in top and a belt, or keep {them} relaxed with a loose jumper.",
        "An easy choice for work, travel and weekends alike.",
    ],
    "jeans": [
        "Wear {them} with a white shirt and loafers, or with a jumper and trainers.",
        "{It} go{es} with almost everything, from a simple T-shirt to a tailored jacket.",
        "Roll the hems for summer, or wear {them} full length with boots in winter.",
        "A pair to reach for every day, which only gets better with wear.",
    ],
    "skirts": [
        "Wear {them} with a tucked-in top and flats, or with a jumper and boots in winter.",
        "{It} move{s} easily from a day at the office to drinks in the evening.",
        "Pair {them} with trainers for the weekend, or heels for a party.",
        "An easy skirt to wear through every season.",
    ],
    "outerwear": [
        "Throw {them} over a jumper on cold mornings, or over a dress for a night out.",
        "{It} keep{s} out the wind on the commute and still look{s} smart at the office.",
        "Layer {them} over knitwear in winter, or wear {them} open on mild spring days.",
        "A layer to reach for season after season.",
    ],
    "activewear": [
        "Wear {them} for a run, a class at the gym or a long walk at the weekend.",
        "{It} move{s} with you through every stretch and keep{s} you comfortable from start to finish.",
        "Pair {them} with your favourite trainers, from the warm-up to the cool-down.",
        "Made to keep up with training days and rest days alike.",
    ],
    "footwear": [
        "Wear {them} with jeans at the weekend, or with trousers for the office.",
        "{It} feel{s} comfortable from the first wear, on long walks and busy days.",
        "Pair {them} with a dress in summer, or with cropped trousers all year.",
        "A pair to reach for every day, season after season.",
    ],
    "bags": [
        "There is room for a laptop, a water bottle and the rest of the day's things.",
        "Carry {them} to work during the week, and to the market at the weekend.",
        "Inside, there is room for everything you need and a pocket for the small things.",
        "A bag for every day, that keeps up with the commute and with weekends away.",
    ],
    "accessories": [
        "Add {them} to a simple outfit to finish the look.",
        "{It} make{s} an easy gift, and one you will reach for often.",
        "Wear {them} every day, from the commute to a weekend walk.",
        "A small detail that makes a simple outfit feel finished.",
    ],
}
# A product whose listed attributes name one of these occasions (the first, in
# this order) gets one of its sentences instead of its category's styling one,
# so that a summer jumper is not told it keeps you warm.
OCCASIONS = {
    "summer": [
        "Made for warm days, from a city break to a long lunch outdoors.",
        "Wear {them} on warm days with sandals and a sun hat.",
    ],
    "winter": [
        "Made for cold days: wear {them} under a warm coat and a scarf.",
        "{It} keep{s} the cold out on winter walks and dark mornings.",
    ],
    "autumn": [
        "Made for autumn, when the mornings turn cool and the evenings draw in.",
        "Wear {them} through autumn, with boots and a light jacket.",
    ],
    "office": [
        "Smart enough for the office, and easy enough for the weekend.",
        "Wear {them} to the office with a blazer, and out to dinner after.",
    ],
    "evening": [
        "Ready for an evening out, with heels or smart flats.",
        "Wear {them} to dinner or a party, with a clutch and heels.",
    ],
    "everyday": [
        "An easy choice for every day of the week.",
        "{It} fit{s} into every day, from the school run to the weekend.",
    ],
}
CARE = {
    "garment": [
        "Wash {them} cool and dry flat to keep {its} shape.",
        "Machine wash on a cool cycle and hang to dry.",
        "{It} {is} built to last, wear after wear.",
        "Wash cool, dry on the line, and {it} will look good for years to come.",
    ],
    "footwear": [
        "Brush off dirt after wearing, and {it} will last for years.",
        "{It} {is} built to last, wear after wear.",
    ],
    "bags": [
        "Wipe clean with a damp cloth, and {it} will last for years.",
        "{It} {is} built to last, trip after trip.",
    ],
    "accessories": [
        "{It} {is} built to last, wear after wear.",
        "Store {them} flat or in a drawer to keep {its} shape.",
    ],
}
SINGULAR = {"It": "It", "it": "it", "them": "it", "its": "its", "s": "s", "es": "es", "is": "is"}
PLURAL = {"It": "They", "it": "they", "them": "them", "its": "their", "s": "", "es": "", "is": "are"}


def plural(title):
    """Whether a title names a pair or a plural ("Jeans", "Chelsea Boots"): its last word ends in s but not ss."""
    last = re.findall(r"[A-Za-z]+", title)[-1:] or [""]
    return last[0].lower().endswith("s") and not last[0].lower().endswith("ss")


def closing(facts, rng):
    """The target's closing: a sentence for the occasion the attributes name, else one for the
    product's category, and half the time a care sentence."""
    forms = PLURAL if plural(facts["title"]) else SINGULAR
    category = facts.get("category") or "tops"
    listed = {a.lower() for a in facts.get("attributes") or []}
    occasion = next((o for o in OCCASIONS if o in listed), None)
    out = rng.choice(OCCASIONS[occasion] if occasion else STYLING[category]).format(**forms)
    if rng.random() < 0.5:
        out += " " + rng.choice(CARE[category if category in CARE else "garment"]).format(**forms)
    return out


def closing_texts():
    """Every closing sentence in both forms, for the tokenizer and the lexicon."""
    patterns = [p for table in (STYLING, OCCASIONS, CARE) for ps in table.values() for p in ps]
    return [p.format(**forms) for p in patterns for forms in (SINGULAR, PLURAL)]


def pattern_texts():
    """The fact-sentence patterns in both forms."""
    return [p for pair in FACT_PATTERNS for p in pair]


def join_list(items):
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def fact_sentences(facts, rng):
    """One or two sentences that state only what `facts` (one prompt variant) states."""
    many = 1 if plural(facts["title"]) else 0
    a = list(facts.get("attributes") or []) or [facts["title"].lower()]
    openers = OPENERS_ALL + (OPENERS_THREE if len(a) >= 3 else [])
    opener = rng.choice(openers)[many].format(t=facts["title"], a0=a[0], a1=a[1] if len(a) > 1 else "",
                                              rest=join_list(a[2:]), all=join_list(a))
    c, m = join_list(facts.get("colors") or []), join_list(facts.get("materials") or [])
    if c and m:
        second = rng.choice(BOTH)[many].format(c=c, m=m)
    elif c:
        second = rng.choice(COLOURS_ONLY)[many].format(c=c)
    elif m:
        second = rng.choice(MATERIALS_ONLY)[many].format(m=m)
    else:
        return opener
    return opener + " " + second


WORD = re.compile(r"[a-z]+")


FACT_FIELDS = ("materials", "colors")


def own_words(facts):
    """The words of a product's facts, as the runtime reads them (providers/onnx-plugins/stylesprint/prompt-copy.ts productCopySource)."""
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


def pattern_words(pattern):
    """The words of a pattern, its placeholders left out."""
    return WORD.findall(re.sub(r"\{\w+\}", " ", pattern).lower())


def frame_words():
    """The words of the fact-sentence patterns, placeholders left out: with "frame_sentences" the
    runtime lets a row's first sentences use only these and its product's own words."""
    return sorted({w for pattern in pattern_texts() for w in pattern_words(pattern)})


def fact_patterns():
    """The fact-sentence patterns as the runtime's fact grammar reads them (fact_patterns.json;
    providers/onnx-plugins/stylesprint/fact-grammar.ts): with "fact_patterns_file" in generation_config.json a row's
    first sentences must follow one of them, in the form plural() picks, each slot filled with the
    product's own facts ({t} its title; {a0}, {a1} one attribute; {all}, {rest} a list of its
    attributes; {m} of its materials; {c} of its colours; no item twice in a sentence). Sentence 1
    is an opener, sentence 2 one of the colour and material patterns."""
    forms = lambda pairs: [{"singular": s, "plural": p} for s, p in pairs]
    return {"rule": "sentence k follows one of sentences[k] that the product's facts can fill",
            "plural_rule": "the title's last word ends in s but not ss",
            "sentences": [forms(OPENERS_ALL + OPENERS_THREE), forms(BOTH + COLOURS_ONLY + MATERIALS_ONLY)]}


def number_words():
    """Words the closing sentences and the fact patterns use in one form only ("it", "its", "comes" in
    the singular; "they", "their", "are" in the plural): with "number_words" in the lexicon, a row
    may write a form's words only when its title is of that form (plural())."""
    forms = {"singular": set(), "plural": set()}
    for table in (STYLING, OCCASIONS, CARE):
        for patterns in table.values():
            for p in patterns:
                forms["singular"].update(WORD.findall(p.format(**SINGULAR).lower()))
                forms["plural"].update(WORD.findall(p.format(**PLURAL).lower()))
    for singular, many in FACT_PATTERNS:
        forms["singular"].update(pattern_words(singular))
        forms["plural"].update(pattern_words(many))
    return {"singular": sorted(forms["singular"] - forms["plural"]), "plural": sorted(forms["plural"] - forms["singular"])}


def lexicon(texts, facts=()):
    """{"words": sorted words of texts, "fact_words": facts, "frame_words": frame_words(), "number_words": number_words()}; the same word rule as providers/onnx-plugins/stylesprint/lexicon.ts."""
    words = set()
    for text in texts:
        words.update(WORD.findall(text.lower()))
    return {"rule": "runs of a-z after lower-casing", "words": sorted(words),
            "fact_rule": "written only where the product's own facts have the word", "fact_words": sorted(facts),
            "frame_rule": "the only words, besides the product's own, of the first frame_sentences sentences",
            "frame_words": frame_words(),
            "number_rule": "a row writes a form's words only when its title is of that form (its last word ends in s but not ss: plural)",
            "number_words": number_words()}


def lexicon_texts(rows):
    """What the bundled model's lexicon is made of: the training split's catalog prompts and descriptions, the fact-sentence patterns and the closing sentences."""
    catalog = [r for r in rows if r["split"] == "train" and r.get("kind", "catalog") == "catalog"]
    return [r["prompt"] for r in catalog] + [r["description"] for r in catalog] + pattern_texts() + closing_texts()


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
    """Each token's word-form id, as providers/onnx-plugins/stylesprint/novelty.ts computes it: the token's
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
