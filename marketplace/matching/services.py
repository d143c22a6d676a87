"""The search interface the features use: search, match a demand, match a platform, snippets.

Whoosh stays behind this module and indexer.py; callers get plain dataclasses."""

from __future__ import annotations

import contextlib
import math
import pickle
import re
import threading
import unicodedata
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from flask import current_app

from ..core.cache import CachedPage, PageCache, code_version, no_store
from ..core.pagination import Page, last_page
from ..core.timeutil import local_today
from . import analysis, engine, indexer
from .documents import NEGOTIABLE_SORT, price_key
from .outbox import offerings_change
from .ranking import Candidate, Need, Ranked, rank

COMMON_SHARE = 0.2  #: in a large index, key terms in more than this share of documents are left out
COMMON_MIN_DOCS = 1000  #: below this many documents every term is kept
MAX_QUERY_CHARS = 500
KEY_TERMS = 25
WORD_SHARE = 0.3  #: share of the word-level BM25 in the blended text score
TITLE_SHARE = 0.4  #: share of the title coverage; the rest is the bigram BM25
DOMAIN_TERM_BONUS = 1.3  #: terms of the 中试 dictionary and synonym groups outweigh general words
POOL = 80


@dataclass
class Hit:
    doc_type: str
    obj_id: int
    title: str
    fields: dict
    score: float = 0.0
    snippet: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class SearchPage(Page):
    """A page of hits with the facet counts of every match and the analysed query terms."""

    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    unknown: dict[str, list[str]] = field(default_factory=dict)  #: terms no document has → close terms


@dataclass
class Match:
    """One ranked offering (or demand) with its score and Chinese reasons."""

    doc_type: str
    obj_id: int
    ref: str
    title: str
    score: float
    reasons: list[str]
    fields: dict
    #: Near-identical offerings of other platforms ranked below this one, grouped under it (best first).
    alike: list[Match] = field(default_factory=list)
    #: How much of its title the need speaks of (0..1, `ranking.Candidate.fit`): the score ranks within
    #: one need's pool; this says, across needs, whether the best match is about the need at all.
    fit: float = 0.0

    @property
    def alike_platforms(self) -> int:
        return len({m.fields.get("platform_id") for m in self.alike})


def may_search_demands(user) -> bool:
    """Open demands are searchable by platform operators and administrators (firms search supply)."""
    return bool(user and user.is_authenticated and (user.is_operator or user.is_admin))


def _fresh_searcher():
    """A searcher on the live index, after applying committed-but-unindexed changes (at most
    SEARCH_DRAIN_LIMIT of them: the job worker applies a large import's)."""
    app = current_app._get_current_object()
    if indexer.has_pending():
        no_store()  # this page may not show every committed change: not for other visitors
        indexer.drain(app, wait=app.config["SEARCH_DRAIN_WAIT"], limit=app.config["SEARCH_DRAIN_LIMIT"])
    return indexer.live_searcher(app)


def query_terms(text: str) -> list[str]:
    """Distinct analysed terms of a user query, in order, capped (hostile input is just text)."""
    seen: dict[str, None] = {}
    for term in analysis.tokens((text or "")[:MAX_QUERY_CHARS]):
        seen.setdefault(term, None)
    return list(seen)[:40]


def _mask(table, leaves, doc_type: str, filters: dict):
    """Documents of `doc_type` passing the filters (live documents only)."""
    mask = table.live & (table.doc_type == engine.DOC_TYPES.index(doc_type))
    for facet in engine.FACET_VALUES:
        value = filters.get(facet)
        if value:
            bit = engine.facet_bit(facet, value)
            mask &= (table.bits[facet] & bit) != 0 if bit else False
    if filters.get("certification"):
        cert = analysis.normalise(filters["certification"]).replace(" ", "")
        mask &= engine.term_mask(table, leaves, "certs", cert)
    low, high = filters.get("price_min"), filters.get("price_max")
    if low is not None:
        mask &= table.price >= price_key(low)
    if high is not None:
        mask &= table.price <= price_key(high)
    if low is not None or high is not None:
        mask &= table.price < NEGOTIABLE_SORT
    if doc_type == "demand":
        mask &= table.deadline >= int(local_today().strftime("%Y%m%d"))
    return mask


SORTS = ("relevance", "price_asc", "price_desc", "newest")


def search(
    text: str,
    *,
    doc_type: str = "offering",
    filters: dict | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    clamp: bool = False,
    only: Iterable[int] | None = None,
) -> SearchPage:
    """Full-text search with facets. Any input returns a page: the query is made of analysed
    terms, never parsed as query syntax. A hit covers at least `MIN_COVERAGE` of the query (its
    terms weighted by idf: one common word of a long query is not a hit, nor is a query of words the
    index does not know); hits rank by how much they cover (in tenths), then BM25. Facet counts and
    the total cover every hit. With `clamp` (pages for people) a page past the end shows the last
    one. `unknown`: the query's terms no document contains, with close terms the index knows. `only`:
    the search among these ids of `doc_type` alone (which of some changed documents a saved search
    finds: the same rule as the page)."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    terms = query_terms(text)
    page = max(1, min(page, 1000))
    per_page = max(1, min(per_page, 100))
    sort = sort if sort in SORTS else "relevance"
    if not terms and sort == "relevance":
        sort = "newest"
    with _fresh_searcher() as searcher:
        table, leaves = engine.table_for(searcher)
        mask = _mask(table, leaves, doc_type, filters)
        if only is not None:
            mask &= _only(searcher, len(mask), doc_type, only)
        scores = None
        unknown: dict[str, list[str]] = {}
        if terms:
            scores = engine.bm25(searcher, table, leaves, [(t, 1.0) for t in terms])
            # quantities alone ("50L 200L") are no words of compound_groups: then every term is one
            groups = analysis.compound_groups(text[:MAX_QUERY_CHARS]) or [(t, ()) for t in terms]
            covered = engine.coverage(searcher, table, leaves, groups)
            mask &= (scores > 0) & (covered >= MIN_COVERAGE)
            unknown = _unknown_terms(searcher, terms)
        order = {
            "relevance": lambda: -(np.floor(covered * 10 + 1e-6) * COVERAGE_STEP + scores),
            "price_asc": lambda: _by_unit(table, table.price),
            "price_desc": lambda: _by_unit(table, table.price_desc),
            "newest": lambda: -table.created,
        }[sort]()
        if clamp:  # pages for people: past the end shows the last page
            page = min(page, last_page(int(mask.sum()), per_page))
        docnums = engine.top(order, mask, (page - 1) * per_page, page * per_page)
        hits = []
        for docnum in docnums:
            stored = searcher.stored_fields(int(docnum))
            hits.append(
                Hit(
                    doc_type=stored["doc_type"],
                    obj_id=stored["obj_id"],
                    title=stored["title"],
                    fields=stored,
                    score=float(scores[docnum]) if scores is not None else 0.0,
                    snippet=snippet(stored.get("body") or stored.get("specs") or "", terms),
                )
            )
        return SearchPage(
            items=hits,
            total=int(mask.sum()),
            page=page,
            per_page=per_page,
            facets=engine.facet_counts(table, mask),
            terms=terms,
            unknown=unknown,
        )


def _only(searcher, size: int, doc_type: str, ids: Iterable[int]):
    """A mask of the documents of these ids (those the index holds)."""
    chosen = np.zeros(size, dtype=bool)
    for obj_id in ids:
        docnum = searcher.document_number(id=f"{doc_type}:{obj_id}")
        if docnum is not None:
            chosen[docnum] = True
    return chosen


def _by_unit(table, price_key):
    """Price order within each price unit, the units in `vocab.PRICE_UNITS` order (面议 and unknown
    units last): 元/小时 and 元/天 are never compared."""
    bits = table.bits["price_unit"]
    units = len(engine.FACET_VALUES["price_unit"])
    rank = np.where(bits > 0, np.log2(np.maximum(bits, 1)).astype(np.int64), units)
    return rank * UNIT_STEP + price_key


#: Wider than every price key's range (±NEGOTIABLE_SORT fen), so each unit's prices stay together.
UNIT_STEP = 1 << 52
#: Share of the query (idf-weighted terms) a search hit must contain.
MIN_COVERAGE = 0.6
#: Larger than any BM25 sum, so a tenth more of the query covered always ranks first.
COVERAGE_STEP = 1e4


def _unknown_terms(searcher, terms: list[str]) -> dict[str, list[str]]:
    """{term no document contains: up to three terms of the index a typo away from it}."""
    unknown = [t for t in terms if not searcher.doc_frequency("content", t)]
    if not unknown:
        return {}
    corrector = searcher.corrector("content")
    return {
        t: [s for s in corrector.suggest(t, limit=3, maxdist=1 if len(t) < 4 else 2) if s != t]
        for t in unknown
    }


def snippet(text: str, terms: list[str], width: int = 110) -> list[tuple[str, bool]]:
    """A window of `text` around the first match, as (segment, is_match) pairs for safe rendering."""
    if not text:
        return []
    # Map each normalised character back to its source position (NFKC can change lengths).
    norm_chars, source_pos = [], []
    for i, ch in enumerate(text):
        for n in unicodedata.normalize("NFKC", ch).lower():
            norm_chars.append(n)
            source_pos.append(i)
    norm = "".join(norm_chars)
    marks = [False] * len(text)
    for term in sorted({t for t in terms if len(t) > 1 or not t.isascii()}, key=len, reverse=True):
        start = norm.find(term)
        while start != -1:
            for j in range(start, start + len(term)):
                marks[source_pos[j]] = True
            start = norm.find(term, start + len(term))
    first = marks.index(True) if True in marks else 0
    lo = max(0, first - width // 4)
    hi = min(len(text), lo + width)
    segments: list[tuple[str, bool]] = []
    for i in range(lo, hi):
        if segments and segments[-1][1] == marks[i]:
            segments[-1] = (segments[-1][0] + text[i], marks[i])
        else:
            segments.append((text[i], marks[i]))
    if lo > 0:
        segments.insert(0, ("…", False))
    if hi < len(text):
        segments.append(("…", False))
    return segments


# --- matching ----------------------------------------------------------------------------------


def frequencies(searcher) -> tuple[Callable[[str], int], int]:
    """(term → how many documents contain it, how many there are): the index's statistics (Whoosh counts
    a deleted document until its segment merges: clamped)."""
    n_docs = max(searcher.doc_count(), 1)
    return cache(lambda term: min(searcher.doc_frequency("content", term), n_docs)), n_docs


def key_terms(
    searcher, title: str, body: str, limit: int = KEY_TERMS, sources: dict[str, str] | None = None
) -> list[tuple[str, float]]:
    """The need's most telling terms with weights in (0, 1]; `sources`, when given, receives each
    term the need did not write (a synonym it was expanded to) with the need's word it came from.

    Each outermost term of the text counts (title twice); a compound the index does not know
    ('压阻式') falls back to its known parts, and still brings its synonyms. Weight = (1 + log tf) ·
    idf, with idf capped so a term seen once in the corpus is not worth more than one seen a few times
    (rare words in a long need are usually noise), and in a large index terms in over a fifth of all
    documents are left out (they select nothing and cost the most); terms of the domain dictionary
    weigh 1.3 times. Synonyms join at 0.6 of the source weight; terms absent from the index are
    dropped."""
    frequency, n_docs = frequencies(searcher)
    cap = math.log(1 + (n_docs - 3 + 0.5) / 3.5) if n_docs > 3 else 1.0

    @cache
    def idf(term: str) -> float:
        df = frequency(term)
        if not df or (n_docs > COMMON_MIN_DOCS and df > COMMON_SHARE * n_docs):
            return 0.0
        return min(cap, math.log(1 + (n_docs - df + 0.5) / (df + 0.5)))

    counts: Counter = Counter()
    for text, times in ((title, 2), (body, 1)):
        for word, parts in analysis.compound_groups(text):
            for term in [word] if idf(word) else [word, *parts]:
                counts[term] += times
    weights: dict[str, float] = {}
    synonyms = analysis.synonyms()
    domain = analysis.domain_terms()
    origin: dict[str, str] = {}
    for term, tf in counts.items():
        base = (1 + math.log(tf)) * (DOMAIN_TERM_BONUS if term in domain else 1.0)
        if idf(term):
            weights[term] = max(weights.get(term, 0.0), base * idf(term))
        for other in synonyms.get(term, ()):
            if idf(other) and 0.6 * base * idf(other) > weights.get(other, 0.0):
                weights[other] = 0.6 * base * idf(other)
                origin[other] = term
    best = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    if sources is not None:
        sources.update((term, origin[term]) for term, _w in best if term not in counts and term in origin)
    top = best[0][1] if best else 1.0
    return [(t, w / top) for t, w in best]


def _need_of(demand) -> Need:
    text = f"{demand.title} {demand.description}"
    return Need(
        domains=frozenset(demand.domains),
        kinds=frozenset(demand.kinds),
        budget_max=demand.budget_max,
        cities=frozenset(demand.city_preference),
        certifications=frozenset(analysis.certifications(text)),
        volumes=tuple(analysis.volumes_litres(text)),
        masses=tuple(analysis.masses_tonnes(text)),
    )


def _candidate(stored: dict, score: float, matched: tuple[str, ...], fit: float) -> Candidate:
    return Candidate(
        key=stored["id"],
        text_score=score,
        domains=frozenset(filter(None, stored.get("domain", "").split(","))),
        kinds=frozenset(filter(None, stored.get("kind", "").split(","))),
        price=stored.get("price_yuan"),
        cities=frozenset(filter(None, stored.get("city", "").split(","))),
        level=stored.get("level"),
        certifications=frozenset(filter(None, stored.get("certs", "").split(","))),
        volumes=tuple(stored.get("volumes") or ()),
        masses=tuple(stored.get("masses") or ()),
        matched_terms=matched,
        fit=fit,
    )


def bigram_scores(query_text: str, doc_texts: list[str], k1: float = 1.2, b: float = 0.75) -> list[float]:
    """BM25 over character bigrams of the need against each pooled document, with statistics
    from the pool itself: bigrams shared by the whole pool weigh little, distinctive ones much.
    Catches overlaps that segmentation splits apart ('压阻芯片' / '芯片封装')."""
    query = Counter(analysis.char_bigrams(query_text))
    grams = [Counter(analysis.char_bigrams(text, normalised=True)) for text in doc_texts]
    n_docs = max(len(doc_texts), 1)
    avg = (sum(sum(g.values()) for g in grams) / n_docs) or 1.0
    idf = {}
    for gram in query:
        df = sum(1 for g in grams if gram in g)
        idf[gram] = math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) if df else 0.0
    scores = []
    for doc_grams in grams:
        norm = k1 * (1 - b + b * sum(doc_grams.values()) / avg)
        scores.append(
            sum(
                qtf * idf[g] * doc_grams[g] * (k1 + 1) / (doc_grams[g] + norm)
                for g, qtf in query.items()
                if doc_grams[g]
            )
        )
    return scores


@dataclass(frozen=True)
class _PoolDoc:
    """What scoring needs of a pooled document: its stored fields, its normalised text and the
    characters of that text its bigrams are made of."""

    stored: dict
    text: str
    chars: str


POOL_DOCS_CACHE = 20000  #: pooled documents kept per process (a few kB each)
_pool_docs: OrderedDict[tuple, _PoolDoc] = OrderedDict()
_pool_lock = threading.Lock()


def _pool_doc(searcher, leaves, docnum: int) -> _PoolDoc:
    """A pooled document, kept by (segment, document number): a segment never changes, so the
    entry can never be stale (a deleted or replaced document is no longer pooled)."""
    key = engine.segment_doc(leaves, docnum)
    with _pool_lock:
        doc = _pool_docs.get(key)
        if doc is not None:
            _pool_docs.move_to_end(key)
            return doc
    stored = searcher.stored_fields(docnum)
    text = analysis.normalise(f"{stored.get('title', '')} {stored.get('specs', '')} {stored.get('body', '')}")
    doc = _PoolDoc(stored, text, analysis.bigram_chars(text))
    with _pool_lock:
        _pool_docs[key] = doc
        while len(_pool_docs) > POOL_DOCS_CACHE:
            _pool_docs.popitem(last=False)
    return doc


def _pool_bigram_scores(
    query_text: str, docs: list[_PoolDoc], k1: float = 1.2, b: float = 0.75
) -> list[float]:
    """`bigram_scores` of the pooled documents, to the last bit: the same operations in the same
    order (each term left to right, each document's terms summed in the need's bigram order by
    a sequential cumulative sum), on arrays for the whole pool instead of one dictionary lookup per
    pair (the documents' pairs are numbered by `analysis.bigram_code`, all documents at once)."""
    query = Counter(analysis.char_bigrams(query_text))
    lengths = np.array([len(d.chars) for d in docs], np.int64)
    n_grams = np.maximum(lengths - 1, 0)
    n_docs = max(len(docs), 1)
    avg = (sum(n_grams.tolist()) / n_docs) or 1.0
    if not docs or not query:
        return [0.0] * len(docs)
    codes = np.array([analysis.bigram_code(gram) for gram in query], np.int64)
    columns = np.argsort(codes)  # the need's bigrams ascending (each once), with their columns
    query_ids = codes[columns]
    pairs = analysis.bigram_codes("".join(d.chars for d in docs))
    owner = np.repeat(np.arange(len(docs)), lengths)  # the document of each character
    rows, within = owner[:-1], owner[:-1] == owner[1:]  # a pair's document; never two documents' pair
    at = np.minimum(np.searchsorted(query_ids, pairs), len(query_ids) - 1)
    hit = (query_ids[at] == pairs) & within
    cells = rows[hit] * len(query) + columns[at[hit]]
    shape = (len(docs), len(query))
    tf = np.bincount(cells, minlength=shape[0] * shape[1]).reshape(shape).astype(np.float64)
    df = np.count_nonzero(tf, axis=0).tolist()
    idf = np.array([math.log(1 + (n_docs - n + 0.5) / (n + 0.5)) if n else 0.0 for n in df], np.float64)
    qtf = np.array(list(query.values()), np.float64)
    norm = np.array([k1 * (1 - b + b * n / avg) for n in n_grams.tolist()], np.float64)
    terms = qtf * idf * tf * (k1 + 1) / (tf + norm[:, None])
    terms[tf == 0] = 0.0
    return np.cumsum(terms, axis=1)[:, -1].tolist()


def need_vocabulary(text: str) -> frozenset[str]:
    """Every analysed term of a need, with the synonyms of each."""
    words = set(analysis.tokens(text))
    synonyms = analysis.synonyms()
    for word in list(words):
        words.update(synonyms.get(word, ()))
    return frozenset(words)


def title_coverage(idf, vocabulary: frozenset[str], title: str) -> float:
    """Share of the offering title's meaning (idf-weighted terms) that the need also speaks of.

    The other direction of the query: an offering whose title names things the need never
    mentions ('催化剂评价' for a hydrogenation need) is a weaker match than one whose every
    title term the need uses. A compound counts half when only its parts appear."""
    total = covered = 0.0
    for word, parts in analysis.compound_groups(title):
        weight = idf(word)
        total += weight
        if word in vocabulary:
            covered += weight
        elif parts and any(p in vocabulary for p in parts):
            covered += 0.5 * weight
    return covered / total if total else 0.0


def _retrieve(
    searcher,
    terms: list[tuple[str, float]],
    doc_type: str,
    need_text: str,
    sources: dict[str, str] | None = None,
) -> list[tuple[dict, float, tuple[str, ...], float]]:
    """Candidate pool from the key-term query, as (stored fields, text score, matched terms, title
    coverage); each text score blends the word-level BM25, the
    bigram BM25 of the whole need (both scaled to the pool's best) and the title coverage. Each
    candidate's matched terms are shown as the need wrote them, an expansion as "its word ← the
    need's word" (`sources`, from `key_terms`)."""
    sources = sources or {}
    if not terms:
        return []
    table, leaves = engine.table_for(searcher)
    scores = engine.bm25(searcher, table, leaves, terms)
    mask = _mask(table, leaves, doc_type, {}) & (scores > 0)
    pool, docs = [], []
    for docnum in engine.top(-scores, mask, 0, POOL):
        doc = _pool_doc(searcher, leaves, int(docnum))
        docs.append(doc)
        matched = tuple(f"{t} ← {sources[t]}" if t in sources else t for t, _w in terms if t in doc.text)
        pool.append((doc.stored, float(scores[docnum]), matched))
    if not pool:
        return []
    grams = _pool_bigram_scores(need_text, docs)
    vocabulary = need_vocabulary(need_text)
    frequency, n_docs = frequencies(searcher)

    @cache
    def idf(word: str) -> float:
        df = frequency(word)
        return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))

    best_word, best_gram = max(s for _, s, _ in pool) or 1.0, max(grams) or 1.0
    gram_share = 1 - WORD_SHARE - TITLE_SHARE
    covers = [title_coverage(idf, vocabulary, stored.get("title", "")) for stored, _s, _m in pool]
    return [
        (
            stored,
            WORD_SHARE * score / best_word + gram_share * gram / best_gram + TITLE_SHARE * cover,
            matched,
            cover,
        )
        for (stored, score, matched), gram, cover in zip(pool, grams, covers, strict=True)
    ]


def _to_matches(ranked: list[Ranked], pool: dict[str, dict], limit: int) -> list[Match]:
    return [_match(r, pool[r.candidate.key]) for r in ranked[:limit]]


#: Stored fields a match leaves out: the long texts (matches are kept, a list per demand; pages show the
#: offering's title, platform, city, kind and price).
MATCH_OMITS = frozenset({"body", "specs"})


def _match(r: Ranked, stored: dict) -> Match:
    return Match(
        doc_type=stored["doc_type"],
        obj_id=stored["obj_id"],
        ref=stored.get("ref", ""),
        title=stored["title"],
        score=r.score,
        reasons=r.reasons,
        fields={name: value for name, value in stored.items() if name not in MATCH_OMITS},
        fit=round(r.candidate.fit, 4),
    )


#: A number with a unit of size or capacity (the analyzer joins them: `500l`, `10m`), left out when titles
#: are compared. Bare numbers stay (they name grades and models: 304 and 316 steel are not alike), and so
#: do units that name generations or ratings more often than sizes in titles (5G, 12V).
_QUANTITY = re.compile(
    r"\d+(?:\.\d+)?(?:ml|l|m3|m³|m2|㎡|m|mm|cm|t|kg|kw|mw|kwh|ah|wh|mpa|英寸|吨|升|立方米|平方米|公斤)"
)


@lru_cache(maxsize=20000)  # titles recur in every match of their pool
def likeness(title: str) -> frozenset[str]:
    """The words of a title, sizes left out: equal for '200 L 不锈钢机械搅拌发酵罐' and '1000 L 机械搅拌
    不锈钢发酵罐', different for 正极/负极, 冷/热等静压机, AAV/LV or 304/316L."""
    return frozenset(word for word in analysis.tokens(title) if not _QUANTITY.fullmatch(word))


def group_alike(ranked: list[Ranked], pool: dict[str, dict], limit: int) -> list[Match]:
    """The top `limit` matches, each near-identical offering of another platform (same kind, the same
    title words but for its sizes) grouped under the better-ranked one instead of taking a place: five
    platforms' copies of one kiln make one entry ("另有 4 家平台提供同类设备"), and the list goes on to
    the need's other parts."""
    shown: list[tuple[Match, frozenset[str] | None]] = []
    for r in ranked:
        stored = pool[r.candidate.key]
        words = likeness(stored["title"]) or None  # a title of sizes alone is like no other
        head = next(
            (
                m
                for m, seen in shown
                if m.fields.get("kind") == stored.get("kind")
                and m.fields.get("platform_id") != stored.get("platform_id")
                and seen == words
            ),
            None,
        )
        if head is not None:
            head.alike.append(_match(r, stored))
        elif len(shown) < limit:
            shown.append((_match(r, stored), words))
    return [m for m, _ in shown]


def match_demand(demand, limit: int = 20) -> list[Match]:
    """Offerings ranked for a demand: key terms retrieve a pool, structured signals re-rank it."""
    with _fresh_searcher() as searcher:
        return _match_demand(searcher, demand, limit)


#: Bytes of demands' matches each process keeps in memory (about 8 KB a demand); the host's workers share
#: them through files in PAGE_CACHE_DIR/demand-matches, each process writing at most MATCH_FILE_BYTES of
#: them per version of the offerings (the job worker keeps every demand it matches).
MATCH_CACHE_BYTES = 16 << 20
MATCH_FILE_BYTES = 1 << 30
#: How many matches are computed and kept for each demand (a demand's page shows 20; shorter lists are
#: their first entries).
KEPT_LIMIT = 20


def demand_matches(demand, limit: int = 20) -> list[Match]:
    """`match_demand(demand, limit)`, kept for the version of the offerings it was computed at (see
    `match_demands`): the demand's page shows the same offerings as a fresh match, never a list older
    than the firm's or a platform's last change, and the job worker has usually matched the demand
    before its firm looks (the subscriptions' push, `flask match`, the coverage refresh)."""
    [(_demand, matches)] = match_demands([demand], limit)
    return matches


def match_demands(demands: Iterable, limit: int = 20) -> Iterator[tuple[object, list[Match]]]:
    """(demand, its matches) for many demands from one searcher, the outbox applied once before the
    first match (`flask match --all`, the subscriptions' push, the coverage refresh, a demand's page).

    Each list is kept, for the demand as it is now, at the version of the offerings' documents it was
    computed from (`outbox.offerings_change()`: a booking, a review or another firm's demand leaves it
    standing; an offering or its platform changing gives a new one), and only when this host's index
    had applied every change up to that version; a kept list is used instead of matching again. Scores
    count the whole index's word statistics, which another demand moves by a hair: a kept list keeps its
    scores until an offering changes (counting the offerings' statistics alone means reading a long
    posting list for each common word of a need: 170 ms a match at 200,000 offerings)."""
    # first: the index is then checked against changes up to this version; pickles of this code only
    version = (code_version(), offerings_change())
    kept = _kept_matches()
    computed = max(limit, KEPT_LIMIT)  # the first `limit` of a longer list are that list (`group_alike`)
    with contextlib.ExitStack() as stack:
        searcher = complete = None
        for demand in demands:
            key = (demand.id, demand.updated_at, computed)
            found = kept.find(version, key)
            if found is not None:  # written by this host's processes only (instance folder)
                yield demand, pickle.loads(zlib.decompress(found.body))[:limit]
                continue
            if searcher is None:
                searcher = stack.enter_context(_fresh_searcher())
                complete = not indexer.has_pending()  # the index has applied every change of `version`
            matches = _match_demand(searcher, demand, computed)
            if complete:
                body = zlib.compress(pickle.dumps(matches, pickle.HIGHEST_PROTOCOL), 1)  # a fifth of the size
                kept.put(version, key, CachedPage(body, PICKLED))
            yield demand, matches[:limit]


PICKLED = "application/x-python-pickle+zlib"


def _kept_matches() -> PageCache:
    caches = current_app.extensions
    if "demand_matches" not in caches:
        folder = current_app.config.get("PAGE_CACHE_DIR")
        caches["demand_matches"] = PageCache(
            MATCH_CACHE_BYTES, folder and Path(folder) / "demand-matches", max_file_bytes=MATCH_FILE_BYTES
        )
    return caches["demand_matches"]


def _match_demand(searcher, demand, limit: int) -> list[Match]:
    sources: dict[str, str] = {}
    terms = key_terms(searcher, demand.title, demand.description, sources=sources)
    need_text = f"{demand.title} {demand.title} {demand.description}"
    pool = _retrieve(searcher, terms, "offering", need_text, sources)
    need = _need_of(demand)
    candidates = [_candidate(*pooled) for pooled in pool]
    return group_alike(rank(need, candidates), {pooled[0]["id"]: pooled[0] for pooled in pool}, limit)


def demands_near(title: str, text: str, limit: int = 20) -> list[int]:
    """Ids of the open demands whose words are nearest an offering's, best first: the demands whose
    matches it may have joined (the subscriptions' push checks each with `match_demands`)."""
    with _fresh_searcher() as searcher:
        terms = key_terms(searcher, title, text)
        pool = _retrieve(searcher, terms, "demand", f"{title} {title} {text}")
    pool.sort(key=lambda item: -item[1])
    return [pooled[0]["obj_id"] for pooled in pool[:limit]]


def match_platform(platform, offerings, limit: int = 20) -> list[Match]:
    """Open demands ranked for a platform, from what it and its offerings say they can do."""
    text = " ".join([platform.capabilities or "", platform.description or ""] + [o.title for o in offerings])
    with _fresh_searcher() as searcher:
        sources: dict[str, str] = {}
        titles = platform.name + " " + " ".join(o.title for o in offerings[:50])
        terms = key_terms(searcher, titles, text, sources=sources)
        pool = _retrieve(searcher, terms, "demand", text, sources)
    offered_text = " ".join(f"{o.title} {o.description}" for o in offerings)
    # The platform plays the part of the 'need': its domains, kinds and certifications.
    need = Need(
        domains=frozenset(platform.domains),
        kinds=frozenset(o.kind for o in offerings),
        cities=frozenset(),
        certifications=frozenset(analysis.certifications(" ".join(platform.certifications))),
        volumes=tuple(analysis.volumes_litres(offered_text)),
        masses=tuple(analysis.masses_tonnes(offered_text)),
    )
    candidates = [_candidate(*pooled) for pooled in pool]
    ranked = rank(need, candidates)
    for r in ranked:  # a demand preferring the platform's city: say so
        if platform.city in r.candidate.cities:
            r.reasons.append(f"需求方优先考虑{platform.city}")
    return _to_matches(ranked, {pooled[0]["id"]: pooled[0] for pooled in pool}, limit)


def warm_up(app) -> None:
    """Prepare this process before its first request: open the searcher, build the per-document
    table and compile a search's SQL (the warm-up thread then preloads common postings). A gunicorn
    worker calls it at start (`marketplace.gunicorn_conf`), so the first user's search is as fast as
    the next. Never fails the worker: a problem is logged and the first search meets it again."""
    try:
        with app.app_context():
            search("中试")
    except Exception:  # noqa: BLE001 - the worker must start; the search path reports its own errors
        app.logger.exception("search warm-up at worker start failed")
