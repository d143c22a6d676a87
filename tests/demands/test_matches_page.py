"""A demand's page keeps its ranked matches for the search version they were computed at, in the
process and for the host's other worker processes: the next view reads them without matching again,
and any committed change of the demand or of an offering gives a fresh list at once."""

from __future__ import annotations

import re

import pytest

from marketplace.demands import services as demand_services
from marketplace.matching import services as matching


@pytest.fixture
def matcher_runs(monkeypatch):
    """How many times the matcher ran (it still answers)."""
    runs = []
    original = matching.match_demand

    def counted(demand, limit=20):
        runs.append(demand.id)
        return original(demand, limit)

    monkeypatch.setattr(matching, "match_demand", counted)
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
