"""A year of marketplace activity at province scale, for the scale bench (`bench/bench_scale.py`).

`populate(app, year=…)` runs on a database that already holds an imported corpus (platforms,
offerings, demands and their organisations) and adds what the booking, workbench and evaluation
pages read, quickly enough for 50,000 offerings and 100,000 bookings:

- people: an administrator, experts, one operator per platform organisation and three firm users per
  organisation that owns no platform, all with the password `PASSWORD` (hashed once);
- booking settings of every bookable offering (capacity, opening hours, notice, instant booking);
- a year of bookings (`per_offering` × offerings, by default two) over `year`, plus a few weeks of
  current ones around today, in every state, each with the audit rows its workflow would have written,
  never overlapping on an offering; reviews (some answered) and outcomes on part of the done ones;
  message threads on a quarter of them (read by both sides except recent ones);
- inquiries and proposals (方案与报价) in their states, with audit rows and messages;
- the published evaluation of `year` over every approved platform, through the real services
  (`evaluation.services`: create, open, self-reports with evidence, experts' scores, compute,
  publish), replayed with the clock in the following January to March like the demo's.

Bookings, inquiries, proposals, messages and people are written with bulk Core inserts (the services
would take an hour at this size), with the states, timestamps and audit trail the workflows produce;
the evaluation goes through the services, since its computation is what the bench measures. The
demo (`marketplace/demo/`) does the same at small scale through the services; its texts, activity
profiles and evaluation helpers are reused here."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import random
import secrets
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, insert, select, update

from marketplace import signals
from marketplace.accounts import services as account_services
from marketplace.accounts.models import Organization, Role, User
from marketplace.attachments.services import add_attachment
from marketplace.bookings.availability import price_for
from marketplace.bookings.models import BOOKING_WORKFLOW, Booking, BookingKind, Review
from marketplace.bookings.models import BookingStatus as B
from marketplace.core.models import AuditLog
from marketplace.core.timeutil import local_today, local_zone, utcnow
from marketplace.demands.models import Demand
from marketplace.demo import evaluation as demo_evaluation
from marketplace.demo.activity import (
    COMMENTS,
    GIVEN,
    NOTES,
    OUTCOME_NOTES,
    PAST_ENDINGS,
    REPLIES,
    REPORTS,
    SURNAMES,
    _profile,
    _window,
    vigour,
)
from marketplace.demo.timeline import Timeline, step
from marketplace.evaluation import assignments, results, self_report
from marketplace.evaluation import services as evaluation
from marketplace.evaluation.models import CampaignParticipant, EvaluationAssignment
from marketplace.extensions import db
from marketplace.inquiries.models import INQUIRY_WORKFLOW, PROPOSAL_WORKFLOW, Inquiry, Proposal
from marketplace.inquiries.models import InquiryStatus as I  # noqa: E741
from marketplace.inquiries.models import ProposalStatus as P
from marketplace.messaging import unread
from marketplace.messaging.models import Message, ThreadRead
from marketplace.offerings.models import Offering, default_opening_hours
from marketplace.platforms.models import Platform

PASSWORD = "bench-scale-2026"
ADMIN_EMAIL = "admin@bench.cn"
FIRM_USERS_PER_ORG = 3
EXPERTS = 12
#: Share of the bookings that are current (a few weeks around today) rather than in `year`.
CURRENT_SHARE = 0.06
MESSAGE_SHARE = 0.25  #: of the bookings with a message thread
THREAD_LINES = {
    "firm": [
        "请问进场前需要准备哪些材料？",
        "样品已寄出，快递单号稍后发您。",
        "能否提前半天进场调试？",
        "报告请同时提供电子版和原始数据。",
        "我方两位工程师到场，请协助办理门禁。",
    ],
    "platform": [
        "已收到，进场前一天会电话确认。",
        "请提前提供物料安全技术说明书（MSDS）。",
        "设备已预留，操作人员已安排。",
        "原始数据和报告会在完成后三个工作日内上传。",
        "收到样品，已登记入库。",
    ],
}
INQUIRY_BODIES = [
    "我司计划开展中试放大，想了解设备的可预约时间、收费方式和是否提供操作人员。",
    "请问能否按我方工艺条件做一批次验证？大约需要多长周期，费用如何计算？",
    "需要出具带资质标识的检测报告，请问周期和样品要求。",
]
#: How an inquiry ends (weights): open ones are recent.
INQUIRY_ENDINGS = [("open", 15), ("accepted", 30), ("declined", 10), ("withdrawn", 5), ("closed", 40)]
#: Accepted proposals would be orders: the bookings already cover done work.
PROPOSAL_ENDINGS = [("submitted", 45), ("declined", 35), ("withdrawn", 8), ("expired", 12)]
SCOPES = [
    "按企业提供的工艺路线完成三批次中试放大，记录关键工艺参数并出具中试报告。",
    "工艺复核、设备选型与中试运行，提供物料衡算和放大风险评估。",
]
DELIVERABLES = ["中试报告、批记录、检测报告", "工艺包草案与关键参数表"]


def populate(app, *, year: int, seed: int = 7, per_offering: float = 2.0) -> dict:
    """Add the activity (see the module's docstring) and return what the bench needs to reach the
    pages: sample ids, refs and accounts, the campaign year, counts and how long each part took."""
    rng = random.Random(seed)
    with app.app_context(), signals.notice.muted():
        timings: dict[str, float] = {}
        clock = time.perf_counter()
        people = _people(rng)
        db.session.commit()
        timings["people"] = time.perf_counter() - clock

        clock = time.perf_counter()
        offerings = _configure_offerings(rng)
        levels = vigour(sorted(people["platform_refs"].values()), seed)
        counts = _bookings(rng, people, offerings, levels, year, per_offering)
        db.session.commit()
        timings["bookings"] = time.perf_counter() - clock

        clock = time.perf_counter()
        counts.update(_inquiries_and_proposals(rng, people))
        db.session.commit()
        timings["inquiries"] = time.perf_counter() - clock

        clock = time.perf_counter()
        evaluated, compute_seconds = _campaign(rng, people, levels, year)
        db.session.commit()
        timings["campaign"] = time.perf_counter() - clock
        timings["campaign_compute"] = compute_seconds
        counts["evaluated"] = evaluated

        clock = time.perf_counter()
        unread.recount_all(db.session)  # the messages went in by bulk statements: store the badges' counts
        db.session.commit()
        timings["unread_counts"] = time.perf_counter() - clock
        return _samples(people, year, counts, timings)


# ---------------------------------------------------------------- people


def _people(rng: random.Random) -> dict:
    """The administrator and experts (through the accounts service), operators and firm users (bulk,
    sharing one password hash)."""
    government = Organization(
        ref="bench-gov", name="山东省某工业主管部门（基准）", kind="government", city="济南"
    )
    expert_org = Organization(
        ref="bench-experts", name="济南某高校中试研究中心（基准）", kind="university", city="济南"
    )
    db.session.add_all([government, expert_org])
    admin = account_services.create_user(
        email=ADMIN_EMAIL, password=PASSWORD, name="管理员", role=Role.ADMIN, organization=government
    )
    password_hash = admin.password_hash
    experts = []
    for number in range(EXPERTS):
        expert = User(
            email=f"expert-{number:02d}@bench.cn",
            name=_name(rng),
            role=Role.EXPERT,
            organization=expert_org,
            password_hash=password_hash,
            phone=f"0531-8{rng.randint(1000000, 9999999)}",
        )
        db.session.add(expert)
        experts.append(expert)
    db.session.flush()

    platforms = db.session.execute(
        select(Platform.id, Platform.ref, Platform.org_id, Platform.city).where(Platform.is_public)
    ).all()
    platform_orgs = set(db.session.scalars(select(Platform.org_id).distinct()))
    orgs = db.session.execute(select(Organization.id, Organization.city).order_by(Organization.id)).all()
    firm_orgs = [o for o in orgs if o.id not in platform_orgs and o.id not in (government.id, expert_org.id)]
    operator_orgs = sorted({p.org_id for p in platforms})
    operator_ids = _insert_users(
        [
            _user_row(
                f"op-{org_id}@bench.cn", f"{rng.choice(SURNAMES)}工", Role.OPERATOR, org_id, password_hash
            )
            for org_id in operator_orgs
        ]
    )
    firm_rows, firm_org_of = [], []
    for org in firm_orgs:
        for number in range(FIRM_USERS_PER_ORG):
            firm_rows.append(
                _user_row(f"firm-{org.id}-{number}@bench.cn", _name(rng), Role.FIRM, org.id, password_hash)
            )
            firm_org_of.append(org.id)
    firm_ids = _insert_users(firm_rows)
    operator_of_org = dict(zip(operator_orgs, operator_ids, strict=True))
    firms_of_org: dict[int, list[int]] = defaultdict(list)
    for user_id, org_id in zip(firm_ids, firm_org_of, strict=True):
        firms_of_org[org_id].append(user_id)
    return {
        "admin": admin,
        "experts": experts,
        "operator_of_platform": {p.id: operator_of_org[p.org_id] for p in platforms},
        "platform_org": {p.id: p.org_id for p in platforms},
        "platform_refs": {p.id: p.ref for p in platforms},
        "firms": [(user_id, org_id) for org_id, ids in firms_of_org.items() for user_id in ids],
        "firms_of_org": dict(firms_of_org),
    }


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def _user_row(email: str, name: str, role: Role, org_id: int, password_hash: str) -> dict:
    return {
        "email": email,
        "name": name,
        "phone": None,
        "password_hash": password_hash,
        "role": role,
        "org_id": org_id,
        "is_enabled": True,
        "session_token": secrets.token_hex(16),
        "created_at": utcnow(),
    }


def _insert_users(rows: list[dict]) -> list[int]:
    return _insert(User, rows)


def _insert(model, rows: list[dict], batch: int = 1000) -> list[int]:
    """Bulk insert in batches; the new ids in the rows' order. (One statement over all the rows would
    splice the batches' RETURNING results again and again: quadratic at 100,000 rows.)"""
    ids: list[int] = []
    table = model.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for first in range(0, len(rows), batch):
        ids.extend(db.session.execute(statement, rows[first : first + batch]).scalars())
    return ids


# ---------------------------------------------------------------- booking settings


def _configure_offerings(rng: random.Random) -> list[SimpleNamespace]:
    """Booking settings of every public bookable offering, as operators would set them (the
    offering's `updated_at` is kept: nothing the search index holds changes)."""
    rows = db.session.execute(
        select(
            Offering.id,
            Offering.platform_id,
            Offering.kind,
            Offering.title,
            Offering.price_amount,
            Offering.price_unit,
            Offering.quantity,
            Offering.updated_at,
        )
        .join(Platform, Platform.id == Offering.platform_id)
        .where(Offering.is_bookable, Offering.is_public, Platform.is_public)
        .order_by(Offering.id)
    ).all()
    offerings, changes = [], []
    for row in rows:
        hourly = row.price_unit == "hour"
        settings = {
            "booking_capacity": max(row.quantity or 1, 1),
            "auto_confirm": rng.random() < 0.33,
            "min_notice_hours": rng.choice([24, 24, 48, 72]),
            "max_advance_days": 180,
            "min_hours": 2.0 if hourly else None,
            "max_hours": 8.0 if hourly else None,
            "opening_hours": default_opening_hours(row.kind, row.price_unit),
        }
        changes.append({"id": row.id, "updated_at": row.updated_at, **settings})
        offerings.append(
            SimpleNamespace(**row._asdict(), **settings, effective_opening_hours=settings["opening_hours"])
        )
    if changes:
        db.session.execute(update(Offering), changes)
    return offerings


# ---------------------------------------------------------------- bookings


def _bookings(rng, people, offerings, levels, year: int, per_offering: float) -> dict[str, int]:
    """Lay the bookings out per offering (never overlapping), give each its ending, and write them
    with their audit rows, reviews, outcomes and message threads."""
    total_offerings = db.session.scalar(select(func.count(Offering.id)))
    wanted = round(per_offering * total_offerings)
    if not offerings or not people["firms"] or wanted == 0:
        return {"bookings": 0}
    zone = local_zone()
    now = utcnow()
    today = local_today()
    span_start = date(year, 1, 1)
    span_end = min(date(year + 1, 1, 1), today - timedelta(days=2))
    span_days = max((span_end - span_start).days, 1)
    weights = [
        levels.get(people["platform_refs"][o.platform_id], 1.0) * rng.lognormvariate(0, 0.8)
        for o in offerings
    ]
    days: dict[int, list[date]] = defaultdict(list)
    for index in rng.choices(range(len(offerings)), weights=weights, k=wanted):
        if rng.random() < CURRENT_SHARE:
            day = today + timedelta(days=rng.randint(-12, 45))
        else:
            day = span_start + timedelta(days=rng.randrange(span_days))
        days[index].append(day)

    planned = []  # (offering, start, end)
    for index, chosen in days.items():
        offering = offerings[index]
        last_end = None
        for day in sorted(chosen):
            start, end = _window(rng, offering, day)
            if last_end is not None and start < last_end:
                start, end = _window(rng, offering, last_end.astimezone(zone).date() + timedelta(days=1))
            if end > datetime.combine(today + timedelta(days=120), datetime.min.time(), tzinfo=zone):
                break
            planned.append((offering, start, end))
            last_end = end

    rows, histories, extras = [], [], []
    for offering, start, end in planned:
        firm_id, org_id = rng.choice(people["firms"])
        operator_id = people["operator_of_platform"][offering.platform_id]
        level = levels.get(people["platform_refs"][offering.platform_id], 1.0)
        row, events, extra = _play(rng, offering, firm_id, org_id, operator_id, level, start, end, now)
        rows.append(row)
        histories.append(events)
        extras.append(extra)
    ids = _insert(Booking, rows)
    audit = []
    for booking_id, events in zip(ids, histories, strict=True):
        audit.extend(_audit_row(BOOKING_WORKFLOW.object_type, booking_id, *event) for event in events)
    _insert_plain(AuditLog, audit)
    reviews = [
        {**extra["review"], "booking_id": booking_id}
        for booking_id, extra in zip(ids, extras, strict=True)
        if extra.get("review")
    ]
    _insert_plain(Review, reviews)
    threads = [
        (
            "booking",
            booking_id,
            row["requested_by_id"],
            people["operator_of_platform"][row["platform_id"]],
            row["created_at"],
            min(row["status_changed_at"] + timedelta(days=2), now),
        )
        for booking_id, row in zip(ids, rows, strict=True)
        if rng.random() < MESSAGE_SHARE
    ]
    messages = _threads(rng, threads, now)
    states = Counter(str(row["status"]) for row in rows)
    return {
        "bookings": len(rows),
        "reviews": len(reviews),
        "booking_audit_rows": len(audit),
        "messages": messages,
        **{f"bookings_{state}": n for state, n in sorted(states.items())},
    }


def _ending(rng: random.Random, start: datetime, end: datetime, now: datetime) -> str:
    """How a booking with this window stands today."""
    if end <= now - timedelta(days=9):
        return rng.choices(*zip(*PAST_ENDINGS, strict=True))[0]
    if end <= now:
        return rng.choices(["completed", "confirmed", "no_show", "cancelled"], weights=[55, 35, 5, 5])[0]
    if start <= now:
        return "in_progress"
    return rng.choices(["requested", "accepted", "cancelled", "declined"], weights=[35, 45, 10, 10])[0]


def _play(rng, offering, firm_id, org_id, operator_id, level, start, end, now):
    """The booking's row, its audit events (at, actor, old, new, reason) and its review, as the
    services would have written them when played to its ending."""
    answer_hours, ratings = _profile(level)
    ending = _ending(rng, start, end, now)
    if offering.auto_confirm and ending in ("requested", "declined", "expired"):
        ending = "accepted" if start > now else "confirmed"  # 即时预约: accepted on request
    created = min(
        start - timedelta(days=rng.randint(3, 25), hours=rng.randint(0, 8)), now - timedelta(hours=3)
    )
    if ending == "requested":
        created = now - timedelta(hours=rng.randint(2, 60))
    amount, basis = price_for(offering, start, end, 1)
    row = {
        "ref": f"bk-{secrets.token_hex(6)}",
        "kind": BookingKind.BOOKING,
        "offering_id": offering.id,
        "platform_id": offering.platform_id,
        "org_id": org_id,
        "requested_by_id": firm_id,
        "demand_id": None,
        "proposal_id": None,
        "title": offering.title,
        "start_at": start,
        "end_at": end,
        "quantity": 1,
        "note": rng.choice(NOTES),
        "price_amount": amount,
        "price_unit": offering.price_unit,
        "price_basis": basis,
        "terms": "",
        "created_at": created,
        "responded_at": None,
        "completion_report": "",
        "completed_at": None,
        "confirmed_at": None,
        "outcome": None,
        "outcome_note": "",
        "outcome_at": None,
    }
    events = [(created, firm_id, None, B.REQUESTED, None)]
    extra: dict = {}

    def move(at, actor, new, reason=None):
        events.append((at, actor, events[-1][3], new, reason))

    answered = created + timedelta(hours=rng.choice(answer_hours))
    if offering.auto_confirm:
        answered = created
    if ending == "expired":
        move(min(created + timedelta(days=3), start), None, B.EXPIRED, "平台未在规定时间内受理")
    elif ending == "declined":
        move(answered, operator_id, B.DECLINED, "该时段设备已安排内部检修。")
        row["responded_at"] = answered
    elif ending != "requested":
        if offering.auto_confirm:
            move(created, None, B.ACCEPTED, "即时预约，自动确认")
        else:
            move(answered, operator_id, B.ACCEPTED)
        row["responded_at"] = answered
        _carry_out(rng, row, events, move, ending, operator_id, firm_id, ratings, extra, now)
    row["status"] = events[-1][3]
    row["status_changed_at"] = events[-1][0]
    return row, events, extra


def _carry_out(rng, row, events, move, ending, operator_id, firm_id, ratings, extra, now) -> None:
    """From accepted to the ending: cancelled, no-show, started, completed, confirmed (by the firm or
    automatically), then a review and an outcome on part of the confirmed work."""
    start, end = row["start_at"], row["end_at"]
    if ending == "cancelled":
        move(
            min(events[-1][0] + timedelta(hours=6), start - timedelta(hours=1)),
            firm_id,
            B.CANCELLED,
            "项目计划调整。",
        )
        return
    if ending == "no_show":
        move(start + timedelta(hours=2), operator_id, B.NO_SHOW)
        return
    if ending == "accepted":
        return
    move(start, operator_id, B.IN_PROGRESS)
    if ending == "in_progress":
        return
    finished = min(end + timedelta(hours=rng.randint(1, 30)), now - timedelta(hours=1))
    report = rng.choice(REPORTS)
    move(finished, operator_id, B.COMPLETED, report)
    row["completed_at"], row["completion_report"] = finished, report
    if ending == "completed":
        return
    if ending == "auto_confirmed" or rng.random() < 0.1:
        confirmed = finished + timedelta(days=8)
        actor, reason = None, "企业逾期未确认，系统自动验收"
    else:
        confirmed = finished + timedelta(days=rng.randint(0, 3), hours=3)
        actor, reason = firm_id, None
    if confirmed > now:
        return  # still waiting for the firm's confirmation
    move(confirmed, actor, B.CONFIRMED, reason)
    row["confirmed_at"] = confirmed
    if rng.random() < 0.75:
        rating = rng.choices([5, 4, 3, 2, 1], weights=ratings)[0]
        rated = min(confirmed + timedelta(hours=rng.randint(1, 48)), now)
        replied = rated + timedelta(days=1)
        answer = rng.random() < 0.4 and replied < now
        extra["review"] = {
            "offering_id": row["offering_id"],
            "platform_id": row["platform_id"],
            "author_id": firm_id,
            "rating": rating,
            "comment": rng.choice(COMMENTS[rating]),
            "reply": rng.choice(REPLIES) if answer else None,
            "replied_at": replied if answer else None,
            "replied_by_id": operator_id if answer else None,
            "created_at": rated,
        }
    if rng.random() < 0.6:
        outcome = rng.choices(list(OUTCOME_NOTES), weights=[30, 25, 35, 10])[0]
        row["outcome"], row["outcome_note"] = outcome, OUTCOME_NOTES[outcome]
        row["outcome_at"] = min(confirmed + timedelta(days=rng.randint(10, 90)), now)


def _audit_row(object_type: str, object_id: int, at, actor_id, old, new, reason) -> dict:
    return {
        "at": at,
        "actor_id": actor_id,
        "object_type": object_type,
        "object_id": object_id,
        "old_state": None if old is None else str(old),
        "new_state": str(new),
        "reason": reason,
        "details": None,
    }


def _insert_plain(model, rows: list[dict], batch: int = 5000) -> None:
    """Bulk insert without reading ids back: Core executemany on the table, past the ORM."""
    for first in range(0, len(rows), batch):
        db.session.execute(insert(model.__table__), rows[first : first + batch])


def _threads(rng: random.Random, threads, now: datetime) -> int:
    """Messages between the firm user and the operator on each (type, id, firm, operator, from,
    until) thread, alternating, the firm first; both sides have read threads older than three days."""
    rows, owners = [], []
    for thread_type, thread_id, firm_id, operator_id, begin, until in threads:
        count = rng.randint(1, 4)
        step_length = max((until - begin) / (count + 1), timedelta(minutes=5))
        for number in range(count):
            side = "firm" if number % 2 == 0 else "platform"
            rows.append(
                {
                    "thread_type": thread_type,
                    "thread_id": thread_id,
                    "author_id": firm_id if side == "firm" else operator_id,
                    "body": rng.choice(THREAD_LINES[side]),
                    "created_at": min(begin + step_length * (number + 1), now),
                }
            )
            owners.append((thread_type, thread_id, firm_id, operator_id))
    ids = _insert(Message, rows)
    last: dict[tuple, tuple[int, datetime, int, int]] = {}
    for message_id, row, (thread_type, thread_id, firm_id, operator_id) in zip(
        ids, rows, owners, strict=True
    ):
        last[(thread_type, thread_id)] = (message_id, row["created_at"], firm_id, operator_id)
    reads = [
        {"user_id": user_id, "thread_type": key[0], "thread_id": key[1], "last_read_id": message_id}
        for key, (message_id, at, firm_id, operator_id) in last.items()
        if at < now - timedelta(days=3)
        for user_id in {firm_id, operator_id}
        if user_id is not None
    ]
    _insert_plain(ThreadRead, reads)
    return len(rows)


# ---------------------------------------------------------------- inquiries and proposals


def _inquiries_and_proposals(rng: random.Random, people: dict) -> dict[str, int]:
    """About one inquiry per platform from the firms, and one proposal per two platforms on the firms'
    open demands, in their states, with audit rows and message threads."""
    now = utcnow()
    platforms = list(people["operator_of_platform"])
    if not platforms or not people["firms"]:
        return {}
    offering_rows = db.session.execute(
        select(Offering.id, Offering.platform_id, Offering.title)
        .where(Offering.is_public, Offering.platform_id.in_(platforms))
        .order_by(func.random())
        .limit(len(platforms))
    ).all()
    inquiries, histories = [], []
    for offering in offering_rows:
        firm_id, org_id = rng.choice(people["firms"])
        operator_id = people["operator_of_platform"][offering.platform_id]
        ending = rng.choices(*zip(*INQUIRY_ENDINGS, strict=True))[0]
        created = (
            now - timedelta(hours=rng.randint(2, 100))
            if ending == "open"
            else now - timedelta(days=rng.randint(5, 300))
        )
        events = [(created, firm_id, None, I.OPEN, None)]
        answered = created + timedelta(hours=rng.randint(1, 30))
        if ending == "withdrawn":
            events.append((answered, firm_id, I.OPEN, I.WITHDRAWN, None))
        elif ending == "declined":
            events.append((answered, operator_id, I.OPEN, I.DECLINED, "该项服务近期排期已满。"))
        elif ending in ("accepted", "closed"):
            events.append((answered, operator_id, I.OPEN, I.ACCEPTED, None))
            if ending == "closed":
                events.append(
                    (answered + timedelta(days=rng.randint(2, 20)), operator_id, I.ACCEPTED, I.CLOSED, None)
                )
        inquiries.append(
            {
                "ref": f"inq-{secrets.token_hex(6)}",
                "org_id": org_id,
                "created_by_id": firm_id,
                "platform_id": offering.platform_id,
                "offering_id": offering.id,
                "demand_id": None,
                "subject": f"关于“{offering.title}”的咨询"[:200],
                "body": rng.choice(INQUIRY_BODIES),
                "requires_nda": False,
                "status": events[-1][3],
                "status_changed_at": events[-1][0],
                "responded_at": answered if ending in ("declined", "accepted", "closed") else None,
                "created_at": created,
            }
        )
        histories.append((events, firm_id, operator_id))
    inquiry_ids = _insert(Inquiry, inquiries)
    audit = [
        _audit_row(INQUIRY_WORKFLOW.object_type, inquiry_id, *event)
        for inquiry_id, (events, _f, _o) in zip(inquiry_ids, histories, strict=True)
        for event in events
    ]
    threads = [
        (
            "inquiry",
            inquiry_id,
            firm_id,
            operator_id,
            events[0][0],
            min(events[-1][0] + timedelta(days=2), now),
        )
        for inquiry_id, (events, firm_id, operator_id) in zip(inquiry_ids, histories, strict=True)
        if events[-1][3] in (I.ACCEPTED, I.CLOSED)
    ]
    proposals, proposal_events = _proposals(rng, people, now, len(platforms) // 2)
    proposal_ids = _insert(Proposal, proposals)
    audit += [
        _audit_row(PROPOSAL_WORKFLOW.object_type, proposal_id, *event)
        for proposal_id, events in zip(proposal_ids, proposal_events, strict=True)
        for event in events
    ]
    _insert_plain(AuditLog, audit)
    messages = _threads(rng, threads, now)
    return {"inquiries": len(inquiries), "proposals": len(proposals), "inquiry_messages": messages}


def _proposals(rng: random.Random, people: dict, now: datetime, wanted: int):
    """Proposals of platforms on open demands, one per demand, waiting or ended."""
    demands = db.session.execute(
        select(Demand.id, Demand.org_id, Demand.title)
        .where(Demand.is_open, Demand.org_id.in_(list(people["firms_of_org"])))
        .order_by(func.random())
        .limit(wanted)
    ).all()
    platforms = list(people["operator_of_platform"])
    today = local_today()
    rows, histories = [], []
    for demand in demands:
        platform_id = rng.choice(platforms)
        operator_id = people["operator_of_platform"][platform_id]
        firm_id = people["firms_of_org"][demand.org_id][0]
        ending = rng.choices(*zip(*PROPOSAL_ENDINGS, strict=True))[0]
        created = now - timedelta(days=rng.randint(1, 25))
        valid_until = today + timedelta(days=rng.randint(5, 30))
        events = [(created, operator_id, None, P.SUBMITTED, None)]
        reason = None
        if ending == "declined":
            reason = "报价超出预算，已选择其他方案。"
            events.append((created + timedelta(days=2), firm_id, P.SUBMITTED, P.DECLINED, reason))
        elif ending == "withdrawn":
            events.append((created + timedelta(days=1), operator_id, P.SUBMITTED, P.WITHDRAWN, None))
        elif ending == "expired":
            valid_until = today - timedelta(days=1)
            events.append((now - timedelta(hours=10), None, P.SUBMITTED, P.EXPIRED, "超过报价有效期"))
        rows.append(
            {
                "ref": f"prp-{secrets.token_hex(6)}",
                "platform_id": platform_id,
                "created_by_id": operator_id,
                "org_id": demand.org_id,
                "demand_id": demand.id,
                "inquiry_id": None,
                "offering_id": None,
                "title": f"“{demand.title}”方案与报价"[:200],
                "scope": rng.choice(SCOPES),
                "deliverables": rng.choice(DELIVERABLES),
                "price_amount": float(rng.randint(2, 60) * 5000),
                "lead_time_days": rng.randint(10, 90),
                "valid_until": valid_until,
                "status": events[-1][3],
                "status_changed_at": events[-1][0],
                "decline_reason": reason,
                "created_at": created,
            }
        )
        histories.append(events)
    return rows, histories


# ---------------------------------------------------------------- the evaluation


def _campaign(rng: random.Random, people: dict, levels: dict[str, float], year: int) -> tuple[int, float]:
    """The published evaluation of `year` through the services, replayed in the next year's first
    months (every platform reports, most with evidence; a third get three experts; compute and
    publish). Returns (participants, seconds the computation took)."""
    admin = people["admin"]
    t = Timeline(year + 1, (1, 4), (3, 12), utcnow())
    campaign = step(t.at(1, 4, 9, 30), lambda: evaluation.create_campaign(admin, year))
    step(t.at(1, 4, 11), lambda: demo_evaluation._tune(admin, campaign, t.day(1, 31)))
    step(t.at(1, 5, 9), lambda: evaluation.open_self_report(admin, campaign))
    participants = sorted(campaign.participants, key=lambda p: p.platform_id)
    experts = people["experts"]
    panels = defaultdict(list)
    for index, participant in enumerate(participants):
        if index % 3 == 0:
            panels[index % len(experts)].append(participant)
    for first, group in panels.items():
        panel = [experts[(first + k) % len(experts)] for k in range(3)]
        step(t.at(1, 20, 10), lambda e=panel, g=group: assignments.assign_many(admin, campaign, e, g))
    for index, participant in enumerate(participants):
        if rng.random() < 0.03:
            continue  # never reported: flagged in the results
        _self_report(rng, people, participant, levels, year, t.at(1, 8 + index * 20 // len(participants), 10))
    step(t.at(2, 10, 9), lambda: evaluation.start_review(admin, campaign))
    (judgement,) = assignments.expert_indicators(campaign)
    for index, assignment in enumerate(_assignments_of(campaign)):
        if rng.random() < 0.1:
            continue  # not scored in time
        level = levels.get(assignment.participant.platform.ref, 1.0)
        points = round(max(30, min(99, 71 + 8 * min(level, 2.6) + rng.uniform(-8, 8))) * 2) / 2
        band = "high" if points >= 85 else "mid" if points >= 65 else "low"
        comment = rng.choice(demo_evaluation.EXPERT_COMMENTS[band])
        step(
            t.at(2, 11 + index % 17, 10),
            lambda a=assignment, p=points, c=comment: assignments.save_scores(
                a.expert, a, {judgement.code: p}, c, submit=True
            ),
        )
    clock = time.perf_counter()
    step(t.at(3, 3, 10), lambda: evaluation.compute(admin, campaign))
    seconds = time.perf_counter() - clock
    step(t.at(3, 10, 9), lambda: results.publish(admin, campaign))
    return len(participants), seconds


def _self_report(rng, people, participant: CampaignParticipant, levels, year: int, moment) -> None:
    """The platform's operator fills in the figures, uploads the evidence and submits (the demo's)."""
    operator = db.session.get(User, people["operator_of_platform"][participant.platform_id])
    figures = demo_evaluation._figures(rng, levels.get(participant.platform.ref, 1.0))
    texts = demo_evaluation._explanations(rng, year, figures)
    upload = demo_evaluation._evidence_file(participant, year, figures)
    step(moment, lambda: demo_evaluation._fill(operator, participant, figures, texts))
    step(moment, lambda: add_attachment(operator, participant, upload, self_report.EVIDENCE))
    step(moment, lambda: self_report.submit_self_report(operator, participant))


def _assignments_of(campaign) -> list[EvaluationAssignment]:
    return list(
        db.session.scalars(
            select(EvaluationAssignment)
            .where(EvaluationAssignment.campaign_id == campaign.id)
            .order_by(EvaluationAssignment.id)
        )
    )


# ---------------------------------------------------------------- what the bench reaches


def _samples(people: dict, year: int, counts: dict, timings: dict) -> dict:
    """Accounts, ids and refs for the bench's URLs: the busiest offerings and platforms first, five
    firm users with open demands and the operators of the five busiest platforms."""
    busiest_offerings = list(
        db.session.scalars(
            select(Booking.offering_id)
            .where(Booking.offering_id.is_not(None))
            .group_by(Booking.offering_id)
            .order_by(func.count(Booking.id).desc(), Booking.offering_id)
            .limit(200)
        )
    )
    platform_rows = db.session.execute(
        select(Platform.id, Platform.ref).where(Platform.is_public).order_by(func.random()).limit(200)
    ).all()
    busiest_platforms = list(
        db.session.scalars(
            select(Booking.platform_id)
            .group_by(Booking.platform_id)
            .order_by(func.count(Booking.id).desc(), Booking.platform_id)
            .limit(5)
        )
    )
    offering_ids = list(
        db.session.scalars(select(Offering.id).where(Offering.is_public).order_by(func.random()).limit(200))
    )
    firms = []
    for org_id, user_ids in people["firms_of_org"].items():
        demands = list(
            db.session.scalars(
                select(Demand.id).where(Demand.org_id == org_id, Demand.is_open).order_by(Demand.id).limit(40)
            )
        )
        if demands:
            firms.append({"email": db.session.get(User, user_ids[0]).email, "demand_ids": demands})
        if len(firms) == 5:
            break
    operators = [
        {
            "email": db.session.get(User, people["operator_of_platform"][platform_id]).email,
            "platform_id": platform_id,
            "platform_ref": people["platform_refs"][platform_id],
        }
        for platform_id in busiest_platforms
    ]
    return {
        "password": PASSWORD,
        "admin_email": ADMIN_EMAIL,
        "firms": firms,
        "operators": operators,
        "year": year,
        "offering_ids": offering_ids,
        "booked_offering_ids": busiest_offerings,
        "platform_ids": [row.id for row in platform_rows],
        "platform_refs": [row.ref for row in platform_rows],
        "counts": counts,
        "timings": {k: round(v, 2) for k, v in timings.items()},
    }


def main() -> None:
    """`python bench/scale_activity.py YEAR OUT.json [SEED]`: populate the instance the MARKETPLACE_*
    variables name and write the samples as JSON."""
    import json
    import sys

    from marketplace import create_app

    year, out = int(sys.argv[1]), sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    found = populate(create_app(), year=year, seed=seed)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(found, fh, ensure_ascii=False, indent=1)
    print(json.dumps({"counts": found["counts"], "timings": found["timings"]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
