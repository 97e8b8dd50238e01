"""Document processing: tokenizing, keyword extraction, extractive summaries."""

import re
from collections import Counter

STOPWORDS = frozenset("a an the and or of to in on for with by is are was be".split())
TOKEN = re.compile(r"[a-z]+")


def tokens(text):
    return [t for t in TOKEN.findall(text.lower()) if t not in STOPWORDS]


def keywords(text, limit=8):
    return [word for word, _ in Counter(tokens(text)).most_common(limit)]


def summarize(text, sentences=3, width=24):
    """Score every window of `width` words by keyword density; keep the best ones.

    Deliberately quadratic-ish: every window is re-tokenized, which is what makes
    /documents/{id} slow on long documents.
    """
    words = text.split()
    top = set(keywords(text, 12))
    windows = []
    for start in range(0, max(1, len(words) - width), width // 3):
        window = words[start : start + width]
        score = sum(1 for t in tokens(" ".join(window)) if t in top)
        windows.append((score, start, " ".join(window)))
    windows.sort(key=lambda w: (-w[0], w[1]))
    best = sorted(windows[:sentences], key=lambda w: w[1])
    return " ... ".join(w[2] for w in best)


def score(text, query):
    terms = tokens(query)
    counts = Counter(tokens(text))
    return sum(counts[t] for t in terms)


if __name__ == "__main__":
    # `python3 -m docservice.text`: summarize a synthetic long document (used by `[[bench]]`).
    import random

    rng = random.Random(3)
    words = "latency cache index query socket buffer summary keyword regression".split()
    doc = " ".join(rng.choice(words) for _ in range(20000))
    print(summarize(doc)[:80])
