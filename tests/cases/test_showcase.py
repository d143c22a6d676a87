"""The public showcase: only selected cases of published rounds, filterable by year, domain, city and
category with counts; the case page (evidence without firms' names, links to the platform and its
offerings); the platform's public page lists its selected cases."""

from __future__ import annotations

import pytest

from marketplace.attachments import services as attachment_services
from tests import factories
from tests.cases.conftest import done_booking


@pytest.fixture
def published(db, world):
    """2024 (published): two selected cases of two platforms and one not selected; 2025: in review."""
    old = factories.SelectionRoundFactory(year=2024, status="published")
    qingdao = factories.CaseNominationFactory(
        round=old, platform=world.platform, status="selected", title="青岛发酵放大案例"
    )
    qingdao.evidence = [world.done]
    jinan = factories.CaseNominationFactory(
        round=old, platform=world.other_platform, status="selected", category="solution", title="济南涂层方案"
    )
    factories.CaseNominationFactory(
        round=old, platform=world.platform, status="not_selected", title="落选案例"
    )
    world.round.status = "reviewing"
    factories.CaseNominationFactory(
        round=world.round, platform=world.platform, status="selected", title="未公布入选"
    )
    db.session.commit()
    return {"qingdao": qingdao, "jinan": jinan}


def test_only_selected_cases_of_published_rounds_are_shown(client, published):
    page = client.get("/cases/").get_data(as_text=True)
    assert "青岛发酵放大案例" in page and "济南涂层方案" in page
    assert "落选案例" not in page and "未公布入选" not in page
    assert "共 2 个案例" in page
    # Each card says what the case achieved, in a line.
    assert "成效：</span>批次间容量偏差由 8% 降至 1.5%" in page


def test_nothing_is_public_before_publication(client, db, world):
    selected = factories.CaseNominationFactory(round=world.round, platform=world.platform, status="selected")
    world.round.status = "reviewing"
    db.session.commit()
    assert "共 0 个案例" in client.get("/cases/").get_data(as_text=True)
    assert client.get(f"/cases/{selected.id}").status_code == 404
    assert client.get("/api/v1/cases").get_json()["total"] == 0


@pytest.mark.parametrize(
    "query, shown",
    [
        ("?category=solution", {"济南涂层方案"}),
        ("?city=青岛", {"青岛发酵放大案例"}),
        ("?domain=新材料", {"济南涂层方案"}),
        ("?year=2024", {"青岛发酵放大案例", "济南涂层方案"}),
        ("?year=2023", set()),
        ("?year=abc&city=nowhere", {"青岛发酵放大案例", "济南涂层方案"}),  # what cannot be read is no filter
    ],
)
def test_filters(client, published, query, shown):
    page = client.get(f"/cases/{query}").get_data(as_text=True)
    assert {t for t in ("青岛发酵放大案例", "济南涂层方案") if t in page} == shown


def test_category_counts_follow_the_other_filters(client, published):
    page = client.get("/cases/?city=济南").get_data(as_text=True)
    assert "中试服务（0）" in page and "解决方案（1）" in page and "全部（1）" in page


def test_the_case_page_shows_evidence_without_firms_and_links_platform_and_offerings(
    client, world, published
):
    case = published["qingdao"]
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "1 项已完成服务" in page and world.done.title in page
    assert world.done.organization.name not in page
    assert f"/platforms/{world.platform.id}" in page and f"/offerings/{world.done.offering_id}" in page


def test_the_platforms_public_page_lists_its_selected_cases(client, world, published):
    page = client.get(f"/platforms/{world.platform.id}").get_data(as_text=True)
    assert "入选典型案例（1）" in page and "青岛发酵放大案例" in page and "济南涂层方案" not in page
    other = factories.PlatformFactory()
    assert "入选典型案例" not in client.get(f"/platforms/{other.id}").get_data(as_text=True)


def test_images_are_public_with_the_case_and_files_are_not(client, db, world, published):
    case = published["qingdao"]
    image = factories.AttachmentFactory(owner=case, purpose="image")
    report = factories.AttachmentFactory(
        owner=case, purpose="file", filename="检测报告.pdf", content_type="application/pdf"
    )
    db.session.commit()
    assert f"/attachments/{image.id}" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "检测报告.pdf" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert attachment_services.can_view(None, image) and not attachment_services.can_view(None, report)
    assert attachment_services.can_view(world.operator, report) and attachment_services.can_view(
        world.admin, report
    )
    assert not attachment_services.can_view(factories.UserFactory(role="expert"), report)
    unpublished = factories.CaseNominationFactory(
        round=world.round, platform=world.platform, status="selected"
    )
    hidden = factories.AttachmentFactory(owner=unpublished, purpose="image")
    assert not attachment_services.can_view(None, hidden) and attachment_services.can_view(
        world.operator, hidden
    )


def test_the_showcase_paginates(client, db, world):
    rnd = factories.SelectionRoundFactory(year=2023, status="published")
    for n in range(25):
        factories.CaseNominationFactory(
            round=rnd, platform=world.platform, status="selected", title=f"案例{n:02d}"
        )
    done_booking(world.platform)
    db.session.commit()
    first = client.get("/cases/?year=2023").get_data(as_text=True)
    assert "共 25 个案例" in first and "下一页" in first and "year=2023" in first.split("下一页")[0][-200:]
