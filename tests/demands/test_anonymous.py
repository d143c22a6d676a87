"""Anonymous demands: the firm's name only for the firm, the platforms it contacted and administrators;
“某企业（匿名）” in the hall, on the page, in search (results, snippets, documents), in the API and in
the platforms' lists of demands they could serve."""

import json
import re

import pytest
from sqlalchemy import select

from marketplace.accounts.services import create_api_token
from marketplace.demands.models import Demand
from marketplace.demands.search import demand_document
from marketplace.interchange.services import FORMAT, ImportFailed, export_document, import_document
from tests import factories

FIRM_NAME = "青岛某海洋生物科技有限公司"
ANONYMOUS = "某企业（匿名）"  # what the public reads


class Market:
    """An anonymous open demand whose firm contacted one platform; everybody else around it."""

    def __init__(self, db):
        firm_org = factories.OrganizationFactory(name=FIRM_NAME)
        self.firm = factories.UserFactory(role="firm", organization=firm_org)
        self.demand = factories.DemandFactory(
            organization=firm_org,
            title="海参肽酶解工艺放大",
            description="实验室完成海参酶解制备小分子肽，需要放大到500 L规模并喷雾干燥成粉。",
            domains=["食品"],
            is_anonymous=True,
        )
        self.contacted = factories.PlatformFactory(domains=["食品"], name="海洋食品加工中试基地")
        factories.OfferingFactory(
            platform=self.contacted,
            title="500 L 酶解反应罐",
            description="用于海洋生物蛋白酶解与小分子肽制备，配喷雾干燥。",
            domains=["食品"],
        )
        factories.DemandContactFactory(demand=self.demand, platform=self.contacted)
        self.other = factories.PlatformFactory(domains=["食品"], name="海洋生物提取中试平台")
        factories.OfferingFactory(
            platform=self.other,
            title="海参肽酶解与喷雾干燥中试线",
            description="海参、牡蛎等海洋生物酶解制肽，喷雾干燥成粉，500 L规模。",
            domains=["食品"],
        )
        self.users = {
            "anonymous": None,
            "other firm": factories.UserFactory(role="firm"),
            "other operator": factories.UserFactory(role="operator", organization=self.other.organization),
            "contacted operator": factories.UserFactory(
                role="operator", organization=self.contacted.organization
            ),
            "admin": factories.UserFactory(role="admin"),
            "firm": self.firm,
        }
        db.session.commit()


@pytest.fixture
def market(db):
    return Market(db)


#: Who reads the firm's name of an anonymous demand.
SEES_NAME = {"contacted operator", "admin", "firm"}


def as_(auth, user):
    if user is None:
        auth.logout()
    else:
        auth.as_(user)


@pytest.mark.parametrize(
    "actor", ["anonymous", "other firm", "other operator", "contacted operator", "admin", "firm"]
)
def test_hall_and_page_name_the_firm_only_to_those_who_may_know_it(client, auth, market, actor):
    as_(auth, market.users[actor])
    for path in ("/demands", f"/demands/{market.demand.id}"):
        page = client.get(path).get_data(as_text=True)
        assert market.demand.title in page, path
        if actor in SEES_NAME:
            assert FIRM_NAME in page, path
        else:
            assert FIRM_NAME not in page and ANONYMOUS in page, path


def test_a_named_demand_still_shows_its_firm(client, db):
    factories.DemandFactory(organization=factories.OrganizationFactory(name=FIRM_NAME))
    db.session.commit()
    page = client.get("/demands").get_data(as_text=True)
    assert FIRM_NAME in page and ANONYMOUS not in page


def test_firm_posts_anonymously_from_the_form_and_can_change_its_mind(client, auth, db, firm_user):
    auth.as_(firm_user)
    form = client.get("/my/demands/new").get_data(as_text=True)
    assert 'name="is_anonymous"' in form and "匿名发布" in form
    data = {
        "title": "碳纤维无人机机翼试制",
        "description": "机翼设计已完成，需要预浸料铺层和热压罐固化成型试制3套。",
        "domains": ["新材料"],
        "window_end": "2099-06-30",
        "publish": "1",
        "is_anonymous": "y",
    }
    client.post("/my/demands/new", data=data)
    demand = db.session.scalar(select(Demand))
    assert demand.is_anonymous
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "匿名发布：公开页面" in page and firm_user.organization.name in page
    auth.logout()
    assert firm_user.organization.name not in client.get(f"/demands/{demand.id}").get_data(as_text=True)

    auth.as_(firm_user)
    edit = client.get(f"/my/demands/{demand.id}/edit").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*name="is_anonymous"[^>]*>', edit).group(0)
    assert "checked" in checkbox
    client.post(f"/my/demands/{demand.id}/edit", data={k: v for k, v in data.items() if k != "is_anonymous"})
    db.session.refresh(demand)
    assert not demand.is_anonymous
    auth.logout()
    assert firm_user.organization.name in client.get(f"/demands/{demand.id}").get_data(as_text=True)


def test_the_search_document_carries_no_trace_of_the_name(db, market):
    document = demand_document(market.demand)
    assert FIRM_NAME not in json.dumps(document, ensure_ascii=False, default=str)
    assert document["platform_name"] == ANONYMOUS


def test_search_neither_shows_nor_finds_the_firm(client, auth, db, market):
    auth.as_(market.users["other operator"])
    page = client.get("/search", query_string={"q": "海参肽 酶解", "scope": "demand"}).get_data(as_text=True)
    assert market.demand.title in page and ANONYMOUS in page and FIRM_NAME not in page
    by_name = client.get("/search", query_string={"q": "海洋生物科技有限公司", "scope": "demand"})
    assert market.demand.title not in by_name.get_data(as_text=True)

    _, token = create_api_token(market.users["other operator"], "t")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    api = client.get("/api/v1/search", query_string={"q": "海参肽", "scope": "demand"}, headers=headers)
    assert api.status_code == 200 and [h["title"] for h in api.json["items"]] == [market.demand.title]
    assert FIRM_NAME not in api.get_data(as_text=True)
    by_name = client.get(
        "/api/v1/search", query_string={"q": "海洋生物科技有限公司", "scope": "demand"}, headers=headers
    )
    assert by_name.json["items"] == []


def test_the_api_lists_anonymous_demands_without_the_name(client, market):
    response = client.get("/api/v1/demands")
    assert response.status_code == 200 and FIRM_NAME not in response.get_data(as_text=True)
    (item,) = response.json["items"]
    assert item["organization"] == ANONYMOUS and item["anonymous"] is True


def test_a_platform_that_could_serve_the_demand_sees_it_without_the_name(client, auth, market):
    auth.as_(market.users["other operator"])
    page = client.get(f"/my/platforms/{market.other.id}").get_data(as_text=True)
    section = page[page.index("可承接的需求") :]
    assert market.demand.title in section and ANONYMOUS in section and FIRM_NAME not in page


def test_interchange_carries_the_flag_as_an_optional_field(db):
    document = {
        "format": FORMAT,
        "organizations": [{"ref": "org-1", "name": FIRM_NAME}],
        "demands": [
            {"ref": "dem-1", "org_ref": "org-1", "title": "匿名需求", "domains": ["食品"], "anonymous": True},
            {"ref": "dem-2", "org_ref": "org-1", "title": "实名需求", "domains": ["食品"]},
        ],
    }
    import_document(document)
    db.session.commit()
    flags = dict(db.session.execute(select(Demand.ref, Demand.is_anonymous)).all())
    assert flags == {"dem-1": True, "dem-2": False}
    exported = {d["ref"]: d for d in export_document()["demands"]}
    assert exported["dem-1"]["anonymous"] is True and "anonymous" not in exported["dem-2"]

    document["demands"][1]["anonymous"] = "yes"
    with pytest.raises(ImportFailed) as failed:
        import_document(document)
    assert [(e.ref, e.field) for e in failed.value.errors] == [("dem-2", "anonymous")]
