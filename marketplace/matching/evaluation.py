"""Offline evaluation of the matcher: graded metrics and the classical baseline they are compared to.

Metrics use gain 2^grade − 1 (grades 3/2/1, unlisted 0). MRR counts the first result with grade ≥ 1.
The baseline is BM25 (k1=1.2, b=0.75) over character bigrams of title + specs + description,
queried with the demand's title and description."""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass


def dcg(grades: list[int], k: int) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))


def ndcg(ranked: list[str], judged: dict[str, int], k: int) -> float:
    ideal = dcg(sorted(judged.values(), reverse=True), k)
    return dcg([judged.get(ref, 0) for ref in ranked], k) / ideal if ideal else 0.0


def reciprocal_rank(ranked: list[str], judged: dict[str, int]) -> float:
    for i, ref in enumerate(ranked):
        if judged.get(ref, 0) >= 1:
            return 1.0 / (i + 1)
    return 0.0


@dataclass
class Scores:
    ndcg5: float
    ndcg10: float
    mrr: float

    def line(self, label: str) -> str:
        return f"{label:<28} nDCG@5 {self.ndcg5:.3f}   nDCG@10 {self.ndcg10:.3f}   MRR {self.mrr:.3f}"


def evaluate(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> Scores:
    """Mean metrics over the judged demands with at least one relevant offering (judgements of grade 0
    alone, e.g. firms' "not useful" only, say nothing of what should rank first); a demand missing from
    `runs` scores 0."""
    qrels = {q: j for q, j in qrels.items() if any(grade > 0 for grade in j.values())}
    n = max(len(qrels), 1)
    return Scores(
        ndcg5=sum(ndcg(runs.get(q, []), j, 5) for q, j in qrels.items()) / n,
        ndcg10=sum(ndcg(runs.get(q, []), j, 10) for q, j in qrels.items()) / n,
        mrr=sum(reciprocal_rank(runs.get(q, []), j) for q, j in qrels.items()) / n,
    )


def _bigrams(text: str) -> list[str]:
    chars = [c for c in unicodedata.normalize("NFKC", text).lower() if not c.isspace()]
    return ["".join(chars[i : i + 2]) for i in range(len(chars) - 1)]


class BigramBM25:
    """The simple baseline: BM25 over character bigrams."""

    def __init__(self, docs: dict[str, str], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.tf = {ref: Counter(_bigrams(text)) for ref, text in docs.items()}
        self.length = {ref: sum(c.values()) for ref, c in self.tf.items()}
        self.avg = sum(self.length.values()) / max(len(self.length), 1)
        df: Counter = Counter()
        for counts in self.tf.values():
            df.update(counts.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def rank(self, query: str, limit: int = 10) -> list[str]:
        terms = Counter(_bigrams(query))
        scores = {}
        for ref, counts in self.tf.items():
            norm = self.k1 * (1 - self.b + self.b * self.length[ref] / self.avg)
            score = 0.0
            for term, qtf in terms.items():
                f = counts.get(term)
                if f:
                    score += qtf * self.idf[term] * f * (self.k1 + 1) / (f + norm)
            if score:
                scores[ref] = score
        return [ref for ref, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def offering_text(record: dict) -> str:
    specs = " ".join(f"{k} {v}" for k, v in (record.get("specs") or {}).items())
    return f"{record.get('title', '')} {specs} {record.get('description', '')}"


def baseline_runs(document: dict, limit: int = 10) -> dict[str, list[str]]:
    engine = BigramBM25({o["ref"]: offering_text(o) for o in document["offerings"]})
    return {
        d["ref"]: engine.rank(f"{d['title']} {d.get('description', '')}", limit) for d in document["demands"]
    }
