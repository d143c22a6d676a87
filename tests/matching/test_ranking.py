"""The pure ranking function."""

from marketplace.matching.ranking import Candidate, Need, rank


def cand(key, text=1.0, **kw):
    return Candidate(key=key, text_score=text, **kw)


def test_text_relevance_dominates_when_nothing_else_differs():
    ranked = rank(Need(), [cand("a", 2.0), cand("b", 4.0), cand("c", 1.0)])
    assert [r.candidate.key for r in ranked] == ["b", "a", "c"]
    assert ranked[0].signals["text"] == 1.0


def test_structured_fit_reorders_close_text_scores():
    need = Need(
        domains=frozenset({"生物医药"}),
        kinds=frozenset({"equipment"}),
        budget_max=100000.0,
        cities=frozenset({"济南"}),
        certifications=frozenset({"gmp"}),
        volumes=(500.0,),
    )
    wrong = cand(
        "wrong",
        1.0,
        domains=frozenset({"食品"}),
        kinds=frozenset({"service"}),
        price=500000.0,
        cities=frozenset({"菏泽"}),
        level="企业自建",
    )
    right = cand(
        "right",
        0.9,
        domains=frozenset({"生物医药"}),
        kinds=frozenset({"equipment"}),
        price=5000.0,
        cities=frozenset({"济南"}),
        level="国家级",
        certifications=frozenset({"gmp"}),
        volumes=(500.0,),
    )
    ranked = rank(need, [wrong, right])
    assert ranked[0].candidate.key == "right"
    reasons = " ".join(ranked[0].reasons)
    for phrase in (
        "领域相符",
        "资源类型相符",
        "规模相当",
        "具备所需资质：GMP",
        "报价在预算内",
        "位于优先城市：济南",
        "国家级平台",
    ):
        assert phrase in reasons


def test_scores_are_bounded_and_ties_break_by_key():
    ranked = rank(Need(), [cand("b"), cand("a")])
    assert [r.candidate.key for r in ranked] == ["a", "b"]
    assert all(0.0 <= r.score <= 1.0 for r in ranked)


def test_over_budget_is_penalised_proportionally():
    need = Need(budget_max=1000.0)
    ranked = {
        r.candidate.key: r
        for r in rank(need, [cand("cheap", price=800.0), cand("dear", price=4000.0), cand("ask")])
    }
    assert ranked["cheap"].signals["budget"] == 1.0
    assert ranked["dear"].signals["budget"] == 0.25
    assert ranked["ask"].signals["budget"] == 0.5


def test_matched_terms_are_reported():
    ranked = rank(Need(), [cand("a", matched_terms=("发酵罐", "gmp"))])
    assert ranked[0].reasons[0] == "匹配关键词：发酵罐、gmp"


def test_empty_pool():
    assert rank(Need(), []) == []


def test_a_perfect_candidate_scores_exactly_one():
    """Scores are shown as percentages: the weights are normalised, so nothing exceeds 100."""
    need = Need(
        domains=frozenset({"食品"}),
        kinds=frozenset({"site"}),
        budget_max=10.0,
        cities=frozenset({"济南"}),
        certifications=frozenset({"gmp"}),
        volumes=(100.0,),
    )
    perfect = cand(
        "p",
        3.0,
        domains=frozenset({"食品"}),
        kinds=frozenset({"site"}),
        price=1.0,
        cities=frozenset({"济南"}),
        level="国家级",
        certifications=frozenset({"gmp"}),
        volumes=(100.0,),
    )
    assert rank(need, [perfect])[0].score == 1.0
