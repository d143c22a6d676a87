"""The signed-in booking pages run as many SQL statements for 4 bookings (one in each state) as
for 12: each list loads the platforms and firms it shows in one query per list, never one per row."""

from __future__ import annotations

import pytest

from tests import factories
from tests.catalog.test_catalog import Statements
from tests.factories import local_day

FIRM_PAGES = ["/my/bookings", "/my/calendar", "/my/calendar?view=week", "/workbench/firm", "/my/inquiries"]
OPERATOR_PAGES = [
    "/platform/bookings",
    "/my/platforms/{platform}/schedule",
    "/workbench/platforms/{platform}",
    "/my/inquiries",
]
STATUSES = ("requested", "accepted", "completed", "confirmed")


@pytest.fixture
def sides(db):
    """A firm's user and an operator of one platform."""
    firm = factories.UserFactory(role="firm")
    operator = factories.UserFactory(role="operator")
    platform = factories.PlatformFactory(organization=operator.organization)
    return firm, operator, platform


def _add_rows(firm, platform, count: int) -> None:
    """`count` bookings and inquiries of the firm, each with another platform, and as many on the
    operator's platform, each from another firm: today and tomorrow, in every state."""
    for index in range(count):
        status = STATUSES[index % len(STATUSES)]
        window = {"start_at": local_day(index % 2, 9), "end_at": local_day(index % 2, 17), "status": status}
        factories.BookingFactory(requested_by=firm, **window)
        offering = factories.OfferingFactory(platform=platform)
        factories.BookingFactory(offering=offering, **window)
        factories.InquiryFactory(created_by=firm)
        factories.InquiryFactory(offering__platform=platform)
        factories.ProposalFactory(demand__organization=firm.organization)
        factories.ProposalFactory(platform=platform)


def _statements(client, auth, db, user, path: str) -> int:
    db.session.commit()
    auth.as_(user)
    with Statements(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements.sql)


@pytest.mark.parametrize("path", FIRM_PAGES)
def test_firm_pages_run_the_same_statements_whatever_the_rows(client, auth, db, sides, path):
    firm, _operator, platform = sides
    _add_rows(firm, platform, 4)
    few = _statements(client, auth, db, firm, path)
    _add_rows(firm, platform, 8)
    assert _statements(client, auth, db, firm, path) == few


@pytest.mark.parametrize("path", OPERATOR_PAGES)
def test_operator_pages_run_the_same_statements_whatever_the_rows(client, auth, db, sides, path):
    firm, operator, platform = sides
    path = path.format(platform=platform.id)
    _add_rows(firm, platform, 4)
    few = _statements(client, auth, db, operator, path)
    _add_rows(firm, platform, 8)
    assert _statements(client, auth, db, operator, path) == few


def test_administrators_list_runs_the_same_statements_whatever_the_rows(client, auth, db, sides, admin_user):
    firm, _operator, platform = sides
    _add_rows(firm, platform, 4)
    few = _statements(client, auth, db, admin_user, "/platform/bookings")
    _add_rows(firm, platform, 8)
    assert _statements(client, auth, db, admin_user, "/platform/bookings") == few


def test_the_platform_workbench_reads_only_what_it_shows(client, auth, db, sides):
    """The workbench names the platform and its offerings: it reads neither their label lists nor an
    offering's long texts (a busy platform has dozens of bookable offerings)."""
    firm, operator, platform = sides
    _add_rows(firm, platform, 4)  # bookable offerings with their domains
    db.session.commit()
    path = f"/workbench/platforms/{platform.id}"
    auth.as_(operator)
    with Statements(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200
    labels = ("platform_domains", "platform_certifications", "offering_domains", "offering_certifications")
    assert not [sql for sql in statements.sql if any(f"FROM {table}" in sql for table in labels)]
    assert "资源利用率" in response.get_data(as_text=True)
    offerings = [sql for sql in statements.sql if "FROM offerings" in sql and "is_bookable IS" in sql]
    assert offerings and not [sql for sql in offerings if "offerings.description" in sql]
    # The waiting requests and inquiries and the schedule bring their firms (and an inquiry its
    # offering's title) in their own statement; 2 read the versions keying the page (core.cache).
    assert len(statements.sql) <= 19
