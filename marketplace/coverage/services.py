"""Supply against demand, by domain × city over a period, for administrators (the dashboard, its
downloads, the unmet demands) and everyone (`/statistics`, `GET /api/v1/stats/coverage`).

Each row counts, for one domain and one city:
- platforms: approved platforms of the domain in the city (registered before the period ends);
- offerings: public offerings of the domain on the city's platforms (published before the period ends);
- open_demands: demands of the domain from firms of the city that were open during the period
  (published before it ends, and still open or closed after it began);
- unmet_demands: those of them whose best match is no good one (`DemandFit.best_fit` under
  `COVERAGE_GOOD_FIT`): the catalogue has nothing that is about the need;
- bookings_completed: bookings and orders completed in the period, by the offering's domains (an
  order without an offering: its platform's) and the platform's city;
and, on the dashboard, conversions (outcomes recorded as 已量产 in the period) and the median days from
a demand's publication to its first proposal. An item of several domains counts in each of its rows,
so the totals (the sums of the rows) can exceed the number of distinct items."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from .. import signals, vocab
from ..accounts.models import Organization, Role, User
from ..bookings.models import DONE, Booking, Outcome
from ..core.errors import DomainError, Forbidden, load_permitted
from ..core.models import utcnow
from ..core.timeutil import local_today, local_zone, to_local
from ..core.urls import external_url
from ..demands.models import Demand, DemandStatus
from ..extensions import db
from ..inquiries.models import Proposal
from ..matching import services as matching
from ..offerings.models import Offering
from ..platforms import services as platforms
from ..platforms.models import Platform
from .models import DemandFit, GapAction

#: The fields of a row, in the order of the API and the downloads.
ROW_FIELDS = ("platforms", "offerings", "open_demands", "unmet_demands", "bookings_completed")
#: The dashboard's further columns (not in the API's rows).
EXTRA_FIELDS = ("conversions", "median_response_days")
LABELS = {
    "domain": "领域",
    "city": "城市",
    "platforms": "平台",
    "offerings": "开放资源",
    "open_demands": "征集中需求",
    "unmet_demands": "无良好匹配需求",
    "bookings_completed": "完成服务",
    "conversions": "转化量产",
    "median_response_days": "首次响应中位数（天）",
}
MAX_DAYS = 3 * 366  #: the longest period a page or the API reports on
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)  #: the dates a period may span
#: A demand's fit is that of the best of its first matches: a partial word in the title of its 15th match
#: says nothing about whether the catalogue serves it.
TOP_MATCHES = 3


@dataclass(frozen=True)
class Period:
    start: date
    end: date  #: inclusive

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=local_zone())

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=local_zone())

    def months(self) -> list[str]:
        months, day = [], self.start.replace(day=1)
        while day <= self.end:
            months.append(day.strftime("%Y-%m"))
            day = (day + timedelta(days=32)).replace(day=1)
        return months


def default_period() -> Period:
    """This year so far."""
    today = local_today()
    return Period(today.replace(month=1, day=1), today)


def period_of(start: date | None, end: date | None) -> Period:
    """The period asked for (either end missing: this year's), refused with the field at fault."""
    default = default_period()
    period = Period(start or (end.replace(month=1, day=1) if end else default.start), end or default.end)
    if period.start < EARLIEST or period.end > LATEST:
        raise DomainError(
            ("start" if period.start < EARLIEST else "end", "日期应在 2000-01-01 至 2099-12-31 之间。")
        )
    if period.end < period.start:
        raise DomainError(("end", "结束日期不能早于开始日期。"))
    if (period.end - period.start).days > MAX_DAYS:
        raise DomainError(("end", "统计区间不能超过三年。"))
    return period


def good_fit() -> float:
    return current_app.config["COVERAGE_GOOD_FIT"]


# --- how well each demand is covered -------------------------------------------------------------


def record_fit(demand, matches) -> DemandFit:
    """Keep a demand's best match among its first `TOP_MATCHES` (a subscriber of `signals.demand_matched`;
    the caller commits). A demand without a good match the first time it is matched counts as unmet
    since its publication."""
    best = max(matches[:TOP_MATCHES], key=lambda m: m.fit, default=None)
    fit = db.session.get(DemandFit, demand.id)
    now = utcnow()
    if fit is None:  # never matched before: as far as anyone knows, unmet since it was published
        fit = DemandFit(demand_id=demand.id, unmet_since=demand.published_at or now)
        db.session.add(fit)
    fit.best_fit = best.fit if best else 0.0
    fit.best_score = max((m.score for m in matches), default=0.0)
    fit.best_offering_id = best.obj_id if best else None
    fit.matched_at = now
    if fit.best_fit >= good_fit():
        fit.unmet_since = None
    elif fit.unmet_since is None:
        fit.unmet_since = now
    return fit


def _on_demand_matched(demand, *, matches, **_) -> None:
    record_fit(demand, matches)


def refresh(limit: int | None = None, *, everything: bool = False, batch: int = 200) -> int:
    """Match the open demands never matched, or last matched over `COVERAGE_REFRESH_DAYS` ago (all of
    them with `everything`), oldest first, committing every `batch`; returns how many."""
    stale = utcnow() - timedelta(days=current_app.config["COVERAGE_REFRESH_DAYS"])
    query = (
        select(Demand)
        .outerjoin(DemandFit, DemandFit.demand_id == Demand.id)
        .where(Demand.is_open)
        .order_by(DemandFit.matched_at.is_not(None), DemandFit.matched_at, Demand.id)
    )
    if not everything:
        query = query.where(or_(DemandFit.matched_at.is_(None), DemandFit.matched_at < stale))
    ids = list(db.session.scalars(query.with_only_columns(Demand.id).limit(limit)))
    done = 0
    for start in range(0, len(ids), batch):
        demands = list(db.session.scalars(select(Demand).where(Demand.id.in_(ids[start : start + batch]))))
        for demand, matches in matching.match_demands(demands):
            record_fit(demand, matches)
            done += 1
        db.session.commit()
    return done


# --- the figures ---------------------------------------------------------------------------------------


def coverage(period: Period) -> list[dict]:
    """The rows (domain × city, in the vocabulary's order) with any figure, each with `ROW_FIELDS` and
    `EXTRA_FIELDS`."""
    cells: dict[tuple[str, str], dict] = defaultdict(lambda: dict.fromkeys(ROW_FIELDS + EXTRA_FIELDS[:1], 0))
    for field, counts in (
        ("platforms", _platforms(period)),
        ("offerings", _offerings(period)),
        ("bookings_completed", _bookings(period, Booking.status.in_(DONE), Booking.completed_at)),
        ("conversions", _bookings(period, Booking.outcome == Outcome.PRODUCTION, Booking.outcome_at)),
    ):
        for key, count in counts.items():
            cells[key][field] += count
    for (domain, city), opened, unmet in _demands(period):
        cells[(domain, city)]["open_demands"] += opened
        cells[(domain, city)]["unmet_demands"] += unmet
    responses = _response_hours(period)
    order = {d: i for i, d in enumerate(vocab.DOMAINS)}, {c: i for i, c in enumerate(vocab.ALL_CITIES)}
    rows = []
    for (domain, city), figures in sorted(
        cells.items(), key=lambda kv: (order[0].get(kv[0][0], 99), order[1].get(kv[0][1], 99), kv[0])
    ):
        hours = responses.get((domain, city))
        rows.append(
            {
                "domain": domain,
                "city": city,
                **figures,
                "median_response_days": round(statistics.median(hours) / 24, 1) if hours else None,
            }
        )
    return rows


def totals(rows: list[dict], fields=ROW_FIELDS) -> dict:
    return {field: sum(row[field] or 0 for row in rows) for field in fields}


def _platforms(period: Period) -> Counter:
    label = Platform.domains.row
    query = (
        select(label.value, Platform.city, func.count(Platform.id))
        .join(Platform, Platform.id == label.owner_id)
        .where(Platform.is_public, Platform.created_at < period.until)
        .group_by(label.value, Platform.city)
    )
    return Counter({(domain, city): n for domain, city, n in db.session.execute(query)})


def _offerings(period: Period) -> Counter:
    label = Offering.domains.row
    query = (
        select(label.value, Platform.city, func.count(Offering.id))
        .join(Offering, Offering.id == label.owner_id)
        .join(Platform, Platform.id == Offering.platform_id)
        .where(Offering.is_public, Offering.created_at < period.until)
        .group_by(label.value, Platform.city)
    )
    return Counter({(domain, city): n for domain, city, n in db.session.execute(query)})


def _bookings(period: Period, condition, moment) -> Counter:
    """Bookings meeting `condition` whose `moment` falls in the period, by the offering's domains (an
    order without an offering: its platform's) and the platform's city."""
    within = and_(condition, moment >= period.since, moment < period.until)
    by_offering, by_platform = Offering.domains.row, Platform.domains.row
    counts: Counter = Counter()
    for query in (
        select(by_offering.value, Platform.city, func.count(Booking.id))
        .join(by_offering, by_offering.owner_id == Booking.offering_id)
        .join(Platform, Platform.id == Booking.platform_id)
        .where(within)
        .group_by(by_offering.value, Platform.city),
        select(by_platform.value, Platform.city, func.count(Booking.id))
        .join(Platform, Platform.id == Booking.platform_id)
        .join(by_platform, by_platform.owner_id == Platform.id)
        .where(within, Booking.offering_id.is_(None))
        .group_by(by_platform.value, Platform.city),
    ):
        counts.update({(domain, city): n for domain, city, n in db.session.execute(query)})
    return counts


def _open_during(period: Period):
    return and_(
        Demand.status != DemandStatus.DRAFT,
        Demand.published_at < period.until,
        or_(Demand.status == DemandStatus.OPEN, Demand.status_changed_at >= period.since),
    )


def _out_of_scope(demand_id):
    """The demand (a column) stands judged outside 中试 services: an out-of-scope action that no later
    `reconsider` took back."""
    judged, taken_back = aliased(GapAction), aliased(GapAction)
    later = select(taken_back.id).where(
        taken_back.demand_id == judged.demand_id, taken_back.action == "reconsider", taken_back.id > judged.id
    )
    return (
        select(judged.id)
        .where(judged.demand_id == demand_id, judged.action == "out_of_scope", ~later.exists())
        .exists()
    )


def _unmet_condition():
    """No good match, and not judged outside 中试 services by an administrator (no supply gap then)."""
    return and_(
        DemandFit.demand_id.is_not(None), DemandFit.best_fit < good_fit(), ~_out_of_scope(DemandFit.demand_id)
    )


def _demands(period: Period):
    label = Demand.domains.row
    query = (
        select(
            label.value,
            Organization.city,
            func.count(Demand.id),
            func.count(case((_unmet_condition(), Demand.id))),
        )
        .join(Demand, Demand.id == label.owner_id)
        .join(Organization, Organization.id == Demand.org_id)
        .outerjoin(DemandFit, DemandFit.demand_id == Demand.id)
        .where(_open_during(period))
        .group_by(label.value, Organization.city)
    )
    return [((domain, city), opened, unmet) for domain, city, opened, unmet in db.session.execute(query)]


def _response_hours(period: Period) -> dict[tuple[str, str], list[float]]:
    """Hours from publication to the first proposal, of the demands published in the period that had one."""
    label = Demand.domains.row
    first = (
        select(Proposal.demand_id, func.min(Proposal.created_at).label("first"))
        .where(Proposal.demand_id.is_not(None))
        .group_by(Proposal.demand_id)
        .subquery()
    )
    query = (
        select(label.value, Organization.city, Demand.published_at, first.c.first)
        .join(Demand, Demand.id == label.owner_id)
        .join(Organization, Organization.id == Demand.org_id)
        .join(first, first.c.demand_id == Demand.id)
        .where(Demand.published_at >= period.since, Demand.published_at < period.until)
    )
    hours: dict[tuple[str, str], list[float]] = defaultdict(list)
    for domain, city, published, answered in db.session.execute(query):
        hours[(domain, city)].append(max((answered - published).total_seconds(), 0) / 3600)
    return hours


def trends(period: Period) -> dict:
    """By month of the period: demands published, those of them without a good match, offerings
    published and bookings completed."""
    months = period.months()
    series = {name: dict.fromkeys(months, 0) for name in ("demands", "unmet", "offerings", "bookings")}

    def bucket(name: str, moments) -> None:
        for moment in moments:
            month = to_local(moment).strftime("%Y-%m")
            if month in series[name]:
                series[name][month] += 1

    published = and_(
        Demand.status != DemandStatus.DRAFT,
        Demand.published_at >= period.since,
        Demand.published_at < period.until,
    )
    bucket("demands", db.session.scalars(select(Demand.published_at).where(published)))
    bucket(
        "unmet",
        db.session.scalars(
            select(Demand.published_at)
            .join(DemandFit, DemandFit.demand_id == Demand.id)
            .where(published, _unmet_condition())
        ),
    )
    bucket(
        "offerings",
        db.session.scalars(
            select(Offering.created_at).where(
                Offering.is_public, Offering.created_at >= period.since, Offering.created_at < period.until
            )
        ),
    )
    bucket(
        "bookings",
        db.session.scalars(
            select(Booking.completed_at).where(
                Booking.status.in_(DONE),
                Booking.completed_at >= period.since,
                Booking.completed_at < period.until,
            )
        ),
    )
    return {"months": months, **{name: list(values.values()) for name, values in series.items()}}


def heat_map(rows: list[dict]) -> dict:
    """The domain × city grid of the dashboard's heat map: open demands and unmet demands per cell, with
    the offerings beside them (every domain and city of the vocabulary, empty cells included)."""
    by_cell = {(r["domain"], r["city"]): r for r in rows}
    cells = [
        {
            "domain": domain,
            "city": city,
            "open_demands": by_cell.get((domain, city), {}).get("open_demands", 0),
            "unmet_demands": by_cell.get((domain, city), {}).get("unmet_demands", 0),
            "offerings": by_cell.get((domain, city), {}).get("offerings", 0),
        }
        for domain in vocab.DOMAINS
        for city in vocab.ALL_CITIES
    ]
    return {"domains": list(vocab.DOMAINS), "cities": list(vocab.ALL_CITIES), "cells": cells}


def gaps(rows: list[dict], limit: int = 10) -> list[dict]:
    """The cells where demand meets the least supply: unmet demands first, then open demands with no
    offering at all."""
    wanting = [r for r in rows if r["unmet_demands"] or (r["open_demands"] and not r["offerings"])]
    return sorted(wanting, key=lambda r: (-r["unmet_demands"], r["offerings"], -r["open_demands"]))[:limit]


def unmet_days() -> int:
    return current_app.config["COVERAGE_UNMET_DAYS"]


#: The tabs of the unmet list: to do, forwarded or recruited for, judged outside 中试 services.
UNMET_STATES = ("todo", "handled", "out_of_scope")


def unmet_demands(state: str = "todo"):
    """Open demands without a good match for `COVERAGE_UNMET_DAYS` days or more, longest waiting first
    (a statement the page paginates; `fits_of` and `actions_of` give their best matches and what was
    done): those nobody has forwarded or recruited for yet (`todo`), those they have (`handled`); a
    demand judged outside 中试 services leaves both, for the `out_of_scope` list, where the judgement
    can be taken back."""
    if state == "out_of_scope":
        return (
            select(Demand)
            .where(Demand.is_open, _out_of_scope(Demand.id))
            .order_by(Demand.published_at, Demand.id)
        )
    since = utcnow() - timedelta(days=unmet_days())
    helped = (
        select(GapAction.id)
        .where(GapAction.demand_id == Demand.id, GapAction.action.in_(("forward", "recruit")))
        .exists()
    )
    return (
        select(Demand)
        .join(DemandFit, DemandFit.demand_id == Demand.id)
        .where(Demand.is_open, _unmet_condition(), DemandFit.unmet_since <= since)
        .where(helped if state == "handled" else ~helped)
        .order_by(DemandFit.unmet_since, Demand.id)
    )


def actions_of(demands) -> dict[int, list[GapAction]]:
    found: dict[int, list[GapAction]] = defaultdict(list)
    query = select(GapAction).where(GapAction.demand_id.in_([d.id for d in demands])).order_by(GapAction.id)
    for action in db.session.scalars(query):
        found[action.demand_id].append(action)
    return found


def gap_platforms(demand, limit: int = 30) -> list[Platform]:
    """Public platforms of the demand's domains, the higher levels first: whom it may be forwarded to."""
    if not demand.domains:
        return []
    query = (
        select(Platform)
        .where(Platform.is_public, or_(*(Platform.domains.has(d) for d in demand.domains)))
        .order_by(Platform.level, Platform.name)
        .limit(limit)
    )
    return list(db.session.scalars(query))


NOTE_MAX = 500
FORWARD_MAX = 10
#: What the firm reads about each action (the platforms' names or the administrator's note follow).
FIRM_MESSAGES = {
    "forward": "管理员已将您的需求“{title}”推荐给：{platforms}。{note}",
    "recruit": "您的需求“{title}”暂时没有合适的中试平台，管理员正在为它招募平台：{note}",
    "out_of_scope": "经评估，您的需求“{title}”不属于中试服务范围：{note}",
}


def _firm_users(demand: Demand) -> list[User]:
    """The firm's enabled users: whom the administrators' actions on its demand are told."""
    return list(
        db.session.scalars(
            select(User).where(
                User.org_id == demand.org_id, User.role == Role.FIRM, User.is_enabled.is_(True)
            )
        )
    )


def load_open_demand(demand_id: int) -> Demand:
    """An open demand (LookupError otherwise: a closed one is nobody's gap any more)."""
    return load_permitted(Demand, demand_id, lambda d: d.is_open)


def act_on_gap(user, demand_id: int, action: str, note: str, platform_ids: list[int]) -> GapAction:
    """An administrator forwards an unmet demand to chosen platforms (their operators are told), recruits
    a platform for it, or judges it outside 中试 services; the firm is told either way, and the action
    is recorded."""
    if not user.is_admin:
        raise Forbidden()
    demand = load_open_demand(demand_id)
    note = (note or "").strip()
    if action not in vocab.GAP_ACTIONS:
        raise DomainError(("action", "请选择处理方式。"))
    if len(note) > NOTE_MAX:
        raise DomainError(("note", f"说明不能超过 {NOTE_MAX} 个字符。"))
    chosen: list[Platform] = []
    if action == "forward":
        ids = list(dict.fromkeys(platform_ids))
        if not ids:
            raise DomainError(("platforms", "请至少选择一个平台。"))
        if len(ids) > FORWARD_MAX:
            raise DomainError(("platforms", f"一次最多推荐给 {FORWARD_MAX} 个平台。"))
        chosen = list(db.session.scalars(select(Platform).where(Platform.id.in_(ids), Platform.is_public)))
        if len(chosen) != len(ids):
            raise DomainError(("platforms", "所选平台不存在或未公开。"))
    elif not note:
        raise DomainError(("note", "请填写说明：企业会看到这段话。"))
    record = GapAction(
        demand_id=demand.id, action=action, note=note, platform_ids=[p.id for p in chosen], by_id=user.id
    )
    db.session.add(record)
    link = external_url("demands.detail", demand_id=demand.id)
    for platform in chosen:
        signals.notice.send(
            "coverage",
            users=platforms.operators_of(platform),
            message=f"管理员向贵平台推荐了一项尚无合适供给的中试需求：{demand.title}。{note}".rstrip("。")
            + "。",
            link=link,
            category="review",
        )
    message = (
        FIRM_MESSAGES[action]
        .format(title=demand.title, platforms="、".join(p.name for p in chosen), note=note)
        .strip()
    )
    signals.notice.send("coverage", users=_firm_users(demand), message=message, link=link, category="review")
    return record


def reconsider(user, demand_id: int, note: str) -> GapAction:
    """Take back an out-of-scope judgement: the demand counts again and returns to the unmet list if it
    still has no good match; the firm is told."""
    if not user.is_admin:
        raise Forbidden()
    demand = load_open_demand(demand_id)
    if not db.session.scalar(select(_out_of_scope(demand.id))):
        raise DomainError(("action", "该需求未被判定为不属于中试服务范围。"))
    note = (note or "").strip()
    if not note:
        raise DomainError(("note", "请填写说明：企业会看到这段话。"))
    if len(note) > NOTE_MAX:
        raise DomainError(("note", f"说明不能超过 {NOTE_MAX} 个字符。"))
    record = GapAction(demand_id=demand.id, action="reconsider", note=note, platform_ids=[], by_id=user.id)
    db.session.add(record)
    signals.notice.send(
        "coverage",
        users=_firm_users(demand),
        message=f"管理员重新评估了您的需求“{demand.title}”，将继续为它寻找中试平台。{note}".strip(),
        link=external_url("demands.detail", demand_id=demand.id),
        category="review",
    )
    return record


def fits_of(demands) -> dict[int, DemandFit]:
    ids = [d.id for d in demands]
    return {f.demand_id: f for f in db.session.scalars(select(DemandFit).where(DemandFit.demand_id.in_(ids)))}


def subscribe() -> None:
    signals.demand_matched.connect(_on_demand_matched)
