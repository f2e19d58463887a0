#!/usr/bin/python3
"""NLTK 3.8 baseline for bench/metrics/run.ts: time sentence_bleu and meteor_score.

Reads {"pairs": [[reference, candidate], ...], "repeats": n} as JSON on stdin and
prints {"bleu": {...}, "meteor": {...}} with the best wall time of n passes and
the scores, so the bench can also check that both sides agree.
"""
import json
import os
import sys
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from make_metric_fixtures import load_wordnet  # noqa: E402  (same WordNet set-up as the fixtures)
from nltk.translate.bleu_score import sentence_bleu  # noqa: E402
from nltk.translate.meteor_score import meteor_score  # noqa: E402

warnings.filterwarnings("ignore")


def timed(fn, pairs, repeats):
    best, scores = float("inf"), []
    for _ in range(repeats):
        t0 = time.perf_counter()
        scores = [fn(r, c) for r, c in pairs]
        best = min(best, time.perf_counter() - t0)
    return {"seconds": best, "scores": scores}


def main():
    job = json.load(sys.stdin)
    pairs = [(r.split(), c.split()) for r, c in job["pairs"]]
    wn, tmp = load_wordnet()
    # Warm-up outside the timing: NLTK loads its WordNet index when the reader is built.
    meteor_score([pairs[0][0]], pairs[0][1], wordnet=wn)
    out = {
        "bleu": timed(lambda r, c: sentence_bleu([r], c), pairs, job["repeats"]),
        "meteor": timed(lambda r, c: meteor_score([r], c, wordnet=wn), pairs, job["repeats"]),
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
