"""The experts' pages at province scale: the administrators' assignment page shows one page of
participants at a time, filtered in SQL (name, city, the state of their assignments, a broken
conflict rule) with counts and pagers that keep the filters; the automatic assignment tops up every
participant of the selection short of experts by the rule, in one POST with a bounded number of
statements; no page runs more statements for more participants."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from marketplace.accounts.services import create_api_token
from marketplace.core.errors import Forbidden
from marketplace.core.models import AuditLog
from marketplace.evaluation import assignments
from marketplace.evaluation.models import EvaluationAssignment
from marketplace.experts.models import ConflictDeclaration
from marketplace.extensions import db as _db
from tests import factories
from tests.catalog.test_catalog import Statements
from tests.experts.helpers import assign, notices, review_campaign


def _statements(client, db, path: str, method: str = "get") -> int:
    with Statements(db.engine) as statements:
        response = getattr(client, method)(path)
    assert response.status_code in (200, 302), path
    return len(statements.sql)


def _world(year: int, platforms: int, experts: list, city_of=lambda n: "青岛"):
    """A campaign in expert review: each platform named after its number, every other one with an
    expert (some submitted with points), one assignment whose expert declared a conflict later."""
    campaign, participants = review_campaign(platforms=platforms, year=year)
    for n, participant in enumerate(participants):
        participant.platform.name = f"平台{year}-{n:02d}"
        participant.platform.city = city_of(n)
        if n % 2 == 0:
            assign(participant, experts[n % len(experts)], submitted=n % 4 == 0, points=70 + n)
    late = assign(participants[1], experts[0])
    _db.session.add(
        ConflictDeclaration(
            expert_id=late.expert_id, platform_id=participants[1].platform_id, reason="后来声明"
        )
    )
    _db.session.flush()
    return campaign, participants


@pytest.fixture
def experts(db):
    return [factories.UserFactory(role="expert", name=f"专家{n}") for n in range(3)]


def test_the_experts_pages_run_the_same_statements_for_more_participants(
    client, auth, db, admin_user, experts
):
    _, few = _world(2024, 3, experts)
    _, many = _world(2025, 12, experts)
    db.session.commit()
    auth.as_(admin_user)
    for path in (
        "/admin/evaluation/{year}/experts",
        "/admin/evaluation/{year}/experts?experts=short&city=青岛&q=平台",
        "/admin/evaluation/{year}/experts/{participant}",
    ):
        small = _statements(client, db, path.format(year=2024, participant=few[1].id))
        assert _statements(client, db, path.format(year=2025, participant=many[1].id)) == small, path
    assert _statements(client, db, "/admin/evaluation/experts") <= 8
    index = client.get("/admin/evaluation/experts").get_data(as_text=True)
    assert "<td>12</td><td>7</td>" in index and "<td>3</td><td>3</td>" in index  # participants, assignments


def test_the_expert_pages_run_the_same_statements_for_more_assignments(client, auth, db, experts):
    """The workspace and the experts' API list every assignment with their platforms and campaigns
    loaded once for the list."""
    expert = experts[0]
    _, few = review_campaign(platforms=2, year=2024)
    _, many = review_campaign(platforms=9, year=2025)
    for participant in (*few, many[0]):  # both campaigns from the start: more assignments, not campaigns
        assign(participant, expert, submitted=True, points=60)
    _, token = create_api_token(expert, "评审")
    db.session.commit()
    auth.as_(expert)

    def api():
        with Statements(db.engine) as statements:
            response = client.get(
                "/api/v1/expert/assignments?per_page=100", headers={"Authorization": f"Bearer {token}"}
            )
        assert response.status_code == 200
        return len(statements.sql)

    small, small_api = _statements(client, db, "/expert/"), api()
    for participant in many[1:]:
        assign(participant, expert, submitted=True, points=80)
    db.session.commit()
    assert _statements(client, db, "/expert/") == small
    assert api() == small_api


def _names(html: str) -> list[str]:
    table = html[html.index('id="participants"') : html.index("</table>", html.index('id="participants"'))]
    return re.findall(r'/experts/\d+">([^<]+)</a>', table)


def test_the_participants_are_paged_and_filtered_in_sql_with_counts(
    app, client, auth, db, admin_user, experts, monkeypatch
):
    monkeypatch.setitem(app.config, "RANKING_PAGE_SIZE", 2)
    monkeypatch.setitem(app.config, "EXPERTS_PER_PARTICIPANT", 1)
    _world(2025, 8, experts, city_of=lambda n: "济南" if n < 5 else "青岛")
    db.session.commit()
    auth.as_(admin_user)

    html = client.get("/admin/evaluation/2025/experts").get_data(as_text=True)
    assert _names(html) == ["平台2025-00", "平台2025-01"]
    assert "第 1 / 4 页，共 8 条" in html
    states = html[html.index('id="states"') : html.index("</nav>", html.index('id="states"'))]
    # 00, 02, 04, 06 have one expert each, 01 has the late conflicted one: 3 without any.
    assert re.search(r"全部 <b>8</b>", states) and re.search(r"未分配专家 <b>3</b>", states)
    assert re.search(r"专家不足 1 位 <b>3</b>", states) and re.search(r"已有 1 位及以上专家 <b>5</b>", states)
    assert re.search(r"存在回避冲突 <b>1</b>", states)
    assert "回避冲突：专家已声明与该平台存在利益冲突" in client.get(
        "/admin/evaluation/2025/experts?experts=flagged"
    ).get_data(as_text=True)

    # Filters in SQL, and the pager keeps them.
    html = client.get("/admin/evaluation/2025/experts?city=济南&experts=none&q=2025").get_data(as_text=True)
    assert _names(html) == ["平台2025-03"]  # 01 (conflicted, assigned) and 05+ (青岛) are not
    html = client.get("/admin/evaluation/2025/experts?city=济南&experts=full").get_data(as_text=True)
    assert _names(html) == ["平台2025-00", "平台2025-01"]
    [next_page] = [unquote(unescape(h)) for h in re.findall(r'<a href="([^"]+)">下一页</a>', html)]
    assert "city=济南" in next_page and "experts=full" in next_page and "page=2" in next_page
    assert _names(client.get(next_page).get_data(as_text=True)) == ["平台2025-02", "平台2025-04"]
    # Counts follow the name and city filters.
    html = client.get("/admin/evaluation/2025/experts?city=青岛").get_data(as_text=True)
    assert re.search(r"全部 <b>3</b>", html) and re.search(r"未分配专家 <b>2</b>", html)


@pytest.fixture
def conflicted(db, experts):
    """Four participants; 专家0 belongs to platform 0's organisation, 专家1 declared a conflict with
    platform 1 and platform 3 already has 专家2."""
    campaign, participants = review_campaign(platforms=4)
    for n, participant in enumerate(participants):
        participant.platform.name = f"平台{n}"
    experts[0].organization = participants[0].platform.organization
    db.session.add(
        ConflictDeclaration(expert_id=experts[1].id, platform_id=participants[1].platform_id, reason="x")
    )
    assign(participants[3], experts[2])
    db.session.commit()
    return campaign, participants


def _pairs(campaign) -> set[tuple[str, str]]:
    rows = _db.session.scalars(
        select(EvaluationAssignment).where(EvaluationAssignment.campaign_id == campaign.id)
    )
    return {(a.participant.platform.name, a.expert.name) for a in rows}


def test_automatic_assignment_tops_up_every_platform_by_the_rule(
    app, client, auth, db, admin_user, experts, conflicted, monkeypatch
):
    monkeypatch.setitem(app.config, "EXPERTS_PER_PARTICIPANT", 2)
    campaign, participants = conflicted
    auth.as_(admin_user)
    response = client.post("/admin/evaluation/2025/experts/auto")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/admin/evaluation/2025/experts"
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # 平台0 may have 专家1 and 专家2, 平台1 专家0 and 专家2, 平台2 any two (the least loaded), 平台3 one more.
    assert _pairs(campaign) == {
        ("平台0", "专家1"),
        ("平台0", "专家2"),
        ("平台1", "专家0"),
        ("平台1", "专家2"),
        ("平台2", "专家0"),
        ("平台2", "专家1"),
        ("平台3", "专家2"),
        ("平台3", "专家0"),
    }
    assert "已为 4 个平台分配专家（共 7 项）。" in page
    # Audited as the workflow's entry, with the rule named; each expert told once.
    audit = _db.session.scalars(
        select(AuditLog).where(
            AuditLog.object_type == "evaluation_assignment", AuditLog.actor_id == admin_user.id
        )
    ).all()
    assert len(audit) == 7 and {(a.old_state, a.new_state, a.reason) for a in audit} == {
        (None, "assigned", "按规则自动分配")
    }
    [message] = notices(experts[1])
    assert "“平台0”、“平台2”" in message

    # Twice: nothing more to do.
    client.post("/admin/evaluation/2025/experts/auto")
    page = client.get("/admin/evaluation/2025/experts").get_data(as_text=True)
    assert "已为 0 个平台分配专家（共 0 项）。" in page
    assert len(_pairs(campaign)) == 8


def test_platforms_without_enough_free_experts_are_named(
    app, client, auth, db, admin_user, experts, conflicted, monkeypatch
):
    monkeypatch.setitem(app.config, "EXPERTS_PER_PARTICIPANT", 3)
    campaign, _ = conflicted
    auth.as_(admin_user)
    client.post("/admin/evaluation/2025/experts/auto")
    page = client.get("/admin/evaluation/2025/experts").get_data(as_text=True)
    assert (
        "已为 4 个平台分配专家（共 9 项），"
        "2 个平台因回避规则无足够的可用专家（每个平台需 3 位）：“平台0”、“平台1”。" in page
    )
    assert ("平台0", "专家0") not in _pairs(campaign) and ("平台1", "专家1") not in _pairs(campaign)


def test_automatic_assignment_keeps_to_the_name_and_city_selection(
    app, client, auth, db, admin_user, experts, conflicted, monkeypatch
):
    monkeypatch.setitem(app.config, "EXPERTS_PER_PARTICIPANT", 1)
    campaign, participants = conflicted
    participants[2].platform.city = "烟台"
    db.session.commit()
    auth.as_(admin_user)
    html = client.get("/admin/evaluation/2025/experts?city=烟台&experts=none").get_data(as_text=True)
    [action] = re.findall(r'<form method="post" action="([^"]+/auto[^"]*)"', html)
    assert (
        "city=烟台" in unquote(action) and "experts=" not in action
    )  # the selection, every state short of experts
    response = client.post(unescape(action))
    assert "city=" in response.headers["Location"]
    assert {name for name, _ in _pairs(campaign)} == {"平台2", "平台3"}


def test_automatic_assignment_runs_the_same_statements_for_more_platforms(
    app, client, auth, db, admin_user, experts, monkeypatch
):
    """Statements grow with the experts told (one notice each), not with the platforms."""
    monkeypatch.setitem(app.config, "EXPERTS_PER_PARTICIPANT", 3)
    _world(2024, 3, experts)
    _world(2025, 12, experts)
    db.session.commit()
    auth.as_(admin_user)
    small = _statements(client, db, "/admin/evaluation/2024/experts/auto", "post")
    assert _statements(client, db, "/admin/evaluation/2025/experts/auto", "post") == small
    count = _db.session.scalar(select(func.count(EvaluationAssignment.id)))
    assert count == 3 * (3 + 12)


def test_only_administrators_assign_automatically(client, auth, db, experts, conflicted):
    campaign, _ = conflicted
    with pytest.raises(Forbidden):
        assignments.auto_assign(experts[0], campaign)
    auth.as_(experts[0])
    assert client.post("/admin/evaluation/2025/experts/auto").status_code == 403
    assert len(_pairs(campaign)) == 1


def test_automatic_assignment_only_in_self_report_or_review(client, auth, db, admin_user, experts):
    review_campaign("computed")
    db.session.commit()
    auth.as_(admin_user)
    client.post("/admin/evaluation/2025/experts/auto")
    page = client.get("/admin/evaluation/2025/experts").get_data(as_text=True)
    assert "只有在自评填报或专家评审阶段可以分配或撤销专家" in page
    assert _db.session.scalar(select(func.count(EvaluationAssignment.id))) == 0


def test_the_other_evaluation_pages_run_the_same_statements_for_more_participants(
    client, auth, db, admin_user, experts
):
    """The campaign page, the self-report lists and a report, and an expert's score sheet."""
    worlds = {year: _world(year, platforms, experts) for year, platforms in ((2024, 3), (2025, 12))}
    db.session.commit()
    paths = (
        "/admin/evaluation/{year}",
        "/admin/evaluation/",
        "/admin/self-reports",
        "/admin/evaluations/{campaign}/self-reports",
        "/self-reports/{participant}",
    )

    def counts(path: str) -> list[int]:
        return [
            _statements(client, db, path.format(year=year, campaign=c.id, participant=ps[0].id))
            for year, (c, ps) in worlds.items()
        ]

    auth.as_(admin_user)
    for path in paths:
        few, many = counts(path)
        assert many == few, path
    auth.as_(experts[0])
    sheets = [
        _db.session.scalar(
            select(EvaluationAssignment.id).where(EvaluationAssignment.participant_id == ps[0].id)
        )
        for _, ps in worlds.values()
    ]
    few, many = (_statements(client, db, f"/expert/evaluation/{sheet}") for sheet in sheets)
    assert many == few


def test_assigning_the_same_experts_to_many_platforms_runs_the_same_statements(db, admin_user, experts):
    """The bulk form's service: the platforms, pairs and declarations read once, the rows written in
    batches, whatever the number of participants."""
    worlds = {year: _world(year, platforms, experts) for year, platforms in ((2024, 3), (2025, 12))}
    db.session.commit()
    counts = []
    for campaign, _ in worlds.values():
        db.session.expire_all()
        participants = list(campaign.participants)
        with Statements(db.engine) as statements:
            result = assignments.assign_many(admin_user, campaign, experts, participants)
        counts.append(len(statements.sql))
        assert len(result.assigned) + len(result.skipped) == 3 * len(participants)
    assert counts[0] == counts[1]


def test_the_counts_and_the_flagged_filter_find_broken_assignments_by_a_join(
    client, auth, db, admin_user, experts
):
    """The assignments that break the conflict rule are found once for the campaign, by joins: never
    a lookup per participant (PostgreSQL ran that one for every user of every participant: 0.4 s for
    2,000 participants). The counts and the filter still find them: a late declaration, an expert
    who moved to the platform's organisation."""
    campaign, participants = _world(2025, 6, experts)
    moved = assign(participants[3], experts[2])
    experts[2].org_id = participants[3].platform.org_id
    db.session.commit()
    auth.as_(admin_user)
    with Statements(db.engine) as statements:
        page = client.get("/admin/evaluation/2025/experts?experts=flagged").get_data(as_text=True)
    counting = [sql for sql in statements.sql if "FROM campaign_participants" in sql]
    assert counting and not [sql for sql in counting if "EXISTS" in sql.upper()]
    assert assignments.state_counts(campaign)["flagged"] == 2
    assert participants[1].platform.name in page and participants[3].platform.name in page
    assert participants[0].platform.name not in page and moved.expert.name in page


def test_the_page_reads_the_participants_platforms_without_their_long_texts(
    client, auth, db, admin_user, experts
):
    """A page of participants names each platform, its organisation and city: not its descriptions."""
    _world(2025, 4, experts)
    db.session.commit()
    auth.as_(admin_user)
    with Statements(db.engine) as statements:
        page = client.get("/admin/evaluation/2025/experts").get_data(as_text=True)
    assert "平台2025-03" in page
    platforms = [sql for sql in statements.sql if "FROM platforms" in sql and "platforms.name" in sql]
    assert platforms and not [sql for sql in platforms if "platforms.description" in sql]
