"""Firms mark their matches useful or not; administrators see the judgements and export them as judged
qrels, on which the matcher is evaluated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.demands import services
from marketplace.demands.models import MatchFeedback
from marketplace.offerings.models import Offering
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def judge(client, demand, offering, verdict="useful", reason=""):
    label = {"useful": "有用", "not_useful": "不相关"}[verdict]
    return client.post(
        f"/my/demands/{demand.id}/matches/{offering.id}/feedback", data={verdict: label, "reason": reason}
    )


def judgements(db) -> list[tuple[int, int, bool, str]]:
    rows = db.session.scalars(select(MatchFeedback).order_by(MatchFeedback.id))
    return [(f.demand_id, f.offering_id, f.useful, f.reason) for f in rows]


def test_a_firm_marks_a_match_useful_changes_its_mind_and_takes_it_back(client, auth, db, market):
    demand, fermenter, firm, _ = market
    auth.as_(firm)
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)  # kept for the next view
    assert (
        "您的评价" not in page and f'action="/my/demands/{demand.id}/matches/{fermenter.id}/feedback"' in page
    )
    response = judge(client, demand, fermenter, reason="规模和资质都合适")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#match-{fermenter.id}")
    assert judgements(db) == [(demand.id, fermenter.id, True, "规模和资质都合适")]
    feedback = db.session.scalar(select(MatchFeedback))
    assert (feedback.position, feedback.user_id) == (1, firm.id) and 0 < feedback.score <= 1
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "您的评价：有用（规模和资质都合适）" in page

    judge(client, demand, fermenter, "not_useful", "价格太高")
    assert judgements(db) == [(demand.id, fermenter.id, False, "价格太高")]  # replaced, not added
    assert "您的评价：不相关（价格太高）" in client.get(f"/demands/{demand.id}").get_data(as_text=True)

    withdraw = f"/my/demands/{demand.id}/matches/{fermenter.id}/feedback/withdraw"
    client.post(withdraw)
    assert judgements(db) == []
    assert "您的评价" not in client.get(f"/demands/{demand.id}").get_data(as_text=True)
    # withdrawn already (another tab): said so, no error page
    again = client.post(withdraw, follow_redirects=True)
    assert again.status_code == 200 and "该评价此前已撤销。" in again.get_data(as_text=True)


def test_a_judgement_needs_a_verdict_enter_in_the_reason_box_sends_nothing(client, auth, db, market):
    """Found by trying it: Enter in the reason box submitted the first button, 有用, whatever the reason
    said. The form's default button is now a disabled one (a browser then submits nothing), and a post
    without a verdict is refused."""
    demand, fermenter, firm, _ = market
    auth.as_(firm)
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    form = page[page.index(f'action="/my/demands/{demand.id}/matches/{fermenter.id}/feedback"') :]
    first_button = form[form.index("<button") : form.index(">", form.index("<button"))]
    assert "disabled" in first_button
    response = client.post(
        f"/my/demands/{demand.id}/matches/{fermenter.id}/feedback", data={"reason": "完全不相关"}
    )
    assert response.status_code == 400 and "请点选“有用”或“不相关”。" in response.get_data(as_text=True)
    assert judgements(db) == []


def test_administrators_see_the_firm_s_judgement_on_the_demand_page(client, auth, db, market, admin_user):
    demand, fermenter, firm, _ = market
    services.judge_match(firm, demand, fermenter.id, useful=False, reason="太远")
    db.session.commit()
    auth.as_(admin_user)
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "企业评价：不相关（太远）" in page and "这条匹配：" not in page


def test_a_too_long_reason_is_refused_beside_its_field_and_nothing_is_stored(client, auth, db, market):
    demand, fermenter, firm, _ = market
    auth.as_(firm)
    response = judge(client, demand, fermenter, reason="太" * 201)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    field = page[page.index(f'id="reason-{fermenter.id}"') :]
    assert field.index("原因不能超过 200 个字符。") < field.index("</form>")
    assert judgements(db) == []


def test_only_the_demand_s_firm_judges_its_matches(client, auth, db, market, operator_user, admin_user):
    demand, fermenter, _, _ = market
    other_firm = factories.UserFactory(role="firm")
    db.session.commit()
    for user in (other_firm, operator_user, admin_user):
        auth.as_(user)
        assert judge(client, demand, fermenter).status_code in (403, 404)
    with pytest.raises(services.Forbidden):
        services.judge_match(other_firm, demand, fermenter.id, useful=True)
    assert judgements(db) == []


def test_unknown_or_paused_offerings_cannot_be_judged(client, auth, db, market):
    demand, _, firm, bio = market
    draft = factories.OfferingFactory(platform=bio, status="paused")
    db.session.commit()
    auth.as_(firm)
    assert (
        client.post(f"/my/demands/{demand.id}/matches/999999/feedback", data={"useful": "有用"}).status_code
        == 404
    )
    assert judge(client, demand, draft).status_code == 404
    assert judgements(db) == []


def test_administrators_see_the_judgements_and_export_them_as_qrels(
    client, auth, db, runner, market, admin_user
):
    demand, fermenter, firm, _ = market
    other = db.session.scalar(select(Offering).where(Offering.id != fermenter.id).order_by(Offering.id))
    services.judge_match(firm, demand, fermenter.id, useful=True, reason="合适")
    services.judge_match(firm, demand, other.id, useful=False)
    db.session.commit()
    auth.as_(firm)
    assert client.get("/admin/match-feedback").status_code in (302, 403, 404)
    auth.as_(admin_user)
    page = client.get("/admin/match-feedback").get_data(as_text=True)
    assert demand.title in page and fermenter.title in page and "合适" in page
    assert "共 1 条“有用”、1 条“不相关”，涉及 1 条需求" in page
    rejected = client.get("/admin/match-feedback?verdict=not_useful").get_data(as_text=True)
    assert other.title in rejected and fermenter.title not in rejected
    response = client.get("/admin/match-feedback/qrels.json")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_json() == {demand.ref: {fermenter.ref: services.USEFUL_GRADE, other.ref: 0}}
    result = runner.invoke(args=["demands", "export-feedback"])
    assert result.exit_code == 0 and json.loads(result.output) == response.get_json()
