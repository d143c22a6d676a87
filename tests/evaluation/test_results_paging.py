"""The results tables at province scale: the public ranking, its dimension tab, the administrators'
follow-up list and their results overview show one page of rows at a time, filtered in SQL, with
province ranks and pagers that keep the filters; the pages and the Excel export run the same
statements whatever the number of participants."""

from __future__ import annotations

import re
from html import unescape

import pytest

from marketplace.evaluation import results
from tests import factories
from tests.catalog.test_catalog import Statements
from tests.evaluation.results_world import computed_campaign, text_of

#: 60 platforms: 20 each of the strong (rank 1), middling (rank 21) and weak (rank 41) profiles,
#: in 济南, 青岛 and 淄博 respectively.
SIXTY = tuple(f"plat-{n:02d}" for n in range(60))


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(f'id="{start}"') : html.index(f'id="{end}"')]


def _rows(section: str) -> list[tuple[str, str]]:
    """(rank, platform ref) of each row of a ranking table, in order."""
    found = re.findall(
        r'<tr>\s*<td class="nowrap">([^<]*)</td>.*?/evaluation/\d+/platforms/([\w-]+)"', section, re.S
    )
    return [(rank, ref) for rank, ref in found]


def _links(section: str, text: str) -> list[str]:
    return [unescape(href) for href in re.findall(rf'<a href="([^"]+)">{text}</a>', section)]


def _named(participants: dict) -> None:
    """Distinct platform names (the world names platforms after the last letter of their ref)."""
    for ref, participant in participants.items():
        participant.platform.name = f"{participant.platform.city}中试平台{ref[-2:]}号"


@pytest.fixture
def sixty(db):
    campaign, participants = computed_campaign(status="published", refs=SIXTY)
    _named(participants)
    db.session.commit()
    return campaign, participants


def test_the_ranking_shows_fifty_rows_a_page_in_province_order(client, sixty):
    campaign, _ = sixty
    order = [p.platform.ref for p in results.ranking(campaign, values=False)]
    html = client.get("/evaluation/2025/").get_data(as_text=True)
    ranking = _section(html, "ranking", "domains")
    rows = _rows(ranking)
    assert [ref for _, ref in rows] == order[:50]
    assert "显示 60 / 60 个平台" in text_of(ranking) and "第 1 / 2 页，共 60 条" in text_of(ranking)
    (following,) = _links(ranking, "下一页")
    rows = _rows(_section(client.get(following).get_data(as_text=True), "ranking", "domains"))
    assert [ref for _, ref in rows] == order[50:]
    assert {rank for rank, _ in rows} == {"41"}  # province ranks (ties share theirs)


def test_filters_in_sql_keep_province_ranks_and_the_pager_keeps_them(app, client, sixty, monkeypatch):
    monkeypatch.setitem(app.config, "RANKING_PAGE_SIZE", 8)
    html = client.get("/evaluation/2025/?city=淄博&domain=management").get_data(as_text=True)
    ranking = _section(html, "ranking", "domains")
    rows = _rows(ranking)
    assert len(rows) == 8 and {rank for rank, _ in rows} == {"41"}
    assert all(int(ref[-2:]) % 3 == 2 for _, ref in rows)  # the 淄博 platforms only
    assert "显示 20 / 60 个平台" in text_of(ranking)
    (following,) = _links(ranking, "下一页")
    assert "city=" in following and "domain=management" in following and "page=2" in following
    assert following.endswith("#ranking")
    second = _rows(_section(client.get(following).get_data(as_text=True), "ranking", "domains"))
    assert len(second) == 8 and not {ref for _, ref in second} & {ref for _, ref in rows}
    assert all(int(ref[-2:]) % 3 == 2 for _, ref in second)
    # The grade and a part of the name narrow it further, still with province ranks.
    html = client.get("/evaluation/2025/?grade=excellent&q=中试平台0").get_data(as_text=True)
    rows = _rows(_section(html, "ranking", "domains"))
    assert rows == [("1", "plat-00"), ("1", "plat-03"), ("1", "plat-06"), ("1", "plat-09")]
    html = client.get("/evaluation/2025/?q=100%25").get_data(as_text=True)
    assert _rows(_section(html, "ranking", "domains")) == []  # "%" is a character, not a wildcard


def test_the_dimension_tab_pages_on_its_own_and_keeps_the_ranking_page(app, client, sixty, monkeypatch):
    campaign, participants = sixty
    monkeypatch.setitem(app.config, "RANKING_PAGE_SIZE", 25)
    html = client.get("/evaluation/2025/?page=2&domain=sharing&dpage=3").get_data(as_text=True)
    domains = _section(html, "domains", "rules")
    order = sorted(
        participants.values(),
        key=lambda p: (p.dimension_scores["sharing"]["rank"], p.platform.ref),
    )
    assert [ref for _, ref in _rows(domains)] == [p.platform.ref for p in order[50:]]
    assert "第 3 / 3 页" in text_of(domains)
    (previous,) = _links(domains, "上一页")
    assert "dpage=2" in previous and "page=2" in previous and "domain=sharing" in previous
    nav = domains[domains.index('<nav class="tabs"') : domains.index("</nav>")]
    tabs = re.findall(r'<a href="([^"]+)#domains"', unescape(nav))
    assert tabs and all("page=2" in tab and "dpage" not in tab for tab in tabs)
    assert len(_rows(_section(html, "ranking", "domains"))) == 25  # the ranking's second page


def test_the_follow_up_list_is_paged_gravest_first(app, client, auth, db, admin_user, monkeypatch):
    _, participants = computed_campaign(status="published", refs=SIXTY[:9])
    participants["plat-05"].flags = ["fail_twice", "fail"]
    db.session.commit()
    monkeypatch.setitem(app.config, "RANKING_PAGE_SIZE", 2)
    auth.as_(admin_user)
    section = _section(client.get("/evaluation/2025/").get_data(as_text=True), "follow-up", "grades")
    refs = re.findall(r"/evaluation/2025/platforms/([\w-]+)", section)
    assert refs == ["plat-05", "plat-02"]  # suspension first, then by ref
    assert "第 1 / 2 页，共 3 条" in text_of(section)
    (following,) = _links(section, "下一页")
    assert "fpage=2" in following
    section = _section(client.get(following).get_data(as_text=True), "follow-up", "grades")
    assert re.findall(r"/evaluation/2025/platforms/([\w-]+)", section) == ["plat-08"]


def test_the_administrators_overview_is_paged_and_filtered(app, client, auth, db, admin_user, monkeypatch):
    campaign, _ = computed_campaign(status="published", refs=SIXTY[:9])
    monkeypatch.setitem(app.config, "RANKING_PAGE_SIZE", 2)
    auth.as_(admin_user)
    html = client.get("/admin/evaluation/2025/results?flag=fail").get_data(as_text=True)
    assert re.findall(r"/evaluation/2025/platforms/([\w-]+)/indicators/patents", html) == [
        "plat-02",
        "plat-05",
    ]
    assert "显示 3 / 9 个平台" in text_of(html)
    (following,) = _links(html, "下一页")
    assert "flag=fail" in following and "page=2" in following
    html = client.get(following).get_data(as_text=True)
    assert re.findall(r"/evaluation/2025/platforms/([\w-]+)/indicators/patents", html) == ["plat-08"]
    html = client.get("/admin/evaluation/2025/results?city=青岛&page=9").get_data(as_text=True)
    assert re.findall(r"/evaluation/2025/platforms/([\w-]+)/indicators/patents", html) == ["plat-07"]
    assert "没有符合条件的平台" in client.get("/admin/evaluation/2025/results?flag=fail_twice").get_data(
        as_text=True
    )


def test_the_campaign_page_pages_its_participants_in_ranking_order(
    app, client, auth, admin_user, monkeypatch
):
    campaign, _ = computed_campaign(status="published", refs=SIXTY[:9])
    monkeypatch.setitem(app.config, "RANKING_PAGE_SIZE", 4)
    auth.as_(admin_user)
    html = client.get("/admin/evaluation/2025?page=2").get_data(as_text=True)
    section = html[html.index('id="participants"') :]
    assert "参评平台（9）" in text_of(section) and "第 2 / 3 页，共 9 条" in text_of(section)
    names = [p.platform.name for p in results.ranking(campaign, values=False)]
    assert re.findall(r">([^<>]*中试平台[^<>]*)</a>", section) == names[4:8]


def _statements(client, db, path: str) -> int:
    with Statements(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements.sql)


def test_the_pages_and_the_export_run_the_same_statements_for_more_participants(client, auth, db, admin_user):
    few, _ = computed_campaign(2024, "published", refs=SIXTY[:3])
    many, participants = computed_campaign(2025, "published", refs=SIXTY[3:])
    indicator = next(i for i in many.indicators if i.code == "expert_judgement")
    for participant in list(participants.values())[:5]:  # the export reads experts' scores too
        assignment = factories.EvaluationAssignmentFactory(
            participant=participant, campaign_id=many.id, submitted_at=many.computed_at
        )
        factories.ExpertScoreFactory(assignment=assignment, indicator=indicator, points=80)
    db.session.commit()
    auth.as_(admin_user)
    for page in (
        "/evaluation/{year}/",
        "/evaluation/{year}/?domain=management&city=济南",
        "/admin/evaluation/{year}/results",
        "/admin/evaluation/{year}",
        "/evaluation/{year}/export.xlsx",
    ):
        assert _statements(client, db, page.format(year=2025)) == _statements(
            client, db, page.format(year=2024)
        ), page
