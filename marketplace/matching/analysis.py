"""The domain analyzer, the same at index and query time, and structured attribute extraction.

Pipeline: NFKC (full-width ５００Ｌ → 500L) → lower case → join numbers with their units and
standards with their numbers (`500 l` → `500l`, `iso 9001` → `iso9001`) → rjieba in search mode
with the shipped 中试 dictionary → drop punctuation and stop words. Positions are sequential
(not character offsets), so phrase queries work; ASCII/number tokens are kept whole and never
stemmed (`cnas` stays `cnas`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from importlib import resources

import numpy as np
import rjieba
from whoosh.analysis import Token, Tokenizer

DICTIONARY_VERSION = "v1"
_DATA = resources.files("marketplace.matching") / "data"

UNITS = (
    r"(?:ml|l|m3|m³|m2|㎡|kg|g|t|mm|cm|m|nm|μm|um|kw|mw|kv|v|w|rpm|mpa|kpa|bar|°c|kwh|ah|wh"
    r"|英寸|吨|升|立方米|平方米|公斤)"
)
_UNIT_JOIN = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)\s+(" + UNITS + r")(?![a-z])")
_STD_JOIN = re.compile(r"(?<![a-z])(iso|iatf|gb|gb/t|astm|iec)\s*(\d{3,6})")
_KEEP = re.compile(r"[0-9a-z\u4e00-\u9fff]")
_DROP = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")  #: what `_KEEP` does not keep


def _lines(name: str) -> list[str]:
    text = (_DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def _jieba() -> rjieba.Jieba:
    seg = rjieba.Jieba()
    for line in _lines(f"dictionary_{DICTIONARY_VERSION}.txt"):
        word, _, freq = line.partition(" ")
        seg.add_word(word.lower(), int(freq) if freq else 10000, None)
    # A synonym group's word the segmenter cuts (培养罐 → 培养 + 罐) would never meet its group.
    for word in synonyms():
        if len(word) > 1 and not word.isascii():
            seg.add_word(word, 10000, None)
    return seg


@lru_cache(maxsize=1)
def domain_terms() -> frozenset[str]:
    """Terms of the shipped dictionary and synonym groups: the vocabulary of 中试 itself."""
    words = {line.partition(" ")[0].lower() for line in _lines(f"dictionary_{DICTIONARY_VERSION}.txt")}
    return frozenset(words | set(synonyms()))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(word for line in _lines("stopwords.txt") for word in line.split())


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """term → the other terms of its groups."""
    table: dict[str, set[str]] = {}
    for line in _lines(f"synonyms_{DICTIONARY_VERSION}.txt"):
        group = [w.lower() for w in line.split()]
        for word in group:
            table.setdefault(word, set()).update(w for w in group if w != word)
    return {word: tuple(sorted(others)) for word, others in table.items()}


@lru_cache(maxsize=64)  # a document's text is normalised for its terms and each structured attribute
def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = text.replace("\x00", " ")
    text = _UNIT_JOIN.sub(r"\1\2", text)
    return _STD_JOIN.sub(lambda m: m.group(1).replace("/", "") + m.group(2), text)


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """Analysed terms with their (start, end) in the normalised text; search mode gives compounds
    and, inside their span, their parts."""
    stops = stopwords()
    out = []
    for word, start, end in _jieba().tokenize(normalise(text), "search", True):
        word = word.strip()
        if word and word not in stops and _KEEP.search(word):
            out.append((word, start, end))
    return out


_TERMS: dict[str, str] = {}  #: a word of the segmenter → its term ('' when dropped)
MAX_TERMS = 500_000


def _term(word: str) -> str:
    """The term a word of the segmenter stands for, as `token_spans` keeps it ('' when dropped:
    blank, stop word, punctuation). Words repeat endlessly, so each is judged once."""
    term = _TERMS.get(word)
    if term is None:
        stripped = word.strip()
        term = stripped if stripped and stripped not in stopwords() and _KEEP.search(stripped) else ""
        if len(_TERMS) < MAX_TERMS:
            _TERMS[word] = term
    return term


def tokens(text: str) -> list[str]:
    """The analysed terms of `text`, in order (search mode: compounds and their parts): the words
    of `token_spans`, without their spans."""
    return [term for term in map(_term, _jieba().cut_for_search(normalise(text), True)) if term]


def term_counts(text: str) -> dict[str, int]:
    """How often each term of `tokens(text)` occurs."""
    counts: dict[str, int] = {}
    for word, n in Counter(_jieba().cut_for_search(normalise(text), True)).items():
        term = _term(word)
        if term:
            counts[term] = counts.get(term, 0) + n
    return counts


@lru_cache(maxsize=20000)
def _cached_counts(text: str) -> tuple[tuple[str, int], ...]:
    return tuple(term_counts(text).items())


#: What ends a part and begins the next when normalising the joined text could join them into one
#: word: a number and its unit (`500` `L`), a standard and its number (`ISO` `9001`).
_JOINABLE_END = re.compile(r"[0-9a-z]$")
_JOINABLE_START = re.compile(r"[0-9a-z°μ英吨升立平公]")


def joined_term_counts(parts: list[tuple[str, int]]) -> dict[str, int] | None:
    """`term_counts` of the texts joined by spaces, each repeated its number of times, from each
    distinct text's own counts, kept for texts that come again (titles, a platform's name).

    The same counts as analysing the joined text, since a space ends every word of the segmenter
    and NFKC and lower case work across it; only the joining of numbers with units and standards
    with numbers could cross it, so when a part ends and the next begins like that: None (analyse
    the joined text)."""
    sequence = [text for text, times in parts for _ in range(times)]
    previous = ""
    for text in sequence:
        norm = normalise(text).strip()
        if not norm:
            continue
        if previous and _JOINABLE_END.search(previous) and _JOINABLE_START.match(norm):
            return None
        previous = norm
    total: dict[str, int] = {}
    for text, times in parts:
        for term, n in _cached_counts(text):
            total[term] = total.get(term, 0) + n * times
    return total


_NUMERIC = re.compile(r"^[\d.\-~/%+±×]+(?:[a-zμ°³²]{0,4})$")


@lru_cache(maxsize=20000)
def compound_groups(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each outermost term of the text with the shorter terms inside its span:
    '催化氢化' → ('催化氢化', ['催化', '氢化']). Numbers and single characters are left out:
    quantities are matched as structured attributes, lone characters carry too little."""
    spans = token_spans(text)
    groups: list[tuple[str, int, int, list[str]]] = []
    for word, start, end in sorted(spans, key=lambda t: (t[1], -(t[2] - t[1]))):
        if len(word) < 2 or _NUMERIC.match(word):
            continue
        if groups and start >= groups[-1][1] and end <= groups[-1][2]:
            groups[-1][3].append(word)
        else:
            groups.append((word, start, end, []))
    return tuple((word, tuple(parts)) for word, _s, _e, parts in groups)


class ZhongshiTokenizer(Tokenizer):
    """Whoosh tokenizer applying the whole pipeline; picklable (holds no segmenter state)."""

    def __eq__(self, other):
        return isinstance(other, ZhongshiTokenizer)

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, word in enumerate(tokens(value), start=start_pos):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char
            yield token


def analyzer() -> ZhongshiTokenizer:
    return ZhongshiTokenizer()


def bigram_chars(text: str) -> str:
    """The characters of a normalised text that its bigrams are made of: spaces and punctuation removed."""
    return _DROP.sub("", text)


def char_bigrams(text: str, *, normalised: bool = False) -> list[str]:
    """Overlapping character pairs of the normalised text, spaces and punctuation removed.

    Segmentation-free evidence: '压阻芯片' and '压力芯片' still share '芯片'."""
    chars = bigram_chars(text if normalised else normalise(text))
    return [a + b for a, b in zip(chars, chars[1:], strict=False)]


def bigram_code(pair: str) -> int:
    """A character pair as one number (code points are below 2**21): `bigram_codes`' numbering."""
    return ord(pair[0]) << 21 | ord(pair[1])


def bigram_codes(chars: str) -> np.ndarray:
    """The pairs of `bigram_chars` (a text's, or several texts' joined) as `bigram_code` numbers, in
    order: computed without a Python object per pair."""
    codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    return codes[:-1] << 21 | codes[1:]


# --- structured attributes ---------------------------------------------------------------------

_CERTS = re.compile(r"gmp|glp|cnas|cma|iso\d{4,5}|iatf16949|sc认证|haccp|fda|ce认证|cqc|ul认证")
_RANGE = r"(\d+(?:\.\d+)?)(?:\s*[-~～至到/]\s*(\d+(?:\.\d+)?))?\s*"
_VOLUME = re.compile(_RANGE + r"(ml|l|m3|m³|升|立方米)(?![a-z])")
_VOLUME_FACTORS = {"ml": 0.001, "l": 1.0, "升": 1.0, "m3": 1000.0, "m³": 1000.0, "立方米": 1000.0}
_MASS = re.compile(_RANGE + r"(kg|t|吨|公斤)(?![a-z])")
_MASS_FACTORS = {"kg": 0.001, "公斤": 0.001, "t": 1.0, "吨": 1.0}


def certifications(text: str) -> set[str]:
    """Certification keywords mentioned in the text (normalised: 'ISO 9001' → 'iso9001')."""
    return set(_CERTS.findall(normalise(text)))


def _quantities(pattern: re.Pattern, factors: dict[str, float], text: str) -> list[float]:
    out = []
    for low, high, unit in pattern.findall(normalise(text)):
        out.extend(float(n) * factors[unit] for n in (low, high) if n)
    return out


def volumes_litres(text: str) -> list[float]:
    """Every volume in the text, in litres ('5 m³' → 5000.0; '300-500 L' → 300.0, 500.0)."""
    return _quantities(_VOLUME, _VOLUME_FACTORS, text)


def masses_tonnes(text: str) -> list[float]:
    """Every mass in the text, in tonnes ('50 kg' → 0.05)."""
    return _quantities(_MASS, _MASS_FACTORS, text)


def scale_fit(wanted: list[float], offered: list[float]) -> float | None:
    """How well offered capacities cover the wanted ones: 1 within a factor 2, falling to 0 at a factor 30.

    None when either side names no capacity (no evidence either way)."""
    if not wanted or not offered:
        return None
    best = 0.0
    for w in wanted:
        for o in offered:
            if w <= 0 or o <= 0:
                continue
            ratio = abs(math.log10(o / w))
            best = max(best, 1.0 if ratio <= math.log10(2) else max(0.0, 1 - (ratio - 0.301) / 1.176))
    return best
