"""The coverage figures against values counted by hand on a small market, the API's rows and totals,
and how a demand's best match is kept."""

from datetime import date, datetime, timedelta

import pytest

from marketplace.core.timeutil import local_zone
from marketplace.coverage import services
from marketplace.coverage.models import DemandFit
from tests import factories

PERIOD = services.Period(date(2026, 1, 1), date(2026, 6, 30))


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=local_zone())


@pytest.fixture
def market(db):
    """Counted by hand (period 2026-01-01 … 2026-06-30):
    platforms  生物医药·青岛 1, 新材料·青岛 1, 生物医药·济南 1 (the draft one does not count)
    offerings  生物医药·青岛 1 (the paused one does not count), 生物医药·济南 1
    demands    生物医药·济南 1, 新能源·济南 1 (unmet), 新材料·烟台 1; the one closed before the period,
               the draft and the one published after it do not count
    bookings   生物医药·青岛 1 (the one completed before the period does not count), 生物医药·济南 1 (an
               order without an offering: its platform's domains)"""
    qingdao = factories.PlatformFactory(
        city="青岛", domains=["生物医药", "新材料"], created_at=at(date(2025, 5, 1))
    )
    jinan = factories.PlatformFactory(city="济南", domains=["生物医药"], created_at=at(date(2025, 5, 1)))
    factories.PlatformFactory(city="济南", domains=["生物医药"], status="draft")
    fermenter = factories.OfferingFactory(
        platform=qingdao, domains=["生物医药"], created_at=at(date(2026, 2, 1))
    )
    factories.OfferingFactory(platform=qingdao, domains=["新材料"], status="paused")
    factories.OfferingFactory(platform=jinan, domains=["生物医药"], created_at=at(date(2026, 3, 1)))
    in_jinan = factories.OrganizationFactory(city="济南")
    in_yantai = factories.OrganizationFactory(city="烟台")

    def demand(org, domains, published, **values):
        return factories.DemandFactory(
            organization=org, domains=domains, published_at=at(published), **values
        )

    demand(in_jinan, ["生物医药"], date(2026, 2, 10))
    unmet = demand(in_jinan, ["新能源"], date(2026, 3, 5))
    demand(in_yantai, ["新材料"], date(2026, 4, 1))
    demand(
        in_jinan, ["生物医药"], date(2025, 6, 1), status="fulfilled", status_changed_at=at(date(2025, 12, 1))
    )
    demand(in_jinan, ["生物医药"], date(2026, 2, 1), status="draft")
    demand(in_jinan, ["生物医药"], date(2026, 7, 2))
    db.session.add(
        DemandFit(demand_id=unmet.id, best_fit=0.1, best_score=0.9, unmet_since=at(date(2026, 3, 5)))
    )
    factories.BookingFactory(offering=fermenter, status="completed", completed_at=at(date(2026, 4, 3)))
    factories.BookingFactory(offering=fermenter, status="completed", completed_at=at(date(2025, 12, 30)))
    factories.BookingFactory(
        offering=None,
        platform_id=jinan.id,
        kind="order",
        status="confirmed",
        completed_at=at(date(2026, 5, 20)),
        outcome="production",
        outcome_at=at(date(2026, 6, 1)),
    )
    db.session.commit()


EXPECTED = [
    ("生物医药", "济南", 1, 1, 1, 0, 1),
    ("生物医药", "青岛", 1, 1, 0, 0, 1),
    ("新材料", "青岛", 1, 0, 0, 0, 0),
    ("新材料", "烟台", 0, 0, 1, 0, 0),
    ("新能源", "济南", 0, 0, 1, 1, 0),
]


def as_tuples(rows):
    fields = ("domain", "city", *services.ROW_FIELDS)
    return sorted(tuple(row[f] for f in fields) for row in rows)


def test_the_figures_match_a_hand_count(market):
    rows = services.coverage(PERIOD)
    assert as_tuples(rows) == sorted(EXPECTED)
    assert services.totals(rows) == {
        "platforms": 3,
        "offerings": 2,
        "open_demands": 3,
        "unmet_demands": 1,
        "bookings_completed": 2,
    }
    jinan_bio = next(r for r in rows if (r["domain"], r["city"]) == ("生物医药", "济南"))
    assert jinan_bio["conversions"] == 1


def test_monthly_trends(market):
    trend = services.trends(PERIOD)
    assert trend["months"] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert trend["demands"] == [0, 1, 1, 1, 0, 0]
    assert trend["unmet"] == [0, 0, 1, 0, 0, 0]
    assert trend["offerings"] == [0, 1, 1, 0, 0, 0]
    assert trend["bookings"] == [0, 0, 0, 1, 1, 0]


def test_the_api_answers_rows_whose_sums_are_the_totals(client, market):
    response = client.get("/api/v1/stats/coverage?start=2026-01-01&end=2026-06-30")
    assert response.status_code == 200
    body = response.get_json()
    assert as_tuples(body["rows"]) == sorted(EXPECTED)
    assert set(body["rows"][0]) == {"domain", "city", *services.ROW_FIELDS}
    assert body["totals"] == {f: sum(r[f] for r in body["rows"]) for f in services.ROW_FIELDS}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-13-01", "start"),
        ("end=tomorrow", "end"),
        ("start=2026-06-01&end=2026-01-01", "end"),
        ("start=0001-01-01&end=0001-12-31", "start"),
        ("start=9999-06-01&end=9999-12-31", "end"),
    ],
)
def test_the_api_names_the_bad_field(client, db, query, field):
    response = client.get(f"/api/v1/stats/coverage?{query}")
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["query"]) == [field]


def test_without_dates_the_api_reports_this_year_so_far(client, db):
    body = client.get("/api/v1/stats/coverage").get_json()
    period = services.default_period()
    assert (body["start"], body["end"]) == (period.start.isoformat(), period.end.isoformat())
    assert body["rows"] == [] and body["totals"]["platforms"] == 0


def test_a_periods_longer_than_three_years_are_refused(db):
    with pytest.raises(services.DomainError):
        services.period_of(date(2020, 1, 1), date(2026, 1, 1))


def test_a_demand_keeps_its_best_match_and_since_when_it_has_none(app, db):
    offering = factories.OfferingFactory(title="1000 L 机械搅拌不锈钢发酵罐")
    fitting = factories.DemandFactory(title="1000 L 发酵罐放大", description="需要机械搅拌不锈钢发酵罐。")
    stray = factories.DemandFactory(
        title="航空发动机单晶叶片定向凝固",
        description="真空定向凝固炉浇注单晶叶片。",
        domains=["高端装备制造"],
    )
    db.session.commit()
    assert services.refresh() == 2
    good, bad = db.session.get(DemandFit, fitting.id), db.session.get(DemandFit, stray.id)
    assert good.best_offering_id == offering.id and good.best_fit >= app.config["COVERAGE_GOOD_FIT"]
    assert good.unmet_since is None
    assert bad.best_fit < app.config["COVERAGE_GOOD_FIT"] and bad.unmet_since is not None
    since = bad.unmet_since
    assert services.refresh() == 0  # both fresh
    assert services.refresh(everything=True) == 2
    assert db.session.get(DemandFit, stray.id).unmet_since == since  # still unmet since then


def test_the_push_keeps_the_best_match_of_a_new_demand(db):
    from marketplace.subscriptions import services as subscriptions

    subscriptions.scan()
    factories.OfferingFactory(title="1000 L 机械搅拌不锈钢发酵罐")
    db.session.commit()
    subscriptions.scan()
    demand = factories.DemandFactory(title="1000 L 发酵罐放大", description="需要机械搅拌不锈钢发酵罐。")
    db.session.commit()
    subscriptions.scan()
    assert db.session.get(DemandFit, demand.id).best_fit > 0


def test_the_refresh_command(runner, db):
    factories.DemandFactory()
    db.session.commit()
    result = runner.invoke(args=["coverage", "refresh"])
    assert result.exit_code == 0 and result.output.strip() == "matched 1"
    assert runner.invoke(args=["coverage", "refresh"]).output.strip() == "matched 0"


def test_stale_fits_are_matched_again(app, db):
    demand = factories.DemandFactory()
    db.session.add(DemandFit(demand_id=demand.id, matched_at=datetime.now(local_zone()) - timedelta(days=30)))
    db.session.commit()
    assert services.refresh() == 1
