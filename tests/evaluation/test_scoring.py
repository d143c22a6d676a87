"""The pure calculation of results (evaluation/scoring.py): each rule by hand, then properties."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.evaluation import scoring
from marketplace.evaluation.scoring import (
    IndicatorSpec,
    compute,
    expert_mean,
    grade_for,
    rank,
    score_indicator,
)


def spec(rule="minmax", **kw):
    return IndicatorSpec(
        code=kw.pop("code", "x"),
        dimension=kw.pop("dimension", "d"),
        weight=kw.pop("weight", 100),
        rule=rule,
        **kw,
    )


def test_minmax_spreads_the_participants_between_0_and_100():
    assert score_indicator(spec(), {"a": 10, "b": 20, "c": 15}) == {"a": 0.0, "b": 100.0, "c": 50.0}


def test_minmax_lower_is_better_reverses_the_scale():
    scores = score_indicator(spec(higher_is_better=False), {"a": 10, "b": 20, "c": 15})
    assert scores == {"a": 100.0, "b": 0.0, "c": 50.0}


def test_minmax_with_equal_values_gives_full_marks_unless_all_have_nothing():
    assert score_indicator(spec(), {"a": 3, "b": 3}) == {"a": 100.0, "b": 100.0}
    assert score_indicator(spec(), {"a": 0, "b": 0}) == {"a": 0.0, "b": 0.0}


def test_missing_values_score_zero_and_do_not_move_the_range():
    assert score_indicator(spec(), {"a": 10, "b": None, "c": 20}) == {"a": 0.0, "b": 0.0, "c": 100.0}


def test_target_is_a_ratio_capped_at_full_marks():
    # The university scheme: share rate ÷ 10 % × full marks, at most full marks.
    scores = score_indicator(spec("target", target=10), {"a": 5, "b": 10, "c": 25})
    assert scores == {"a": 50.0, "b": 100.0, "c": 100.0}


def test_target_lower_is_better_is_full_within_target_then_proportional():
    scores = score_indicator(spec("target", target=24, higher_is_better=False), {"a": 12, "b": 24, "c": 48})
    assert scores == {"a": 100.0, "b": 100.0, "c": 50.0}


def test_target_needs_a_positive_target():
    with pytest.raises(ValueError):
        score_indicator(spec("target", target=0), {"a": 1})


def test_bands_give_the_best_band_reached():
    bands = ((1, 70), (2, 90), (3, 100))
    scores = score_indicator(spec("bands", bands=bands), {"a": 0, "b": 1, "c": 2.5, "d": 7})
    assert scores == {"a": 0.0, "b": 70.0, "c": 90.0, "d": 100.0}


def test_bands_lower_is_better_reach_the_band_at_or_below():
    bands = ((48, 60), (24, 100))
    scores = score_indicator(spec("bands", bands=bands, higher_is_better=False), {"a": 10, "b": 30, "c": 72})
    assert scores == {"a": 100.0, "b": 60.0, "c": 0.0}


def test_expert_points_are_taken_as_they_are():
    assert score_indicator(spec("expert"), {"a": 82.5, "b": None}) == {"a": 82.5, "b": 0.0}


def test_expert_mean_trims_only_with_five_or_more_scores():
    four = expert_mean([60, 70, 80, 100])
    assert four.value == 77.5 and four.dropped == () and "算术平均" in four.rule
    five = expert_mean([40, 70, 80, 90, 100])
    assert five.value == 80 and five.dropped == (40, 100) and "去掉一个最高分和一个最低分" in five.rule
    assert expert_mean([]).value is None


def test_grades_follow_the_thresholds():
    assert [grade_for(t) for t in (95, 90, 89.99, 75, 74.99, 60, 59.99)] == [
        "excellent",
        "excellent",
        "good",
        "good",
        "pass",
        "pass",
        "fail",
    ]
    assert grade_for(85, {"excellent": 85}) == "excellent"


def test_ranks_share_ties_and_skip_the_next_places():
    assert rank({"a": 90, "b": 80, "c": 90, "d": 70}) == {"a": 1, "c": 1, "b": 3, "d": 4}


def test_compute_weights_scores_into_totals_dimensions_and_grades():
    indicators = [
        IndicatorSpec("bookings", "sharing", 60, "target", target=10),
        IndicatorSpec("patents", "rnd", 40, "minmax"),
    ]
    results = compute(
        indicators,
        {"p1": {"bookings": 10, "patents": 4}, "p2": {"bookings": 5, "patents": 0}, "p3": {"bookings": 2}},
    )
    # p1: 60 × 100 % + 40 × 100 % = 100; p2: 60 × 50 % + 40 × 0 % = 30; p3: 60 × 20 % + 0 = 12.
    assert {k: r.total for k, r in results.items()} == {"p1": 100.0, "p2": 30.0, "p3": 12.0}
    assert [results[k].rank for k in ("p1", "p2", "p3")] == [1, 2, 3]
    assert results["p1"].grade == "excellent" and results["p2"].grade == "fail"
    assert results["p2"].dimensions == {
        "sharing": {"score": 30.0, "rank": 2},
        "rnd": {"score": 0.0, "rank": 2},
    }


def test_compute_refuses_weights_that_do_not_sum_to_100():
    with pytest.raises(ValueError, match="not 100"):
        compute([IndicatorSpec("a", "d", 60, "minmax")], {"p": {"a": 1}})


# Properties ------------------------------------------------------------------------------------

# Shared CI machines run other work beside the suite: no deadlines, no "too slow" health check.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

values = st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False))
rules = st.sampled_from(["minmax", "target", "bands", "expert"])
population = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=4), values, min_size=1, max_size=12)


def any_spec(rule, higher):
    return spec(rule, higher_is_better=higher, target=37.5, bands=((1, 40), (10, 75), (100, 100)))


@given(population, rules, st.booleans())
def test_every_rule_scores_within_0_and_100(values_by_key, rule, higher):
    scores = score_indicator(any_spec(rule, higher), values_by_key)
    assert set(scores) == set(values_by_key)
    assert all(0.0 <= s <= 100.0 for s in scores.values())


@given(population, rules, st.booleans())
def test_a_better_value_never_scores_less(values_by_key, rule, higher):
    scores = score_indicator(any_spec(rule, higher), values_by_key)
    present = [(v, scores[k]) for k, v in values_by_key.items() if v is not None]
    for v1, s1 in present:
        for v2, s2 in present:
            if (v1 > v2) if higher or rule == "expert" else (v1 < v2):
                assert s1 >= s2 - 1e-9


@given(
    st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.integers(0, 5).map(float), min_size=1),
    st.randoms(),
)
def test_ranking_is_stable_under_ties_and_input_order(totals, rnd):
    shuffled = list(totals.items())
    rnd.shuffle(shuffled)
    assert rank(dict(shuffled)) == rank(totals)
    ranks = rank(totals)
    for a in totals:
        for b in totals:
            if totals[a] == totals[b]:
                assert ranks[a] == ranks[b]
            elif totals[a] > totals[b]:
                assert ranks[a] < ranks[b]
    # Competition ranking: a rank is one more than the number of strictly better totals.
    assert all(ranks[k] == 1 + sum(t > totals[k] for t in totals.values()) for k in totals)


@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), max_size=12))
def test_trimming_happens_only_with_five_or_more_scores(points):
    mean = expert_mean(points)
    if not points:
        assert mean.value is None
    elif len(points) < scoring.TRIM_FROM:
        assert mean.dropped == () and mean.value == pytest.approx(sum(points) / len(points))
    else:
        assert mean.dropped == (min(points), max(points)) and len(mean.used) == len(points) - 2
        assert min(points) - 1e-9 <= mean.value <= max(points) + 1e-9


@given(
    st.dictionaries(
        st.text("abcdef", min_size=1, max_size=3),
        st.fixed_dictionaries({"a": values, "b": values, "c": values}),
        min_size=1,
        max_size=10,
    )
)
def test_totals_stay_within_0_and_100(values_by_key):
    indicators = [
        IndicatorSpec("a", "x", 50, "minmax"),
        IndicatorSpec("b", "x", 30, "target", target=5),
        IndicatorSpec("c", "y", 20, "expert"),
    ]
    for result in compute(indicators, values_by_key).values():
        assert 0.0 <= result.total <= 100.0
        assert result.grade in ("excellent", "good", "pass", "fail")
