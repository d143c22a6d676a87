"""Favourites (收藏) of offerings, platforms and demands, and up to four offerings compared side by side."""

import re

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.favourites.models import Favourite
from tests import factories


@pytest.fixture
def signed_in(auth, firm_user):
    auth.as_(firm_user)
    return firm_user


def kept(user):
    return sorted(
        (f.item_type, f.item_id)
        for f in db.session.scalars(select(Favourite).where(Favourite.user_id == user.id))
    )


def test_keeping_and_letting_go_from_the_detail_pages(client, signed_in):
    offering = factories.OfferingFactory(title="冻干机")
    demand = factories.DemandFactory()
    db.session.commit()
    url = f"/offerings/{offering.id}"
    assert "☆ 收藏" in client.get(url).get_data(as_text=True)
    response = client.post("/favourites/toggle", data={"type": "offering", "id": offering.id, "next": url})
    assert response.location == url
    assert "★ 已收藏" in client.get(url).get_data(as_text=True)
    client.post("/favourites/toggle", data={"type": "platform", "id": offering.platform_id})
    client.post("/favourites/toggle", data={"type": "demand", "id": demand.id})
    assert kept(signed_in) == sorted(
        [("offering", offering.id), ("platform", offering.platform_id), ("demand", demand.id)]
    )
    page = client.get("/my/favourites?type=offering").get_data(as_text=True)
    assert "冻干机" in page and "对比所选资源" in page
    assert page.count("★ 已收藏") == 1  # each kept item can be let go from the list itself
    response = client.post(
        "/favourites/toggle",
        data={"type": "offering", "id": offering.id, "next": "/my/favourites?type=offering"},
    )
    assert response.location == "/my/favourites?type=offering"
    assert ("offering", offering.id) not in kept(signed_in)
    assert "冻干机" not in client.get("/my/favourites?type=offering").get_data(as_text=True)


def test_what_the_user_may_not_see_cannot_be_kept_and_is_not_listed(client, signed_in):
    draft = factories.PlatformFactory(status="draft")
    offering = factories.OfferingFactory(title="将被暂停的资源")
    db.session.commit()
    assert client.post("/favourites/toggle", data={"type": "platform", "id": draft.id}).status_code == 404
    assert client.post("/favourites/toggle", data={"type": "nonsense", "id": 1}).status_code == 404
    assert client.post("/favourites/toggle", data={"type": "offering", "id": 99999}).status_code == 404
    client.post("/favourites/toggle", data={"type": "offering", "id": offering.id})
    offering.status = "paused"
    db.session.commit()
    assert "将被暂停的资源" not in client.get("/my/favourites").get_data(as_text=True)
    assert kept(signed_in) == [("offering", offering.id)]  # back in the list when it is resumed


def test_anonymous_visitors_see_no_button_and_cannot_keep(client, db):
    offering = factories.OfferingFactory()
    db.session.commit()
    assert "收藏" not in client.get(f"/offerings/{offering.id}").get_data(as_text=True).split("<main")[1]
    assert client.post("/favourites/toggle", data={"type": "offering", "id": offering.id}).status_code == 302
    assert db.session.scalar(select(Favourite)) is None


def test_offerings_compared_side_by_side(client, db):
    small = factories.OfferingFactory(
        title="200 L 发酵罐",
        specs={"容积": "200 L", "材质": "316L"},
        price_amount=800,
        price_unit="day",
        lead_time_days=7,
    )
    large = factories.OfferingFactory(
        title="1000 L 发酵罐", specs={"容积": "1000 L"}, price_amount=None, price_unit=None
    )
    factories.ReviewFactory(booking=factories.BookingFactory(offering=small, status="confirmed"), rating=4)
    db.session.commit()
    page = client.get(f"/compare?o={small.id}&o={large.id}").get_data(as_text=True)
    table = page.split('class="table compare-table"')[1]
    rows = {
        row.split("</th>")[0].rsplit(">", 1)[1]: [c.split("</td>")[0] for c in row.split("<td>")[1:]]
        for row in table.split("<tr>")[2:]
    }
    assert rows["价格"] == ["800.00 元/天", "面议"]
    assert rows["交付周期"] == ["7 天", "—"]
    assert rows["评分"] == ["4.0 分（1 条评价）", "暂无评价"]
    assert rows["容积"] == ["200 L", "1000 L"] and rows["材质"] == ["316L", "—"]


@pytest.mark.parametrize("count", [1, 5])
def test_comparing_needs_two_to_four(client, db, count):
    ids = [factories.OfferingFactory().id for _ in range(count)]
    db.session.commit()
    response = client.get("/compare?" + "&".join(f"o={i}" for i in ids))
    assert response.status_code == 400
    assert ("至少选择两项" if count == 1 else "最多同时对比 4 项") in response.get_data(as_text=True)


def test_a_hidden_offering_is_not_compared(client, db):
    shown = factories.OfferingFactory()
    paused = factories.OfferingFactory(status="paused", title="暂停的资源")
    db.session.commit()
    response = client.get(f"/compare?o={shown.id}&o={paused.id}")
    assert response.status_code == 400 and "暂停的资源" not in response.get_data(as_text=True)


def test_back_from_too_many_the_selection_is_still_ticked(client, signed_in):
    offerings = [factories.OfferingFactory(title=f"资源{i}") for i in range(5)]
    for o in offerings:
        factories.FavouriteFactory(user_id=signed_in.id, item_id=o.id)
    db.session.commit()
    page = client.get("/compare?" + "&".join(f"o={o.id}" for o in offerings)).get_data(as_text=True)
    back = re.search(r'<a href="(/my/favourites\?[^"]+)">我的收藏</a>', page).group(1).replace("&amp;", "&")
    listing = client.get(back).get_data(as_text=True)
    assert listing.count(" checked>") == 5
