"""A demand's page keeps its ranked matches for the search version they were computed at, in the
process and for the host's other worker processes: the next view reads them without matching again,
and any committed change of the demand or of an offering gives a fresh list at once."""

from __future__ import annotations

import re

import pytest

from marketplace.demands import services as demand_services
from marketplace.matching import services as matching
from tests import factories


@pytest.fixture
def matcher_runs(monkeypatch):
    """How many times the matcher ran (it still answers)."""
    runs = []
    original = matching._match_demand

    def counted(searcher, demand, limit):
        runs.append(demand.id)
        return original(searcher, demand, limit)

    monkeypatch.setattr(matching, "_match_demand", counted)
    return runs


def titles(client, demand) -> list[str]:
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    return re.findall(r'class="match-title" href="/offerings/\d+">([^<]+)</a>', page)


def test_the_second_view_shows_the_same_matches_without_matching_again(client, auth, market, matcher_runs):
    demand, fermenter, firm, _ = market
    auth.as_(firm)
    first = titles(client, demand)
    assert first[0] == fermenter.title and len(matcher_runs) == 1
    assert titles(client, demand) == first and len(matcher_runs) == 1


def test_another_worker_shows_the_matches_without_matching_again(app, client, auth, market, matcher_runs):
    demand, fermenter, firm, _ = market
    auth.as_(firm)
    first = titles(client, demand)
    for kept_in_memory in ("demand_matches", "versioned_caches"):  # another process: the same folder only
        app.extensions.pop(kept_in_memory, None)
    assert titles(client, demand) == first and len(matcher_runs) == 1


def test_matches_kept_by_other_code_are_matched_again(app, client, auth, market, matcher_runs, monkeypatch):
    """Kept matches are pickles of the code's classes: a worker of new code (a Match with a new field)
    must not read those of the old code."""
    demand, _fermenter, firm, _ = market
    auth.as_(firm)
    first = titles(client, demand)
    for kept_in_memory in ("demand_matches", "versioned_caches", "member_pages"):
        app.extensions.pop(kept_in_memory, None)
    monkeypatch.setattr("marketplace.matching.services.code_version", lambda: "upgraded")
    assert titles(client, demand) == first and len(matcher_runs) == 2


def test_an_edit_of_the_demand_shows_fresh_matches_at_once(client, auth, db, market, matcher_runs):
    demand, fermenter, firm, _ = market
    auth.as_(firm)
    assert titles(client, demand)[0] == fermenter.title
    demand_services.update_demand(
        firm, demand, {"title": "搪玻璃反应釜精细化工合成放大", "description": "防爆区的1000 L搪玻璃反应釜。"}
    )
    db.session.commit()
    assert titles(client, demand)[0] == "1000 L 搪玻璃反应釜" and len(matcher_runs) == 2


def test_a_change_of_an_offering_shows_fresh_matches_at_once(client, auth, db, market, matcher_runs):
    demand, fermenter, firm, _ = market
    auth.as_(firm)
    assert fermenter.title in titles(client, demand)
    fermenter.status = "paused"
    db.session.commit()
    assert fermenter.title not in titles(client, demand) and len(matcher_runs) == 2


def test_a_list_matched_on_an_index_still_behind_is_not_kept(client, auth, market, matcher_runs, monkeypatch):
    demand, _fermenter, firm, _ = market
    auth.as_(firm)
    monkeypatch.setattr(matching.indexer, "has_pending", lambda app=None: True)  # a drain that never ends
    monkeypatch.setattr(matching.indexer, "drain", lambda app=None, **kwargs: 0)
    first = titles(client, demand)
    assert titles(client, demand) == first and len(matcher_runs) == 2


def test_other_public_changes_keep_the_matches(client, auth, db, market, matcher_runs):
    """Only the demand and the offerings' documents make its matches: another firm's new demand or a
    platform's new event (public rows, which renew the public pages) leave the kept list standing."""
    demand, _fermenter, firm, bio = market
    auth.as_(firm)
    first = titles(client, demand)
    other = factories.UserFactory(role="firm")
    factories.DemandFactory(
        organization=other.organization, title="500 L 发酵罐放大", description="重组蛋白发酵。"
    )
    factories.EventFactory(platform=bio)
    db.session.commit()
    assert titles(client, demand) == first and len(matcher_runs) == 1


def test_a_platform_change_shows_fresh_matches_at_once(client, auth, db, market, matcher_runs):
    """An offering's document carries its platform's city: a platform's change renews the matches."""
    demand, _fermenter, firm, bio = market
    auth.as_(firm)
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "济南" in page
    bio.city = "青岛"
    db.session.commit()
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "位于优先城市：济南" not in page and len(matcher_runs) == 2


def test_a_demand_matched_by_the_worker_is_not_matched_again_when_its_firm_looks(
    app, client, auth, db, market, matcher_runs
):
    """The subscriptions' push matches each new demand in the job worker; the firm's first view of the
    demand then reads that list (another process: the files only)."""
    from marketplace.subscriptions import services as subscriptions

    _demand, fermenter, firm, _bio = market
    subscriptions.scan()
    new = factories.DemandFactory(
        organization=firm.organization, title="大肠杆菌发酵放大", description="500 L 不锈钢发酵罐，GMP车间。"
    )
    db.session.commit()
    subscriptions.scan()
    assert new.id in matcher_runs
    runs = len(matcher_runs)
    for kept_in_memory in ("demand_matches", "versioned_caches", "member_pages"):
        app.extensions.pop(kept_in_memory, None)
    auth.as_(firm)
    assert fermenter.title in titles(client, new) and len(matcher_runs) == runs
