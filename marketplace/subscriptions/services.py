"""Subscriptions: what each user follows, the push of new and changed items to them (a notice in the
app, and a mail at once or in a daily or weekly digest, as each subscription says), and the signed
one-click unsubscribe link every such mail carries.

The push reads the search outbox as a reader of its own (`matching.indexer.read_outbox`), up to what
this host's index holds, so a saved search is checked by the search page's own rule (`search(...,
only=…)`). Each (user, item) is delivered once (`SubscriptionHit` is unique on it): a second
subscription, a later edit or a second scan never repeats it. The reader's cursor moves in the
transaction that records the hits, so a crash redoes the batch and the unique rows keep it single."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import selectinload

from .. import signals, vocab
from ..accounts.models import Role, User
from ..announcements.models import Announcement, AnnouncementStatus
from ..core.errors import DomainError, load_permitted
from ..core.locks import lock_for_transaction
from ..core.mail import send_email
from ..core.models import utcnow
from ..core.numbers import Bounds
from ..core.timeutil import format_datetime
from ..core.urls import external_url
from ..demands.models import Demand
from ..events.models import Event, EventStatus
from ..extensions import db
from ..matching import indexer
from ..matching import services as matching
from ..offerings.models import Offering
from ..platforms import services as platforms
from ..platforms.models import Platform
from .models import (
    MATCH_KINDS,
    PUBLICATION_KINDS,
    Frequency,
    Subscription,
    SubscriptionHit,
    SubscriptionKind,
)

log = logging.getLogger("marketplace.subscriptions")

READER = "subscriptions"  #: this feature's name among the outbox's readers
SCAN_BATCH = 500
DEFAULT_THRESHOLD = 0.6  #: the least match score the matcher's default pushes deliver
THRESHOLD = Bounds("匹配度门槛", 30, 95, "%", integer=True)  #: as people enter it, in percent
MAX_PER_USER = 50  #: saved searches and follows per user
NEAR_DEMANDS = 20  #: open demands checked for each new offering (those nearest its words)
#: A scan batch with more new offerings than this is an import, not a platform's daily publishing: its
#: offerings reach saved searches and follows, not the matcher's pushes (20 matches each would take hours).
MATCH_BATCH_MAX = 200
DIGEST_LIST_MAX = 50  #: items listed in one digest mail (the rest are counted, all marked sent)
UNSUBSCRIBE_SALT = "subscriptions-unsubscribe"
#: The search page's parameters a saved search keeps (not the sort or the page).
SEARCH_PARAMS = ("q", "scope", "domain", "city", "kind", "level", "certification", "price_unit")
SEARCH_NUMBERS = ("price_min", "price_max")
FOLLOWS = (SubscriptionKind.DOMAIN, SubscriptionKind.CITY, SubscriptionKind.PLATFORM)


# --- what a user follows ---------------------------------------------------------------------------


def subscriptions_of(user) -> list[Subscription]:
    """The user's saved searches and follows, newest first (the matcher's default is `match_subscription`)."""
    return list(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.user_id == user.id, Subscription.kind.not_in(MATCH_KINDS))
            .order_by(Subscription.id.desc())
        )
    )


def match_kind(user) -> SubscriptionKind | None:
    """The matcher's push this user has by default: a firm's new matching offerings, an operator's new
    matching demands; nobody else has one."""
    if user.role == Role.FIRM:
        return SubscriptionKind.DEMAND_MATCHES
    if user.role == Role.OPERATOR:
        return SubscriptionKind.OFFERING_MATCHES
    return None


def match_subscription(user) -> Subscription | None:
    """The user's matcher push: their row, or the default (not yet stored) when they never changed it."""
    kind = match_kind(user)
    if kind is None:
        return None
    found = db.session.scalar(
        select(Subscription).where(Subscription.user_id == user.id, Subscription.kind == kind)
    )
    return found or _default_match_subscription(user, kind)


def _default_match_subscription(user, kind: SubscriptionKind) -> Subscription:
    return Subscription(
        user_id=user.id,
        kind=kind,
        target="",
        name=vocab.SUBSCRIPTION_KINDS[kind],
        threshold=DEFAULT_THRESHOLD,
        frequency=Frequency.DAILY,
        active=True,
    )


def search_query(args) -> dict:
    """The saved search's parameters from the search page's query: its words, scope and filters, the
    empty ones left out (the order and page are how one looks at results, not what one wants)."""
    query = {}
    for name in SEARCH_PARAMS:
        value = (args.get(name) or "").strip()[: 200 if name == "q" else 40]
        if value:
            query[name] = value
    for name in SEARCH_NUMBERS:
        try:
            value = float(args.get(name) or "")
        except ValueError:
            continue
        if 0 <= value < 1e12:
            query[name] = value
    if query.get("scope", "offering") == "offering":
        query.pop("scope", None)
    return query


def describe(query: dict) -> str:
    """A saved search's name: 锂电池 · 中试设备 · 济南."""
    parts = [query["q"]] if query.get("q") else []
    if query.get("kind"):
        parts.append(vocab.OFFERING_KINDS.get(query["kind"], query["kind"]))
    parts += [
        query[name] for name in ("domain", "city", "level", "certification", "price_unit") if query.get(name)
    ]
    if "price_min" in query or "price_max" in query:
        parts.append(f"价格 {query.get('price_min', 0):g}–{query.get('price_max', '不限')}")
    name = " · ".join(parts)
    return (f"{name}（需求）" if query.get("scope") == "demand" else name)[:100]


def save_search(user, args) -> Subscription:
    """Save the search page's query as a subscription (saving the same one again returns it)."""
    query = search_query(args)
    scope = query.get("scope", "offering")
    if scope not in ("offering", "demand"):
        raise DomainError(("scope", "只能订阅中试资源或需求的搜索。"))
    if scope == "demand" and not matching.may_search_demands(user):
        raise DomainError(("scope", "只有平台运营方和管理员可以订阅需求搜索。"))
    if not set(query) - {"scope"}:
        raise DomainError(("q", "请先输入搜索词或选择筛选条件，再保存搜索。"))
    return _add(user, SubscriptionKind.SEARCH, urlencode(sorted(query.items())), describe(query), query=query)


def follow(user, kind: str, value: str) -> Subscription:
    """Follow a domain, a city or a platform (its new offerings; a platform's events too), or the
    notices or events of a kind ("": all of them)."""
    if kind == SubscriptionKind.DOMAIN and value in vocab.DOMAINS:
        return _add(user, SubscriptionKind.DOMAIN, value, value)
    if kind == SubscriptionKind.CITY and value in vocab.ALL_CITIES:
        return _add(user, SubscriptionKind.CITY, value, value)
    if kind == SubscriptionKind.PLATFORM and value.isdigit() and len(value) < 10:
        platform = platforms.get_visible(user, int(value))
        if platform is not None and platform.is_public:
            return _add(user, SubscriptionKind.PLATFORM, value, platform.name, platform_id=platform.id)
    for publication, kinds, everything in (
        (SubscriptionKind.ANNOUNCEMENTS, vocab.ANNOUNCEMENT_KINDS, "全部通知公告"),
        (SubscriptionKind.EVENTS, vocab.EVENT_KINDS, "全部活动"),
    ):
        if kind == publication and (value == "" or value in kinds):
            return _add(user, publication, value, kinds.get(value, everything))
    raise DomainError(("value", "无法关注：领域、城市或平台不存在。"))


def _add(user, kind: SubscriptionKind, target: str, name: str, **values) -> Subscription:
    existing = db.session.scalar(
        select(Subscription).where(
            Subscription.user_id == user.id, Subscription.kind == kind, Subscription.target == target
        )
    )
    if existing is not None:
        existing.active = True
        return existing
    count = db.session.scalar(select(func.count(Subscription.id)).where(Subscription.user_id == user.id))
    if count >= MAX_PER_USER:
        raise DomainError(("value", f"订阅最多 {MAX_PER_USER} 个，请先删除不再需要的订阅。"))
    subscription = Subscription(user_id=user.id, kind=kind, target=target, name=name, **values)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def saved_search(user, args) -> Subscription | None:
    """The user's active saved search of exactly these search parameters (the page's 已保存 state)."""
    return following(user, SubscriptionKind.SEARCH, urlencode(sorted(search_query(args).items())))


def get_own(user, subscription_id: int) -> Subscription:
    return load_permitted(Subscription, subscription_id, lambda s: s.user_id == user.id)


def following(user, kind: SubscriptionKind, target: str) -> Subscription | None:
    """The user's active subscription of this kind and target (a page's 关注 / 已关注 button)."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Subscription).where(
            Subscription.user_id == user.id,
            Subscription.kind == kind,
            Subscription.target == target,
            Subscription.active.is_(True),
        )
    )


def change(
    user, subscription_id: int | None, *, frequency: str, active: bool, threshold=None
) -> Subscription:
    """Set how a subscription mails (at once, daily, weekly or not at all), whether it is on, and for
    the matcher's push the least score it delivers. `subscription_id` None: the user's matcher push."""
    if frequency not in vocab.MAIL_FREQUENCIES:
        raise DomainError(("frequency", "请选择提醒方式。"))
    if subscription_id is None:
        subscription = match_subscription(user)
        if subscription is None:
            raise LookupError("no matcher push for this role")
        db.session.add(subscription)
    else:
        subscription = get_own(user, subscription_id)
    if subscription.kind in MATCH_KINDS:
        percent = (
            threshold if threshold is not None else round((subscription.threshold or DEFAULT_THRESHOLD) * 100)
        )
        problem = THRESHOLD.problem(percent)
        if problem:
            raise DomainError(("threshold", problem))
        subscription.threshold = percent / 100
    subscription.frequency = Frequency(frequency)
    subscription.active = active
    return subscription


def remove(user, subscription_id: int) -> None:
    subscription = get_own(user, subscription_id)
    if subscription.kind in MATCH_KINDS:
        raise DomainError(("subscription", "默认的匹配推送不能删除，可以关闭。"))
    db.session.delete(subscription)


# --- the push ------------------------------------------------------------------------------------------


def scan(batch: int = SCAN_BATCH) -> int:
    """Deliver what changed since the last scan to everyone it concerns; returns how many deliveries.
    Safe to run at any time and twice (`flask notify scan`, and every minute on the worker).

    Each batch is decided first (searches and matches: reads only), then written under a named lock
    with the reader's new cursor in one transaction: two scans at once take turns, the second finds
    the first one's deliveries and repeats none."""
    delivered = 0
    while rows := indexer.read_outbox(READER, batch):
        offering_ids = {doc_id for _id, doc_type, doc_id in rows if doc_type == "offering"}
        demand_ids = {doc_id for _id, doc_type, doc_id in rows if doc_type == "demand"}
        matched: dict[int, tuple[Demand, list]] = {}
        deliveries = _decide(offering_ids, demand_ids, matched)
        lock_for_transaction("subscriptions-scan", wait=current_app.config["SUBSCRIPTION_SCAN_LOCK_WAIT"])
        for demand, matches in matched.values():
            signals.demand_matched.send(demand, matches=matches)
        delivered += _deliver_all(deliveries)
        indexer.advance_reader(READER, rows[-1][0])
        db.session.commit()
    return delivered


#: How a delivered item is linked and told: {item_type: (endpoint, its id's name, what it is)}.
ITEMS = {
    "offering": ("catalog.offering", "offering_id", lambda o: f"中试资源：{o.title}（{o.platform.name}）"),
    "demand": ("demands.detail", "demand_id", lambda d: f"中试需求：{d.title}"),
    "announcement": ("announcements.detail", "announcement_id", lambda a: f"{a.kind_label}：{a.title}"),
    "event": (
        "events.detail",
        "event_id",
        lambda e: f"活动：{e.title}（{e.kind_label}，{e.platform.name}，{format_datetime(e.starts_at)}）",
    ),
}


@dataclass
class Delivery:
    """One item for one user, and why (`subscription` None: the user's matcher push, stored at delivery
    if it is still the default)."""

    user: User
    item_type: str  #: ITEMS
    item: Offering | Demand | Announcement | Event
    why: str
    subscription: Subscription | None = None


def _decide(offering_ids: set[int], demand_ids: set[int], matched: dict) -> list[Delivery]:
    """The deliveries of a batch; each demand matched on the way is kept in `matched` (demand id → the
    demand and its matches: each matched once per batch, told to `signals.demand_matched` once the
    batch writes)."""
    offerings = (
        list(
            db.session.scalars(
                select(Offering)
                .where(Offering.id.in_(offering_ids), Offering.is_public)
                .options(selectinload(Offering.platform))
                .order_by(Offering.id)
            )
        )
        if offering_ids
        else []
    )
    demands = (
        list(
            db.session.scalars(
                select(Demand).where(Demand.id.in_(demand_ids), Demand.is_open).order_by(Demand.id)
            )
        )
        if demand_ids
        else []
    )
    if not offerings and not demands:
        return []
    deliveries = []
    subscriptions = db.session.scalars(
        select(Subscription)
        .join(User, User.id == Subscription.user_id)
        .where(
            Subscription.active.is_(True),
            Subscription.kind.not_in(MATCH_KINDS + PUBLICATION_KINDS),
            User.is_enabled.is_(True),
        )
        .options(selectinload(Subscription.user))
        .order_by(Subscription.id)
    ).all()
    for subscription in subscriptions:
        why = f"{subscription.kind_label}“{subscription.name}”"
        deliveries += [
            Delivery(subscription.user, item_type, item, why, subscription)
            for item_type, item in _found(subscription, offerings, demands)
        ]
    for kind, items, push in (
        ("offerings", offerings, _offering_pushes),
        ("demands", demands, _demand_pushes),
    ):
        if len(items) > MATCH_BATCH_MAX:
            log.info("%d new %s in one scan (an import): matcher pushes skipped for them", len(items), kind)
        else:
            for item in items:
                deliveries += push(item, matched)
    return deliveries


def _found(subscription: Subscription, offerings: list[Offering], demands: list[Demand]):
    """The (item_type, item) among the new ones that this saved search or follow selects."""
    user = subscription.user
    if subscription.kind == SubscriptionKind.SEARCH:
        query = dict(subscription.query or {})
        scope = query.pop("scope", "offering")
        items = {"offering": offerings, "demand": demands}.get(scope, [])
        if not items or (scope == "demand" and not matching.may_search_demands(user)):
            return
        text = query.pop("q", "")
        by_id = {item.id: item for item in items}
        page = matching.search(text, doc_type=scope, filters=query, only=by_id, per_page=100)
        for hit in page.items:
            if hit.obj_id in by_id and _not_own(user, by_id[hit.obj_id]):
                yield scope, by_id[hit.obj_id]
        return
    for offering in offerings:
        if not _not_own(user, offering):
            continue
        if (
            (subscription.kind == SubscriptionKind.DOMAIN and subscription.target in offering.domains)
            or (subscription.kind == SubscriptionKind.CITY and offering.platform.city == subscription.target)
            or (
                subscription.kind == SubscriptionKind.PLATFORM
                and offering.platform_id == subscription.platform_id
            )
        ):
            yield "offering", offering


def _not_own(user, item) -> bool:
    """Nobody is told of their own organisation's offering, demand or event."""
    if isinstance(item, Announcement):
        return True
    org_id = item.org_id if isinstance(item, Demand) else item.platform.org_id
    return user.org_id != org_id


def _matches_of(demands: list[Demand], matched: dict) -> list[tuple[Demand, list]]:
    """The demands with their matches, each matched once per batch (`matched` keeps them)."""
    fresh = [d for d in demands if d.id not in matched]
    for demand, matches in matching.match_demands(fresh):
        matched[demand.id] = (demand, matches)
    return [matched[d.id] for d in demands if d.id in matched]


def _offering_pushes(offering: Offering, matched: dict) -> list[Delivery]:
    """A new offering for the firms of the open demands it now matches well enough."""
    near = matching.demands_near(offering.title, f"{offering.title} {offering.description}", NEAR_DEMANDS)
    if not near:
        return []
    demands = db.session.scalars(
        select(Demand)
        .where(Demand.id.in_(near), Demand.is_open, Demand.org_id != offering.platform.org_id)
        .order_by(Demand.id)
    )
    deliveries = []
    for demand, matches in _matches_of(list(demands), matched):
        match = next((m for m in _with_alike(matches) if m.obj_id == offering.id), None)
        if match is not None:
            deliveries += _match_pushes(
                demand.org_id, Role.FIRM, "offering", offering, match.score, demand.title
            )
    return deliveries


def _demand_pushes(demand: Demand, matched: dict) -> list[Delivery]:
    """A new open demand for the operators of the platforms whose offerings it matches well enough."""
    [(_, matches)] = _matches_of([demand], matched)
    best: dict[int, object] = {}  # platform id -> its best-scored match
    for match in _with_alike(matches):
        platform_id = match.fields.get("platform_id")
        if platform_id is not None and (platform_id not in best or match.score > best[platform_id].score):
            best[platform_id] = match
    deliveries = []
    for platform in db.session.scalars(select(Platform).where(Platform.id.in_(best)).order_by(Platform.id)):
        if platform.org_id != demand.org_id:
            match = best[platform.id]
            deliveries += _match_pushes(
                platform.org_id, Role.OPERATOR, "demand", demand, match.score, match.title
            )
    return deliveries


def _with_alike(matches):
    for match in matches:
        yield match
        yield from match.alike


def _match_pushes(org_id: int, role: Role, item_type: str, item, score: float, whose: str) -> list[Delivery]:
    """The item for each user of the organisation in that role whose matcher push is on and whose
    threshold the score reaches."""
    users = db.session.scalars(
        select(User)
        .where(User.org_id == org_id, User.role == role, User.is_enabled.is_(True))
        .order_by(User.id)
    )
    noun = "需求" if role == Role.FIRM else "资源"
    deliveries = []
    for user in users:
        subscription = match_subscription(user)
        if subscription.active and score >= (subscription.threshold or DEFAULT_THRESHOLD):
            why = f"您的{noun}“{whose}”（匹配度 {score:.0%}）"
            deliveries.append(Delivery(user, item_type, item, why, subscription if subscription.id else None))
    return deliveries


def _deliver_all(deliveries: list[Delivery]) -> int:
    """Deliver each item to its user unless they had it (call under the `subscriptions-scan` lock: what
    was delivered is read once, here, and kept up to date as this goes). Returns how many."""
    seen = _delivered_before(deliveries)
    delivered = 0
    for delivery in deliveries:
        key = (delivery.user.id, delivery.item_type, delivery.item.id)
        if key not in seen:
            seen.add(key)
            _deliver(delivery)
            delivered += 1
    return delivered


def _delivered_before(deliveries: list[Delivery]) -> set[tuple[int, str, int]]:
    """(user, item type, item) of these deliveries that an earlier one already made: one query."""
    items: dict[str, set[int]] = defaultdict(set)
    for delivery in deliveries:
        items[delivery.item_type].add(delivery.item.id)
    if not items:
        return set()
    rows = db.session.execute(
        select(SubscriptionHit.user_id, SubscriptionHit.item_type, SubscriptionHit.item_id).where(
            SubscriptionHit.user_id.in_({d.user.id for d in deliveries}),
            or_(
                *(
                    and_(SubscriptionHit.item_type == kind, SubscriptionHit.item_id.in_(ids))
                    for kind, ids in items.items()
                )
            ),
        )
    )
    return {tuple(row) for row in rows}


def _deliver(delivery: Delivery) -> None:
    """Deliver one item to its user (`_deliver_all` made sure they had not had it): the notice, and the
    mail now if the subscription mails at once (a digest takes it otherwise)."""
    user, item = delivery.user, delivery.item
    subscription = delivery.subscription or match_subscription(user)
    if subscription.id is None:
        db.session.add(subscription)
        db.session.flush()
    endpoint, key, what = ITEMS[delivery.item_type]
    link = external_url(endpoint, **{key: item.id})
    message = f"{delivery.why}有新的{what(item)}"
    hit = SubscriptionHit(
        user_id=user.id,
        subscription_id=subscription.id,
        item_type=delivery.item_type,
        item_id=item.id,
        title=item.title[:200],
        link=link,
        detail=delivery.why[:300],
    )
    db.session.add(hit)
    signals.notice.send(
        "subscriptions", users=[user], message=message, link=link, email=False, category="subscription"
    )
    if subscription.frequency == Frequency.IMMEDIATE:
        send_email(
            user.email,
            f"订阅提醒：{item.title}"[:300],
            f"{user.name}，您好：\n\n{message}\n{link}\n{_footer(user, [subscription.id])}",
            headers=_unsubscribe_headers(user, [subscription.id]),
        )
        hit.mailed_at = utcnow()


# --- publications: notices and events ----------------------------------------------------------------

#: {item_type: (model, its published state, the subscription kind that follows it)}
PUBLICATIONS = {
    "announcement": (Announcement, AnnouncementStatus.PUBLISHED, SubscriptionKind.ANNOUNCEMENTS),
    "event": (Event, EventStatus.PUBLISHED, SubscriptionKind.EVENTS),
}


def push_publication(item_type: str, item_id: int) -> int:
    """Tell the followers of a notice or an event just published (of its kind, or all; an event's
    platform's followers too). A job after the publication's commit; safe to run twice (one hit per user
    and item) and after a withdrawal (nothing then). Returns how many deliveries."""
    model, published, kind = PUBLICATIONS[item_type]
    item = db.session.get(model, item_id)
    if item is None or item.status != published:
        return 0
    wanted = (Subscription.kind == kind) & Subscription.target.in_(("", item.kind))
    if isinstance(item, Event):
        wanted |= (Subscription.kind == SubscriptionKind.PLATFORM) & (
            Subscription.platform_id == item.platform_id
        )
    subscriptions = db.session.scalars(
        select(Subscription)
        .join(User, User.id == Subscription.user_id)
        .where(Subscription.active.is_(True), User.is_enabled.is_(True), wanted)
        .options(selectinload(Subscription.user))
        .order_by(Subscription.id)
    ).all()
    lock_for_transaction("subscriptions-scan", wait=current_app.config["SUBSCRIPTION_SCAN_LOCK_WAIT"])
    delivered = _deliver_all(
        [
            Delivery(s.user, item_type, item, f"{s.kind_label}“{s.name}”", s)
            for s in subscriptions
            if _not_own(s.user, item)
        ]
    )
    db.session.commit()
    return delivered


# --- digests ----------------------------------------------------------------------------------------


def send_digests(frequency: str = Frequency.DAILY) -> int:
    """One mail to each user with undelivered items of their `frequency` subscriptions; returns how
    many were sent. Each user's mail and the marking of its items commit together, the items claimed by
    one conditional UPDATE: run twice, or by two workers, nothing goes twice; after a crash half-way,
    the next run sends the rest."""
    frequency = Frequency(frequency)
    pending = _unmailed(frequency, SubscriptionHit.user_id).distinct().order_by(SubscriptionHit.user_id)
    sent = 0
    for user_id in list(db.session.scalars(pending)):
        sent += _send_digest(db.session.get(User, user_id), frequency)
    return sent


def _unmailed(frequency: Frequency, *columns):
    """The delivered items of this frequency's active subscriptions not mailed yet."""
    return (
        select(*columns)
        .join(Subscription, Subscription.id == SubscriptionHit.subscription_id)
        .where(SubscriptionHit.mailed_at.is_(None), Subscription.frequency == frequency, Subscription.active)
    )


def _send_digest(user: User, frequency: Frequency) -> int:
    hits = list(
        db.session.scalars(
            _unmailed(frequency, SubscriptionHit)
            .where(SubscriptionHit.user_id == user.id)
            .order_by(SubscriptionHit.id)
        )
    )
    if not hits:
        return 0
    now = utcnow()
    claimed = db.session.execute(
        update(SubscriptionHit)
        .where(SubscriptionHit.id.in_([h.id for h in hits]), SubscriptionHit.mailed_at.is_(None))
        .values(mailed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != len(hits):  # another run is sending them: leave them to it
        db.session.rollback()
        return 0
    if not user.is_enabled:
        db.session.commit()  # a deactivated account gets no mail; its items are done
        return 0
    label = vocab.MAIL_FREQUENCIES[frequency]
    lines = [f"- {h.title}（{h.detail}）\n  {h.link}" for h in hits[:DIGEST_LIST_MAX]]
    if len(hits) > DIGEST_LIST_MAX:
        centre = external_url("notifications.index")
        lines.append(f"……另有 {len(hits) - DIGEST_LIST_MAX} 条，请到通知中心查看：{centre}")
    subscription_ids = sorted({h.subscription_id for h in hits})
    send_email(
        user.email,
        f"中试平台服务市场{label}：{len(hits)} 条新信息",
        f"{user.name}，您好：\n\n您订阅的内容有 {len(hits)} 条新信息：\n\n"
        + "\n".join(lines)
        + f"\n{_footer(user, subscription_ids)}",
        headers=_unsubscribe_headers(user, subscription_ids),
    )
    db.session.commit()
    return 1


# --- unsubscribe ------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user, subscription_ids: list[int]) -> str:
    return _serializer().dumps({"u": user.id, "s": list(subscription_ids)})


def unsubscribe_url(user, subscription_ids: list[int]) -> str:
    return external_url("subscriptions.unsubscribe", token=unsubscribe_token(user, subscription_ids))


def _footer(user, subscription_ids: list[int]) -> str:
    return (
        f"\n——\n不想再收到这类邮件？一键退订：{unsubscribe_url(user, subscription_ids)}\n"
        f"管理订阅与提醒方式：{external_url('subscriptions.index')}\n"
    )


def _unsubscribe_headers(user, subscription_ids: list[int]) -> dict[str, str]:
    """RFC 2369 / 8058: mail programs show their own unsubscribe button and POST to the link."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user, subscription_ids)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def read_unsubscribe(token: str) -> tuple[User, list[Subscription]]:
    """The user and subscriptions a link names; DomainError when it is tampered with or expired."""
    max_age = int(current_app.config["UNSUBSCRIBE_LINK_DAYS"]) * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(("token", "退订链接已过期，请登录后在“订阅管理”中修改提醒方式。")) from None
    except BadSignature:
        raise DomainError(
            ("token", "退订链接无效，请检查链接是否完整，或登录后在“订阅管理”中修改。")
        ) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None:
        raise DomainError(("token", "退订链接无效，请检查链接是否完整，或登录后在“订阅管理”中修改。"))
    ids = [i for i in data.get("s", []) if isinstance(i, int)]
    subscriptions = list(
        db.session.scalars(
            select(Subscription).where(Subscription.user_id == user.id, Subscription.id.in_(ids))
        )
    )
    return user, subscriptions


def unsubscribe(token: str) -> tuple[User, list[Subscription]]:
    """Stop the mail of the subscriptions the link names (their notices in the app go on)."""
    user, subscriptions = read_unsubscribe(token)
    for subscription in subscriptions:
        subscription.frequency = Frequency.NONE
    return user, subscriptions
