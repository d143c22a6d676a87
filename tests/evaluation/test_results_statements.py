"""The results pages at province scale: a platform's page reads the province medians stored with
the results, not every participant's values; the ranking reads none; and no page runs more
statements for more participants."""

from __future__ import annotations

from sqlalchemy import event

from marketplace.evaluation import results, services
from marketplace.evaluation.models import IndicatorValue
from tests import factories
from tests.catalog.test_catalog import Statements
from tests.evaluation.results_world import computed_campaign

FEW = ("plat-a", "plat-b", "plat-c")
MANY = ("many-a", "many-b", "many-c", "many-d", "many-e", "many-f", "many-g", "many-h")


def _statements(client, db, path: str) -> int:
    with Statements(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements.sql)


def test_medians_are_stored_with_the_results_and_follow_corrections(db, admin_user):
    campaign, participants = computed_campaign(status="published")
    assert campaign.medians == services.province_medians(campaign, results.ranking(campaign))
    results.correct(admin_user, campaign, participants["plat-c"].platform, "patents", 40, "专利数据更正")
    db.session.commit()
    assert campaign.medians == services.province_medians(campaign, results.ranking(campaign))
    assert campaign.medians["patents"]["value"] == 10  # the median of 10, 6 and the corrected 40


def _values_loaded(client, path: str) -> int:
    """How many indicator values the page reads from the database."""
    loaded = []

    def count(target, context):
        loaded.append(target)

    event.listen(IndicatorValue, "load", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(IndicatorValue, "load", count)
    return len(loaded)


def test_results_pages_read_no_other_participants_values(client, db):
    campaign, _ = computed_campaign(2025, "published", refs=MANY)
    assert _values_loaded(client, "/evaluation/2025/") == 0
    assert _values_loaded(client, "/evaluation/2025/platforms/many-b") == len(campaign.indicators)


def test_results_pages_run_the_same_statements_for_more_participants(client, db):
    computed_campaign(2024, "published", refs=FEW)
    computed_campaign(2025, "published", refs=MANY)
    for page in ("/evaluation/{year}/", "/evaluation/{year}/platforms/{ref}"):
        few = _statements(client, db, page.format(year=2024, ref=FEW[1]))
        assert _statements(client, db, page.format(year=2025, ref=MANY[1])) == few, page


def test_the_administrators_overview_runs_the_same_statements_for_more_participants(client, auth, db):
    computed_campaign(2024, "published", refs=FEW)
    computed_campaign(2025, "published", refs=MANY)
    auth.as_(factories.UserFactory(role="admin"))
    db.session.commit()
    few = _statements(client, db, "/admin/evaluation/2024/results")
    assert _statements(client, db, "/admin/evaluation/2025/results") == few
