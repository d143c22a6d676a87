"""Re-ranking of text-retrieved candidates with structured signals. Pure: no database, no index.

score = Σ weight_s · signal_s / Σ weight_s over the signals below, each signal in [0, 1], so the
score is in [0, 1] and shows as a percentage:

- text:   the candidate's text score divided by the best text score in the pool (so the best
          textual match has 1.0). Carries most of the weight: what the need says matters most.
- domain: |need domains ∩ candidate domains| > 0 → 1, no overlap → 0; 0.5 when the need names none.
- kind:   the candidate's kind is among the kinds the need asks for → 1, else 0; 0.5 when none asked.
- scale:  capacities named on both sides (litres or tonnes; a tonne of need also reads as 1000 L
          of vessel) within a factor 2 → 1, falling to 0 at a factor 30; 0.5 when either side names none.
- cert:   share of the certifications the need mentions (GMP, CNAS, …) that the candidate has;
          0.5 when the need mentions none.
- budget: price within the budget → 1; 面议 or no budget → 0.5; above it → budget / price.
- city:   candidate's city among the preferred cities → 1; none preferred → 0.5; else 0.
- level:  国家级 1, 省级 0.75, 市级 0.5, 企业自建 0.25.

The sum is then damped by 20 % when the candidate is outside every domain the need names, and by
20 % when its kind is not among the kinds asked for: a different trade or a different kind of
resource rarely does the job however well its words match.

Ties are broken by the higher text score, then by the candidate key (stable, reproducible).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import analysis

DEFAULT_WEIGHTS = {
    "text": 0.62,
    "domain": 0.15,
    "kind": 0.12,
    "scale": 0.06,
    "cert": 0.05,
    "budget": 0.03,
    "city": 0.03,
    "level": 0.03,
    "off_domain": 0.2,
    "off_kind": 0.2,
}
SIGNALS = ("text", "domain", "kind", "scale", "cert", "budget", "city", "level")
LEVEL_SCORES = {"国家级": 1.0, "省级": 0.75, "市级": 0.5, "企业自建": 0.25}
KIND_LABELS = {"equipment": "中试设备", "site": "中试场地", "service": "中试服务", "process": "生产工艺"}


@dataclass(frozen=True)
class Need:
    """What a demand asks for, as plain values."""

    domains: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    budget_max: float | None = None
    cities: frozenset[str] = frozenset()
    certifications: frozenset[str] = frozenset()
    volumes: tuple[float, ...] = ()
    masses: tuple[float, ...] = ()


@dataclass(frozen=True)
class Candidate:
    key: str
    text_score: float
    domains: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    price: float | None = None
    cities: frozenset[str] = frozenset()
    level: str | None = None
    certifications: frozenset[str] = frozenset()
    volumes: tuple[float, ...] = ()
    masses: tuple[float, ...] = ()
    matched_terms: tuple[str, ...] = ()
    #: How much of the offering's title the need speaks of (`services.title_coverage`, 0..1): an absolute
    #: measure of fit, where `text_score` and the score are relative to the pool's best candidate.
    fit: float = 0.0


@dataclass
class Ranked:
    candidate: Candidate
    score: float
    signals: dict[str, float]
    reasons: list[str] = field(default_factory=list)


def _overlap(wanted: frozenset, offered: frozenset) -> float:
    if not wanted:
        return 0.5
    return 1.0 if wanted & offered else 0.0


def signals(need: Need, c: Candidate, best_text: float) -> dict[str, float]:
    scales = [
        s
        for s in (
            analysis.scale_fit(list(need.volumes), list(c.volumes)),
            analysis.scale_fit(list(need.masses), list(c.masses)),
            # a '吨级' batch and a 1000 L vessel are the same scale of liquid work
            analysis.scale_fit([m * 1000 for m in need.masses], list(c.volumes)),
        )
        if s is not None
    ]
    if need.budget_max is None or c.price is None:
        budget = 0.5
    elif c.price <= need.budget_max:
        budget = 1.0
    else:
        budget = need.budget_max / c.price if c.price else 0.0
    return {
        "text": c.text_score / best_text if best_text > 0 else 0.0,
        "domain": _overlap(need.domains, c.domains),
        "kind": _overlap(need.kinds, c.kinds),
        "scale": max(scales) if scales else 0.5,
        "cert": len(need.certifications & c.certifications) / len(need.certifications)
        if need.certifications
        else 0.5,
        "budget": budget,
        "city": _overlap(need.cities, c.cities),
        "level": LEVEL_SCORES.get(c.level or "", 0.25),
    }


def reasons(need: Need, c: Candidate, s: dict[str, float]) -> list[str]:
    """The Chinese reasons shown beside a match."""
    out = []
    if c.matched_terms:
        out.append("匹配关键词：" + "、".join(c.matched_terms[:6]))
    if need.domains and s["domain"] == 1.0:
        out.append("领域相符：" + "、".join(sorted(need.domains & c.domains)))
    if need.kinds and s["kind"] == 1.0:
        out.append("资源类型相符：" + "、".join(KIND_LABELS.get(k, k) for k in sorted(need.kinds & c.kinds)))
    if s["scale"] == 1.0 and (need.volumes or need.masses):
        out.append("规模相当")
    if need.certifications and s["cert"] > 0:
        out.append(
            "具备所需资质：" + "、".join(sorted(x.upper() for x in need.certifications & c.certifications))
        )
    if need.budget_max is not None and c.price is not None and s["budget"] == 1.0:
        out.append("报价在预算内")
    if need.cities and s["city"] == 1.0:
        out.append("位于优先城市：" + "、".join(sorted(need.cities & c.cities)))
    if c.level in ("国家级", "省级"):
        out.append(f"{c.level}平台")
    return out


def rank(need: Need, candidates: list[Candidate], weights: dict[str, float] | None = None) -> list[Ranked]:
    """Order candidates best first; see the module docstring for the formula and tie-break."""
    weights = weights or DEFAULT_WEIGHTS
    total = sum(weights[name] for name in SIGNALS)
    best_text = max((c.text_score for c in candidates), default=0.0)
    ranked = []
    for c in candidates:
        s = signals(need, c, best_text)
        score = sum(weights[name] * value for name, value in s.items()) / total
        # Outside every domain the need names, a match is a different trade: damp it.
        if s["domain"] == 0.0:
            score *= 1 - weights.get("off_domain", 0.0)
        if s["kind"] == 0.0:
            score *= 1 - weights.get("off_kind", 0.0)
        ranked.append(Ranked(candidate=c, score=round(score, 6), signals=s, reasons=reasons(need, c, s)))
    ranked.sort(key=lambda r: (-r.score, -r.candidate.text_score, r.candidate.key))
    return ranked
