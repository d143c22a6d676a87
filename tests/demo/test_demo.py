"""The demo catalogue an official browses: coherent platforms, varied titles and needs, plausible
numbers, every domain and city, invented names; and the demo accounts have something to do."""

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace import vocab
from marketplace.accounts.models import User
from marketplace.bookings import dashboards
from marketplace.bookings.models import Booking, BookingStatus, Outcome, Review
from marketplace.cases import services as case_services
from marketplace.cases.models import SelectionRound
from marketplace.core.models import AuditLog, utcnow
from marketplace.core.timeutil import local_today, to_local
from marketplace.demands.models import Demand
from marketplace.demo import services as demo
from marketplace.demo import themes as demo_themes
from marketplace.evaluation import models as evaluation_services
from marketplace.evaluation.models import EvaluationCampaign, ScoreCorrection
from marketplace.experts.models import ConflictDeclaration
from marketplace.inquiries import services as inquiries
from marketplace.inquiries.models import Inquiry, InquiryStatus, Proposal, ProposalStatus
from marketplace.messaging import services as messaging
from marketplace.messaging.models import Message
from marketplace.offerings.models import Offering
from marketplace.platforms.models import Platform


@pytest.fixture(scope="module")
def document(app):
    with app.app_context():
        return demo.build_document()


def theme_of(platform: dict) -> demo_themes.Theme:
    (theme,) = [t for t in demo_themes.load() if platform["name"] == platform["city"] + t.name]
    return theme


def test_almost_every_title_is_distinct(document):
    offerings, demands = document["offerings"], document["demands"]
    assert len(offerings) >= 400 and len(demands) >= 160
    assert len({o["title"] for o in offerings}) / len(offerings) >= 0.97
    assert len({d["title"] for d in demands}) / len(demands) >= 0.97
    assert len({d["description"] for d in demands}) / len(demands) >= 0.97
    assert len({p["name"] for p in document["platforms"]}) == len(document["platforms"])


def test_each_platform_is_one_theme_whose_vocabulary_its_offerings_use(document):
    platforms = {p["ref"]: p for p in document["platforms"]}
    assert len({theme_of(p).name for p in platforms.values()}) == len(platforms)
    for offering in document["offerings"]:
        platform = platforms[offering["platform_ref"]]
        theme = theme_of(platform)
        assert set(offering["domains"]) <= set(platform["domains"]) == set(theme.domains), offering["title"]
        assert theme.fits(offering["title"]), f"{platform['name']}: {offering['title']}"
    for platform in platforms.values():
        assert 7 <= sum(o["platform_ref"] == platform["ref"] for o in document["offerings"]) <= 10


def test_what_the_official_noticed_is_gone(document):
    platforms = {p["ref"]: p for p in document["platforms"]}
    quantum = [p for p in platforms.values() if "量子" in p["name"]]
    mems = [p for p in platforms.values() if "MEMS" in p["name"]]
    assert quantum and mems
    for offering in document["offerings"]:
        if platforms[offering["platform_ref"]] in quantum:
            assert not re.search("发酵|反应釜|罐", offering["title"]), offering["title"]
    assert all("食品" not in p["domains"] for p in mems)


def test_platforms_and_needs_cover_every_domain_and_city(document):
    platforms, demands = document["platforms"], document["demands"]
    assert {d for p in platforms for d in p["domains"]} == set(vocab.DOMAINS)
    assert {p["city"] for p in platforms} == set(vocab.CITIES)
    per_domain = Counter(d["domains"][0] for d in demands)
    assert set(per_domain) == set(vocab.DOMAINS) and min(per_domain.values()) >= 8
    firms = {o["ref"]: o for o in document["organizations"]}
    assert {firms[d["org_ref"]]["city"] for d in demands} == set(vocab.CITIES)
    assert {c for d in demands for c in d["city_preference"]} == set(vocab.CITIES)


#: What a plausible offering of each kind looks like: price units, price range per unit, lead times.
UNITS = {
    "equipment": {"hour", "day", "batch"},
    "site": {"day", "month"},
    "service": {"hour", "day", "batch", "sample", "project"},
    "process": set(),  # licensed on request (面议)
}
PRICE_RANGE = {
    "hour": (50, 5000),
    "day": (300, 60000),
    "batch": (500, 400000),
    "sample": (20, 50000),
    "month": (5000, 500000),
    "project": (10000, 5000000),
}
LEAD_TIME = {"equipment": (2, 21), "site": (7, 60), "service": (2, 90), "process": (30, 120)}


def test_specs_prices_units_and_lead_times_are_plausible_for_the_kind(document):
    for o in document["offerings"]:
        kind, price = o["kind"], o["price"]
        if price.get("negotiable"):
            assert kind in ("process", "service", "equipment"), o["title"]
        else:
            assert price["unit"] in UNITS[kind], o["title"]
            low, high = PRICE_RANGE[price["unit"]]
            assert low <= price["amount"] <= high, o["title"]
        assert LEAD_TIME[kind][0] <= o["lead_time_days"] <= LEAD_TIME[kind][1], o["title"]
        assert o["specs"] and all(k and v and "{" not in v for k, v in o["specs"].items()), o["title"]
        assert "{" not in o["title"] + o["description"]
        if kind == "site":
            assert o["area_m2"] and o["area_m2"] > 0, o["title"]
        if kind == "service":
            assert o["service_type"] in vocab.SERVICE_TYPES, o["title"]
    for d in document["demands"]:
        assert "{" not in d["title"] + d["description"]
        assert 10000 <= d["budget"]["max"] <= 5000000 and 4 <= d["trl"] <= 7
        assert set(d["kinds"]) <= set(vocab.OFFERING_KINDS)


def test_names_are_invented_and_contacts_are_placeholders(document):
    assert all("某" in org["name"] for org in document["organizations"])
    assert len({org["name"] for org in document["organizations"]}) == len(document["organizations"])
    for platform in document["platforms"]:
        contact = platform["contact"]
        assert contact["email"].endswith("@example.cn")
        assert contact["phone"].startswith(demo.AREA_CODES[platform["city"]] + "-")


def test_some_needs_are_posted_anonymously(document):
    anonymous = [d for d in document["demands"] if d.get("anonymous")]
    assert 0.1 <= len(anonymous) / len(document["demands"]) <= 0.3


def test_the_theme_file_refuses_what_it_cannot_read():
    good = (
        "== 食品\n--- 测试平台\ncity: 济南\norg: 食品有限公司 | enterprise\nkeywords: 罐\nfirms: 食品公司\n"
    )
    line = "off: 设备 | 500 L 罐 | 容积：500 L | 说明 | 100-200/day | -\n"
    assert demo_themes.parse(good + line)[0].offerings[0].unit == "day"
    for bad in (
        line.replace("设备", "机器"),
        line.replace("/day", "/week"),
        line.replace("容积：500 L", "容积 500 L"),
        line.replace("100-200", "200-100"),
    ):
        with pytest.raises(demo_themes.ThemeFileError):
            demo_themes.parse(good + bad)


def test_seed_demo_fills_an_empty_database_once_with_all_the_tour_needs(runner, db, client):
    """Seeding takes minutes: one seeding, checked for all it promises (each part below), then refused
    on the database it filled."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.cn" in result.output
    the_catalogue_covers_every_domain_city_kind_and_role(db)
    the_demo_accounts_find_their_platform_and_their_needs(db)
    the_demo_holds_last_years_published_evaluation_and_typical_cases(db, client)
    a_fermentation_need_finds_one_vessel_of_three_platforms_grouped(db)
    an_official_sees_where_demand_has_no_supply(db, client)
    the_supply_grew_over_months_before_its_bookings(db)
    notices_and_events_are_there_to_read_and_join(db, client)
    the_demo_firm_learns_of_a_new_fermenter_without_searching(db)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "数据库不为空" in again.output


def a_fermentation_need_finds_one_vessel_of_three_platforms_grouped(db):
    """The demo shows the grouping of near-identical offerings: three platforms list a stainless
    stirred fermenter; a need for one sees one entry and "另有 2 家平台提供同类设备"."""
    from marketplace.matching import services as matching

    needs = db.session.scalars(select(Demand).where(Demand.title.contains("发酵"), Demand.is_open).limit(30))
    grouped = [m for demand in needs for m in matching.match_demand(demand, limit=10) if m.alike]
    assert any("发酵罐" in m.title and m.alike_platforms == 2 for m in grouped)


def an_official_sees_where_demand_has_no_supply(db, client):
    """After `flask bootstrap`'s matching of the open demands, the two needs the catalogue has nothing for
    are on the coverage dashboard and on the administrators' list of unmet demands."""
    from marketplace.coverage import services as coverage

    assert coverage.refresh() >= 150
    rows = coverage.coverage(coverage.Period(local_today() - timedelta(days=30), local_today()))
    assert coverage.totals(rows)["unmet_demands"] >= 2
    client.post("/account/login", data={"email": "admin@demo.cn", "password": demo.DEMO_PASSWORD})
    unmet = client.get("/admin/coverage/unmet").get_data(as_text=True)
    assert "航空发动机单晶叶片定向凝固中试" in unmet and "文物青铜器无损修复材料中试" in unmet
    dashboard = client.get("/admin/coverage").get_data(as_text=True)
    assert "需求缺少供给的地方" in dashboard
    client.post("/account/logout")


def the_supply_grew_over_months_before_its_bookings(db):
    """The coverage trends show offerings opening month by month (not all of them today), and none opened
    after its first booking."""
    from marketplace.bookings.models import Booking
    from marketplace.offerings.models import Offering

    months = {o.created_at.strftime("%Y-%m") for o in db.session.scalars(select(Offering))}
    assert len(months) >= 12
    late = db.session.scalar(
        select(func.count(Booking.id))
        .join(Offering, Offering.id == Booking.offering_id)
        .where(Booking.created_at < Offering.created_at)
    )
    assert late == 0


def notices_and_events_are_there_to_read_and_join(db, client):
    """Notices of each kind, events to come with one the demo firm joined, and one past event."""
    home = client.get("/").get_data(as_text=True)
    assert "申报工作的通知" in home and "开放日" in home
    client.post("/account/login", data={"email": "firm@demo.cn", "password": demo.DEMO_PASSWORD})
    assert "开放日" in client.get("/my/events").get_data(as_text=True)
    assert "中试安全管理与工艺放大培训" in client.get("/events?when=past").get_data(as_text=True)
    client.post("/account/logout")


def the_demo_firm_learns_of_a_new_fermenter_without_searching(db):
    """The demo firm saved a search for 发酵罐: a new fermenter of an operator reaches its notices."""
    from marketplace.notifications.models import Notification
    from marketplace.offerings import services as offerings
    from marketplace.subscriptions import services as subscriptions

    subscriptions.scan()  # the worker's first scan: what the demo holds is no news
    operator = db.session.scalar(select(User).where(User.email == "operator@demo.cn"))
    platform = db.session.scalar(
        select(Platform).where(Platform.org_id == operator.org_id, Platform.is_public)
    )
    offerings.create_offering(
        operator,
        platform,
        {
            "kind": "equipment",
            "title": "2000 L 不锈钢发酵罐",
            "description": "机械搅拌，在线 pH 与溶氧控制。",
            "domains": ["生物医药"],
        },
    )
    db.session.commit()
    subscriptions.scan()
    firm = db.session.scalar(select(User).where(User.email == "firm@demo.cn"))
    told = db.session.scalars(
        select(Notification.message).where(
            Notification.user_id == firm.id, Notification.category == "subscription"
        )
    ).all()
    assert any("保存的搜索“发酵罐”有新的中试资源：2000 L 不锈钢发酵罐" in m for m in told)


def the_catalogue_covers_every_domain_city_kind_and_role(db):
    platforms = db.session.scalars(select(Platform)).all()
    assert len(platforms) >= 40
    assert {d for p in platforms for d in p.domains} == set(vocab.DOMAINS)
    assert len({p.city for p in platforms}) >= 12
    offerings = db.session.scalars(select(Offering)).all()
    assert len(offerings) >= 400 and {o.kind for o in offerings} == set(vocab.OFFERING_KINDS)
    assert db.session.scalar(select(func.count(Demand.id))) >= 150
    assert {u.role for u in db.session.scalars(select(User))} == set(vocab.ROLES)


def the_demo_accounts_find_their_platform_and_their_needs(db):
    operator = db.session.scalar(select(User).where(User.email == "operator@demo.cn"))
    firm = db.session.scalar(select(User).where(User.email == "firm@demo.cn"))
    platform = db.session.scalar(
        select(Platform).where(Platform.org_id == operator.org_id, Platform.is_public)
    )
    offerings = db.session.scalars(select(Offering).where(Offering.platform_id == platform.id)).all()
    assert len(offerings) >= 7 and all(
        theme_of({"name": platform.name, "city": platform.city}).fits(o.title) for o in offerings
    )
    demand = db.session.scalar(select(Demand).where(Demand.org_id == firm.org_id))
    assert demand.is_open and not demand.is_anonymous
    assert db.session.scalars(select(Demand).where(Demand.is_anonymous)).first() is not None
    # A year of bookings in every state, replayed in the past, with ratings, replies and outcomes.
    statuses = Counter(db.session.scalars(select(Booking.status)))
    assert set(statuses) == set(BookingStatus) and sum(statuses.values()) >= 500
    mine = Counter(db.session.scalars(select(Booking.status).where(Booking.org_id == firm.org_id)))
    assert mine["confirmed"] and mine["requested"] + mine["accepted"] and mine["completed"]
    assert {b.status for b in db.session.scalars(select(Booking).where(Booking.platform_id == platform.id))}
    reviews = db.session.scalars(select(Review)).all()
    assert len(reviews) >= 100 and {r.rating for r in reviews} == {1, 2, 3, 4, 5}
    assert any(r.reply for r in reviews)
    assert set(db.session.scalars(select(Booking.outcome).where(Booking.outcome.is_not(None)))) == set(
        Outcome
    )
    history = db.session.scalars(select(AuditLog.at).where(AuditLog.object_type == "booking")).all()
    assert max(history) <= utcnow() and min(history) <= utcnow() - timedelta(days=300)

    # Inquiries in every state over the year, from many firms to many platforms: some about a demand
    # (some under a 保密承诺 the platform accepted, recorded with time and person), some on 面议 offerings.
    sent = db.session.scalars(select(Inquiry)).all()
    assert {i.status for i in sent} == set(InquiryStatus) and len(sent) >= 100
    assert len({i.org_id for i in sent}) >= 50 and len({i.platform_id for i in sent}) >= 30
    assert any(i.demand_id for i in sent) and any(i.demand_id is None for i in sent)
    assert any(i.nda_accepted_at and i.nda_accepted_by_id for i in sent)
    assert any(i.offering.is_negotiable for i in sent)
    assert min(i.created_at for i in sent) <= utcnow() - timedelta(days=300)
    assert max(i.created_at for i in sent) <= utcnow()
    # Proposals and quotes in every state; accepted ones became orders that ran their course.
    proposals = db.session.scalars(select(Proposal)).all()
    assert {p.status for p in proposals} == set(ProposalStatus)
    assert any(p.is_quote and p.is_accepted for p in proposals)
    assert all(p.decline_reason for p in proposals if p.status == ProposalStatus.DECLINED)
    orders = db.session.scalars(select(Booking).where(Booking.kind == "order")).all()
    assert {o.status for o in orders} >= {BookingStatus.IN_PROGRESS, BookingStatus.CONFIRMED}
    assert any(o.review for o in orders) and all(o.proposal_id and o.terms for o in orders)
    for order in orders:  # each step's record carries the replayed moment, not the day of seeding
        trail = {
            e.new_state: e.at
            for e in db.session.scalars(
                select(AuditLog).where(AuditLog.object_type == "booking", AuditLog.object_id == order.id)
            )
        }
        assert trail["accepted"] == order.created_at and trail.get("completed") == order.completed_at
    # The demo firm compares 3 or more proposals on two of its open demands, on one still all to answer.
    comparisons = [inquiries.comparison(firm, d) for d in inquiries.inquirable_demands(firm)]
    assert sum(len(rows) >= 3 for rows in comparisons) >= 2
    waiting = max(comparisons, key=lambda rows: sum(r["proposal"].is_submitted for r in rows))
    offers = [r["proposal"] for r in waiting if r["proposal"].is_submitted]
    assert len(offers) >= 3 and len({p.platform_id for p in offers}) == len(offers)
    assert (
        len({p.price_amount for p in offers}) == len(offers) and len({p.lead_time_days for p in offers}) > 1
    )
    # Threads of 2-6 messages alternating sides (a platform's single note on a waiting proposal aside).
    threads: dict[tuple, list[Message]] = {}
    for message in db.session.scalars(select(Message).order_by(Message.id)):
        threads.setdefault((message.thread_type, message.thread_id), []).append(message)
    assert {kind for kind, _id in threads} == {"booking", "inquiry", "proposal"} and len(threads) >= 200
    for thread in threads.values():
        assert len(thread) <= 6
        assert all(a.author_id != b.author_id for a, b in zip(thread, thread[1:], strict=False))
    assert sum(len(t) >= 2 for t in threads.values()) >= 0.95 * len(threads)
    # A few unread messages for each demo account, not a year's worth.
    for user in (firm, operator):
        mine = messaging.threads_page(user, 1, 1000).items
        assert 1 <= messaging.unread_count(user) <= 15 and len(mine) >= 5
    # The operator's workbench has work (one request past the response target), the firm's too.
    waiting_work = dashboards.platform_waiting(platform)
    assert {w.kind for w in waiting_work} == {"booking", "inquiry"} and any(
        w.is_overdue for w in waiting_work
    )
    assert any(w.obj.requires_nda for w in waiting_work if w.kind == "inquiry")
    assert dashboards.proposals_awaiting_firm(platform)
    for_firm = dashboards.firm_waiting(firm.org_id)
    assert for_firm.to_confirm and len(for_firm.proposals) >= 3
    # Every demo person has a phone, so accepted inquiries show both contact persons.
    assert db.session.scalar(select(User.id).where(User.phone.is_(None))) is None
    accepted = next(i for i in sent if i.org_id == firm.org_id and i.was_accepted)
    persons = inquiries.contact_persons(firm, accepted)
    assert persons["firm"].phone and persons["platform"].phone


def the_demo_holds_last_years_published_evaluation_and_typical_cases(db, client):
    """An official reads last year's locked results (every approved platform, computed from the demo's
    bookings with derivations, grades that spread, one public correction, trimmed expert means) and
    the typical cases selected within their quotas; this year's round takes nominations."""
    year = local_today().year - 1
    campaign = db.session.scalar(select(EvaluationCampaign).where(EvaluationCampaign.year == year))
    assert campaign.status == "locked" and campaign.published_at is not None
    approved = set(db.session.scalars(select(Platform.id).where(Platform.is_public)))
    assert {p.platform_id for p in campaign.participants} == approved and len(approved) >= 40
    assert all(p.status == "submitted" and p.attachments for p in campaign.participants)
    values = [v for p in campaign.participants for v in p.values]
    computed = [v for v in values if v.indicator.source == "computed"]
    assert all(v.derivation and v.derivation.get("formula") for v in computed)
    done = [v for v in computed if v.indicator.code == "completed_work"]
    assert sum(v.value for v in done) >= 500 and all(len(v.derivation["bookings"]) == v.value for v in done)
    grades = Counter(p.grade for p in campaign.participants)
    assert set(grades) == {"excellent", "good", "pass", "fail"}
    assert grades["excellent"] <= 5 and grades["fail"] <= 6 and grades["good"] + grades["pass"] >= 30
    assert len({round(p.total) for p in campaign.participants}) >= 20
    (correction,) = db.session.scalars(select(ScoreCorrection)).all()
    assert correction.reason and correction.old_value != correction.new_value and correction.by_id
    judged = [v for v in values if v.indicator.source == "expert"]
    assert any(len(v.derivation["points"]) >= 5 and v.derivation["dropped"] for v in judged)
    assert any(len(v.derivation["points"]) == 3 and not v.derivation["dropped"] for v in judged)
    assert db.session.scalar(select(func.count()).select_from(ConflictDeclaration)) >= 2
    history = {e.new_state: e.at for e in evaluation_services.CAMPAIGN_WORKFLOW.history(campaign)}
    assert history["self_report"] < history["expert_review"] < history["published"] < history["locked"]
    assert history["locked"] <= utcnow() and to_local(history["self_report"]).year == year + 1
    # The case round of that year, published before the evaluation was computed, counted in it.
    rnd = db.session.scalar(select(SelectionRound).where(SelectionRound.year == year))
    assert rnd.status == "published" and rnd.published_at < history["computed"]
    by_category = Counter(n.category for n in rnd.nominations if n.status == "selected")
    assert set(by_category) == set(vocab.CASE_CATEGORIES)
    assert all(by_category[c] <= rnd.quotas[c] for c in by_category)
    assert any(n.status == "not_selected" for n in rnd.nominations)
    assert len({n.platform_id for n in rnd.nominations}) >= 8
    for nomination in rnd.nominations:
        assert nomination.evidence and all(
            b.platform_id == nomination.platform_id for b in nomination.evidence
        )
        assert "{" not in nomination.problem and nomination.results
    assert any(len([r for r in n.reviews if r.submitted_at]) >= 5 for n in rnd.nominations)
    cases_counted = sum(v.value for v in computed if v.indicator.code == "selected_cases")
    assert cases_counted == sum(by_category.values())
    # This year's round takes nominations: the demo operator has a draft, the demo expert work waiting.
    current = db.session.scalar(select(SelectionRound).where(SelectionRound.year == year + 1))
    assert current.status == "nominating"
    operator = db.session.scalar(select(User).where(User.email == "operator@demo.cn"))
    assert any(n.status == "draft" for n in case_services.nominations_of(operator))
    expert = db.session.scalar(select(User).where(User.email == "expert@demo.cn"))
    assert case_services.pending_reviews(expert)
    # The pages answer with content.
    platform = correction.participant.platform
    page = client.get(f"/evaluation/{year}/").get_data(as_text=True)
    assert platform.name in page and correction.reason[:20] in page
    page = client.get(f"/evaluation/{year}/platforms/{platform.ref}").get_data(as_text=True)
    assert "研发经费投入" in page and "全省中位数" in page
    response = client.get(f"/evaluation/{year}/platforms/{platform.ref}/indicators/completed_work")
    assert response.status_code == 200 and "项预约" in response.get_data(as_text=True)
    showcase = client.get("/cases/").get_data(as_text=True)
    selected = next(n for n in rnd.nominations if n.status == "selected")
    assert selected.title in showcase
    page = client.get(f"/cases/{selected.id}").get_data(as_text=True)
    assert selected.results[:20] in page and selected.platform.name in page
