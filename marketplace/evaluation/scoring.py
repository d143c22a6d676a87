"""The calculation of a campaign's results: one pure function (`compute`) and its parts.

No database, no Flask: values in, scores out, so every rule is unit- and property-tested.

- Each indicator turns raw values into scores of 0-100 by its rule:
  * ``minmax``: 100 × (v − min) / (max − min) over the participants that have a value (lower is
    better: 100 × (max − v) / (max − min)); when all values are equal, all score 100 if that value
    is better than nothing (non-zero for higher-is-better), else 0;
  * ``target``: 100 × v / target, at most 100 (lower is better: 100 when v ≤ target, else
    100 × target / v);
  * ``bands``: the score of the best band reached (higher is better: the largest ``at`` ≤ v; lower
    is better: the smallest ``at`` ≥ v), 0 when none is reached;
  * ``expert``: the experts' points as they are (already 0-100; see `expert_mean`).
  A missing value (no data, not reported) scores 0.
- Total = Σ weight × score / 100 (weights are points summing to 100, so the total is 0-100); a
  dimension's subtotal is the same sum over its indicators.
- Ranks: totals rounded to 0.01; equal totals share a rank and the next rank skips (1, 2, 2, 4);
  within a tie the platforms are listed by their key (the platform's ref). The same within each
  dimension.
- Grade: the highest grade whose threshold the rounded total reaches (default 优秀 ≥ 90, 良好 ≥ 75,
  合格 ≥ 60, else 不合格).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean

#: Grades from the highest down (vocab.GRADES labels them); below the last threshold is "fail".
GRADE_ORDER = ("excellent", "good", "pass")
DEFAULT_THRESHOLDS = {"excellent": 90.0, "good": 75.0, "pass": 60.0}
#: With this many expert scores or more, the highest and the lowest are dropped before averaging.
TRIM_FROM = 5


@dataclass(frozen=True)
class IndicatorSpec:
    """What `compute` needs of an indicator (built from an `EvaluationIndicator`)."""

    code: str
    dimension: str
    weight: float
    rule: str  #: minmax | target | bands | expert
    higher_is_better: bool = True
    target: float | None = None
    bands: tuple[tuple[float, float], ...] = ()  #: (at, score) pairs


@dataclass(frozen=True)
class Result:
    scores: dict[str, float]  #: indicator code → 0-100
    total: float  #: rounded to 0.01
    rank: int
    grade: str
    dimensions: dict[str, dict] = field(default_factory=dict)  #: code → {"score": points, "rank": n}


@dataclass(frozen=True)
class ExpertMean:
    value: float | None
    used: tuple[float, ...]
    dropped: tuple[float, ...]
    rule: str  #: how the mean was taken, in Chinese, shown on the result


def _clamp(score: float) -> float:
    return min(100.0, max(0.0, score))


def score_indicator(spec: IndicatorSpec, values: Mapping[Hashable, float | None]) -> dict[Hashable, float]:
    """Scores of 0-100 of every participant for one indicator (see the module's rules)."""
    present = [v for v in values.values() if v is not None]
    if spec.rule == "minmax" and present:
        low, high = min(present), max(present)
    scores = {}
    for key, value in values.items():
        if value is None:
            scores[key] = 0.0
        elif spec.rule == "minmax":
            if high == low:
                useful = value != 0 if spec.higher_is_better else True
                scores[key] = 100.0 if useful else 0.0
            else:
                gap = (value - low) if spec.higher_is_better else (high - value)
                scores[key] = _clamp(100.0 * gap / (high - low))
        elif spec.rule == "target":
            scores[key] = _target_score(value, spec.target, spec.higher_is_better)
        elif spec.rule == "bands":
            scores[key] = _band_score(value, spec.bands, spec.higher_is_better)
        elif spec.rule == "expert":
            scores[key] = _clamp(value)
        else:
            raise ValueError(f"unknown scoring rule {spec.rule!r}")
    return scores


def _target_score(value: float, target: float | None, higher_is_better: bool) -> float:
    if not target or target <= 0:
        raise ValueError("rule 'target' needs a positive target")
    if higher_is_better:
        return _clamp(100.0 * value / target)
    if value <= target:
        return 100.0
    return _clamp(100.0 * target / value)


def _band_score(value: float, bands: Sequence[tuple[float, float]], higher_is_better: bool) -> float:
    reached = [score for at, score in bands if (value >= at if higher_is_better else value <= at)]
    return _clamp(max(reached)) if reached else 0.0


def expert_mean(points: Sequence[float]) -> ExpertMean:
    """The experts' mean: with five or more scores the highest and the lowest are dropped first,
    with fewer the plain mean; no scores, no value."""
    ordered = sorted(points)
    if not ordered:
        return ExpertMean(None, (), (), "尚无专家评分")
    if len(ordered) >= TRIM_FROM:
        used = tuple(ordered[1:-1])
        dropped = (ordered[0], ordered[-1])
        rule = f"{len(ordered)} 位专家评分，去掉一个最高分和一个最低分后取平均"
    else:
        used, dropped = tuple(ordered), ()
        rule = f"{len(ordered)} 位专家评分（不足 {TRIM_FROM} 位），取算术平均"
    return ExpertMean(fmean(used), used, dropped, rule)


def grade_for(total: float, thresholds: Mapping[str, float] | None = None) -> str:
    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    for grade in GRADE_ORDER:
        if total >= limits[grade]:
            return grade
    return "fail"


def rank(totals: Mapping[Hashable, float]) -> dict[Hashable, int]:
    """Competition ranks (1, 2, 2, 4) of totals rounded to 0.01, higher first."""
    ordered = sorted(totals, key=lambda key: (-round(totals[key], 2), str(key)))
    ranks, previous = {}, None
    for position, key in enumerate(ordered, start=1):
        value = round(totals[key], 2)
        ranks[key] = ranks[ordered[position - 2]] if value == previous else position
        previous = value
    return ranks


def order(results: Mapping[Hashable, Result]) -> list[Hashable]:
    """Keys in ranking order: by rank, ties by key (the stated tie-break)."""
    return sorted(results, key=lambda key: (results[key].rank, str(key)))


def compute(
    indicators: Sequence[IndicatorSpec],
    values: Mapping[Hashable, Mapping[str, float | None]],
    thresholds: Mapping[str, float] | None = None,
) -> dict[Hashable, Result]:
    """Scores, totals, ranks, dimension subtotals and ranks, and grades of every participant.

    `values` maps a participant's key (its platform ref) to {indicator code: raw value or None};
    a code it lacks counts as missing."""
    weights = sum(i.weight for i in indicators)
    if indicators and abs(weights - 100.0) > 1e-6:
        raise ValueError(f"weights sum to {weights:g}, not 100")
    keys = list(values)
    scores: dict[Hashable, dict[str, float]] = {key: {} for key in keys}
    for spec in indicators:
        for key, score in score_indicator(spec, {k: values[k].get(spec.code) for k in keys}).items():
            scores[key][spec.code] = score
    totals = {key: round(sum(i.weight * scores[key][i.code] / 100.0 for i in indicators), 2) for key in keys}
    dims = list(dict.fromkeys(i.dimension for i in indicators))
    subtotals = {
        dim: {
            key: round(
                sum(i.weight * scores[key][i.code] / 100.0 for i in indicators if i.dimension == dim), 2
            )
            for key in keys
        }
        for dim in dims
    }
    overall = rank(totals)
    dim_ranks = {dim: rank(subtotals[dim]) for dim in dims}
    return {
        key: Result(
            scores=scores[key],
            total=totals[key],
            rank=overall[key],
            grade=grade_for(totals[key], thresholds),
            dimensions={dim: {"score": subtotals[dim][key], "rank": dim_ranks[dim][key]} for dim in dims},
        )
        for key in keys
    }
