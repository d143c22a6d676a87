"""factory-boy factories: each builds a valid object by default, flushed into the test session."""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta

import factory
from werkzeug.security import generate_password_hash

from marketplace.accounts.models import ApiToken, LoginThrottle, Organization, User
from marketplace.announcements.models import Announcement
from marketplace.attachments.models import Attachment
from marketplace.bookings.models import Booking, CalendarFeed, OfferingBlock, Review
from marketplace.cases.models import CaseNomination, CaseReview, SelectionRound
from marketplace.core.changes import ChangeCounter
from marketplace.core.models import AuditLog, OutgoingMail, utcnow
from marketplace.core.timeutil import local_today, local_zone
from marketplace.coverage.models import DemandFit, GapAction
from marketplace.demands.models import Demand, DemandContact, MatchFeedback
from marketplace.evaluation.models import (
    CampaignParticipant,
    EvaluationAssignment,
    EvaluationCampaign,
    EvaluationDimension,
    EvaluationIndicator,
    ExpertScore,
    IndicatorValue,
    ScoreCorrection,
)
from marketplace.events.models import Event, EventRegistration
from marketplace.experts.models import ConflictDeclaration
from marketplace.extensions import db
from marketplace.favourites.models import Favourite
from marketplace.inquiries.models import Inquiry, Proposal
from marketplace.matching.models import (
    OutboxReader,
    SearchDeadLetter,
    SearchHost,
    SearchOutbox,
    SearchVersion,
)
from marketplace.messaging.models import Message, ThreadRead, UnreadCount
from marketplace.notifications.models import Notification
from marketplace.offerings.models import Offering
from marketplace.platforms.models import Platform
from marketplace.subscriptions.models import Subscription, SubscriptionHit

PASSWORD = "correct horse battery"
_HASH = generate_password_hash(PASSWORD)  # scrypt is slow on purpose: hash once


class Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class OrganizationFactory(Base):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"济南某测试科技有限公司{n}")
    kind = "enterprise"
    city = "济南"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    name = factory.Sequence(lambda n: f"用户{n}")
    password_hash = _HASH
    role = "firm"
    organization = factory.SubFactory(OrganizationFactory)


class PlatformFactory(Base):
    """An approved platform (public); pass status="draft" etc. for others."""

    class Meta:
        model = Platform

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"测试中试平台{n}")
    level = "省级"
    city = "青岛"
    domains = factory.LazyFunction(lambda: ["生物医药"])
    description = "面向生物医药企业的发酵与纯化中试平台。"
    capabilities = "微生物发酵、蛋白纯化、制剂小试"
    certifications = factory.LazyFunction(lambda: ["GMP"])
    sharing_rules = "工作日对外开放，提前三天预约。"
    fee_standard = "按设备台时收费，详见各资源报价。"
    contact_name = "王工"
    contact_phone = "0532-80000000"
    status = "approved"


class OfferingFactory(Base):
    class Meta:
        model = Offering

    platform = factory.SubFactory(PlatformFactory)
    kind = "equipment"
    title = factory.Sequence(lambda n: f"500 L 不锈钢发酵罐 {n}号")
    description = "316L不锈钢，配在线pH与溶氧控制，适用于微生物高密度发酵。"
    domains = factory.LazyFunction(lambda: ["生物医药"])
    specs = factory.LazyFunction(lambda: {"容积": "500 L"})
    price_amount = 1200.0
    price_unit = "day"
    is_bookable = True
    #: booked by whole days, every day of the week
    opening_hours = factory.LazyFunction(
        lambda: [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]
    )
    booking_capacity = 1
    min_notice_hours = 24
    max_advance_days = 180
    status = "active"


class DemandFactory(Base):
    """An open demand with a deadline two months ahead."""

    class Meta:
        model = Demand

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"重组蛋白发酵工艺放大 {n}")
    description = "实验室5 L罐表达量稳定，计划放大到500 L发酵罐，需要GMP条件。"
    domains = factory.LazyFunction(lambda: ["生物医药"])
    kinds = factory.LazyFunction(lambda: ["equipment"])
    trl = 5
    budget_max = 300000.0
    window_end = factory.LazyFunction(lambda: local_today() + timedelta(days=60))
    deadline = factory.LazyFunction(lambda: local_today() + timedelta(days=60))
    confidential_detail = "菌株编号 ZS-42，诱导温度 25 ℃。"
    status = "open"


class ApiTokenFactory(Base):
    """A token row; the plaintext is `zs_test_<n>` (its SHA-256 is stored)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "测试令牌"
    prefix = factory.Sequence(lambda n: f"zs_test_{n}"[:10])
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"zs_test_{n}".encode()).hexdigest())


class LoginThrottleFactory(Base):
    class Meta:
        model = LoginThrottle

    key = factory.Sequence(lambda n: f"account:user{n}@example.cn")
    attempts = 1


class AttachmentFactory(Base):
    """An offering's PNG (no file on disk); pass owner=<a demand or another HasAttachments row>."""

    class Meta:
        model = Attachment
        exclude = ("owner",)

    owner = factory.SubFactory(OfferingFactory)
    owner_type = factory.LazyAttribute(lambda a: a.owner.__attachment_owner__)
    owner_id = factory.LazyAttribute(lambda a: a.owner.id)
    filename = "photo.png"
    stored_name = factory.Sequence(lambda n: f"{n:032x}.png")
    content_type = "image/png"
    size = 1024


class DemandContactFactory(Base):
    class Meta:
        model = DemandContact

    demand = factory.SubFactory(DemandFactory)
    platform = factory.SubFactory(PlatformFactory)


class MatchFeedbackFactory(Base):
    class Meta:
        model = MatchFeedback

    demand = factory.SubFactory(DemandFactory)
    offering = factory.SubFactory(OfferingFactory)
    useful = True


class NotificationFactory(Base):
    class Meta:
        model = Notification

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    message = "您的平台已通过审核。"


class AuditLogFactory(Base):
    class Meta:
        model = AuditLog

    object_type = "platform"
    object_id = factory.LazyFunction(lambda: PlatformFactory().id)
    old_state = "submitted"
    new_state = "approved"


class SearchOutboxFactory(Base):
    class Meta:
        model = SearchOutbox

    doc_type = "offering"
    doc_id = factory.LazyFunction(lambda: OfferingFactory().id)


class SearchHostFactory(Base):
    class Meta:
        model = SearchHost

    name = factory.Sequence(lambda n: f"host-{n}:/srv/index")
    cursor = 0


class OutboxReaderFactory(Base):
    """A consumer of the outbox that is not an index, at the start of the log."""

    class Meta:
        model = OutboxReader

    name = factory.Sequence(lambda n: f"reader-{n}")
    cursor = 0


class SearchVersionFactory(Base):
    """The one counter row of committed changes to searchable rows."""

    class Meta:
        model = SearchVersion

    id = 1
    value = 1


class ChangeCounterFactory(Base):
    """The counter of committed changes of one organisation's private rows (core.changes)."""

    class Meta:
        model = ChangeCounter

    scope = factory.Sequence(lambda n: f"org:{n + 1}")
    value = 1


class SearchDeadLetterFactory(Base):
    """An offering the index could not take, due for a retry."""

    class Meta:
        model = SearchDeadLetter

    doc_type = "offering"
    doc_id = factory.LazyFunction(lambda: OfferingFactory().id)
    error = "OverflowError: cannot convert float infinity to integer"
    next_attempt_at = factory.LazyFunction(utcnow)


class OutgoingMailFactory(Base):
    """A stored mail not sent yet (no delivery job is queued for it)."""

    class Meta:
        model = OutgoingMail

    recipient = factory.Sequence(lambda n: f"user{n}@example.cn")
    subject = "中试平台服务市场通知"
    body = "您好：\n\n您的平台已通过审核。\n"


class SubscriptionFactory(Base):
    """A saved search of offerings (words only), mailed in the daily digest."""

    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    kind = "search"
    target = factory.Sequence(lambda n: f"q=发酵罐{n}")
    name = factory.Sequence(lambda n: f"“发酵罐{n}”")
    query = factory.LazyAttribute(lambda s: {"q": s.target[2:]})
    frequency = "daily"


class SubscriptionHitFactory(Base):
    """An offering delivered by a subscription, not yet mailed."""

    class Meta:
        model = SubscriptionHit

    subscription = factory.SubFactory(SubscriptionFactory)
    user_id = factory.SelfAttribute("subscription.user_id")
    item_type = "offering"
    item_id = factory.LazyFunction(lambda: OfferingFactory().id)
    title = "500 L 不锈钢发酵罐"
    link = "http://localhost/offerings/1"
    detail = "保存的搜索“发酵罐”"


class DemandFitFactory(Base):
    """A demand whose best match is no good one, for ten days now."""

    class Meta:
        model = DemandFit

    demand_id = factory.LazyFunction(lambda: DemandFactory().id)
    best_fit = 0.05
    best_score = 0.9
    unmet_since = factory.LazyFunction(lambda: utcnow() - timedelta(days=10))


class GapActionFactory(Base):
    """An administrator's note that a platform is being recruited for a demand."""

    class Meta:
        model = GapAction

    demand_id = factory.LazyFunction(lambda: DemandFactory().id)
    action = "recruit"
    note = "正在邀请相关平台入驻。"
    by_id = factory.LazyFunction(lambda: UserFactory(role="admin").id)


class FavouriteFactory(Base):
    """An offering a firm keeps."""

    class Meta:
        model = Favourite

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    item_type = "offering"
    item_id = factory.LazyFunction(lambda: OfferingFactory().id)


class AnnouncementFactory(Base):
    """A published 申报通知."""

    class Meta:
        model = Announcement

    kind = "call"
    title = factory.Sequence(lambda n: f"关于开展中试平台认定申报工作的通知{n}")
    body = "各有关单位：\n\n现组织开展中试平台认定申报工作。"
    issuer = "山东省某工业主管部门"
    status = "published"
    published_at = factory.LazyFunction(utcnow)


class EventFactory(Base):
    """A published open day of an approved platform, in ten days, with 20 seats."""

    class Meta:
        model = Event

    platform = factory.SubFactory(PlatformFactory)
    kind = "open_day"
    title = factory.Sequence(lambda n: f"中试平台开放日{n}")
    description = "参观中试车间，了解预约流程。"
    starts_at = factory.LazyFunction(lambda: local_day(10, 9))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=3))
    city = "青岛"
    place = "平台中试车间"
    capacity = 20
    status = "published"
    published_at = factory.LazyFunction(utcnow)


class EventRegistrationFactory(Base):
    """A firm's seat (counted on the event, as services.register does)."""

    class Meta:
        model = EventRegistration

    event = factory.SubFactory(EventFactory, registered_count=1)
    user = factory.SubFactory(UserFactory)
    phone = "13800000000"


def local_day(days_ahead: int, hour: int = 0) -> datetime:
    """An aware moment `days_ahead` local days from today at `hour`:00 local time."""
    return datetime.combine(local_today() + timedelta(days=days_ahead), time(hour), tzinfo=local_zone())


class BookingFactory(Base):
    """An accepted booking of one whole day, ten days ahead, by a firm of its own organisation."""

    class Meta:
        model = Booking

    offering = factory.SubFactory(OfferingFactory)
    platform_id = factory.LazyAttribute(
        lambda b: b.offering.platform_id if b.offering else PlatformFactory().id
    )
    requested_by = factory.SubFactory(UserFactory, role="firm")
    org_id = factory.LazyAttribute(lambda b: b.requested_by.org_id)
    kind = "booking"
    title = factory.LazyAttribute(lambda b: b.offering.title if b.offering else "样品试制服务订单")
    start_at = factory.LazyFunction(lambda: local_day(10))
    end_at = factory.LazyFunction(lambda: local_day(11))
    quantity = 1
    price_amount = 1200.0
    price_unit = "day"
    price_basis = "1 天 × 1 台/套 × 1,200.00 元/天 = 1,200.00 元"
    status = "accepted"


class OfferingBlockFactory(Base):
    class Meta:
        model = OfferingBlock

    offering = factory.SubFactory(OfferingFactory)
    start_at = factory.LazyFunction(lambda: local_day(20))
    end_at = factory.LazyFunction(lambda: local_day(22))
    reason = "设备年度维护"


class ReviewFactory(Base):
    class Meta:
        model = Review

    booking = factory.SubFactory(BookingFactory, status="confirmed")
    offering_id = factory.LazyAttribute(lambda r: r.booking.offering_id)
    platform_id = factory.LazyAttribute(lambda r: r.booking.platform_id)
    author_id = factory.LazyAttribute(lambda r: r.booking.requested_by_id)
    rating = 5
    comment = "响应及时，数据完整。"


class InquiryFactory(Base):
    """An open inquiry from a firm about an offering (no demand attached)."""

    class Meta:
        model = Inquiry

    offering = factory.SubFactory(
        OfferingFactory, kind="service", is_bookable=False, price_amount=None, price_unit=None
    )
    platform_id = factory.LazyAttribute(lambda i: i.offering.platform_id)
    created_by = factory.SubFactory(UserFactory, role="firm")
    org_id = factory.LazyAttribute(lambda i: i.created_by.org_id)
    subject = "咨询样品试制的周期与费用"
    body = "我们有一批锂电正极材料样品需要试制，请问周期和费用？"
    status = "open"


class ProposalFactory(Base):
    """A submitted proposal from a platform on an open demand."""

    class Meta:
        model = Proposal

    demand = factory.SubFactory(DemandFactory)
    org_id = factory.LazyAttribute(lambda p: p.demand.org_id)
    platform = factory.SubFactory(PlatformFactory)
    title = "500 L 发酵放大方案"
    scope = "完成三批 500 L 发酵放大及下游纯化工艺验证。"
    deliverables = "工艺报告、批记录、质量检测报告"
    price_amount = 180000.0
    lead_time_days = 45
    valid_until = factory.LazyFunction(lambda: local_today() + timedelta(days=30))
    status = "submitted"


class MessageFactory(Base):
    class Meta:
        model = Message

    thread_type = "booking"
    thread_id = factory.LazyFunction(lambda: BookingFactory().id)
    author_id = factory.LazyFunction(lambda: UserFactory().id)
    body = "请问样品需要提前几天寄到？"


class ThreadReadFactory(Base):
    class Meta:
        model = ThreadRead

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    thread_type = "booking"
    thread_id = factory.LazyFunction(lambda: BookingFactory().id)
    last_read_id = 0


class UnreadCountFactory(Base):
    """A user's stored count (a new user's may be stored already: messaging/unread recounts at flush)."""

    class Meta:
        model = UnreadCount
        sqlalchemy_get_or_create = ("user_id",)

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    count = 0


class CalendarFeedFactory(Base):
    """A user's own bookings feed; the secret is `feed-<n>` (its SHA-256 is stored)."""

    class Meta:
        model = CalendarFeed

    user = factory.SubFactory(UserFactory, role="firm")
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"feed-{n}".encode()).hexdigest())


class EvaluationCampaignFactory(Base):
    """A draft campaign with no indicators (see `campaign_from_template` for the shipped system)."""

    class Meta:
        model = EvaluationCampaign

    year = factory.Sequence(lambda n: 2000 + n)
    title = factory.LazyAttribute(lambda c: f"{c.year} 年度中试平台绩效评价")
    status = "draft"


class EvaluationDimensionFactory(Base):
    class Meta:
        model = EvaluationDimension

    campaign = factory.SubFactory(EvaluationCampaignFactory)
    code = factory.Sequence(lambda n: f"dim{n}")
    name = "共享服务"


class EvaluationIndicatorFactory(Base):
    """A computed min-max indicator worth 10 points."""

    class Meta:
        model = EvaluationIndicator

    dimension = factory.SubFactory(EvaluationDimensionFactory)
    campaign = factory.LazyAttribute(lambda i: i.dimension.campaign)
    code = factory.Sequence(lambda n: f"ind{n}")
    name = "完成对外服务"
    weight = 10.0
    source = "computed"
    metric = "completed_work"
    unit = "项"
    rule = "minmax"


class CampaignParticipantFactory(Base):
    class Meta:
        model = CampaignParticipant

    campaign = factory.SubFactory(EvaluationCampaignFactory, status="self_report")
    platform = factory.SubFactory(PlatformFactory)


class IndicatorValueFactory(Base):
    class Meta:
        model = IndicatorValue

    participant = factory.SubFactory(CampaignParticipantFactory)
    indicator = factory.SubFactory(
        EvaluationIndicatorFactory, dimension__campaign=factory.SelfAttribute("...participant.campaign")
    )
    value = 12.0


class EvaluationAssignmentFactory(Base):
    class Meta:
        model = EvaluationAssignment

    participant = factory.SubFactory(CampaignParticipantFactory, campaign__status="expert_review")
    campaign_id = factory.LazyAttribute(lambda a: a.participant.campaign_id)
    expert = factory.SubFactory(UserFactory, role="expert")


class ExpertScoreFactory(Base):
    class Meta:
        model = ExpertScore

    assignment = factory.SubFactory(EvaluationAssignmentFactory)
    indicator = factory.SubFactory(
        EvaluationIndicatorFactory,
        dimension__campaign=factory.SelfAttribute("...assignment.participant.campaign"),
        source="expert",
        metric=None,
        rule="expert",
    )
    points = 85.0


class ScoreCorrectionFactory(Base):
    class Meta:
        model = ScoreCorrection

    participant = factory.SubFactory(CampaignParticipantFactory, campaign__status="published")
    campaign_id = factory.LazyAttribute(lambda c: c.participant.campaign_id)
    indicator = factory.SubFactory(
        EvaluationIndicatorFactory, dimension__campaign=factory.SelfAttribute("...participant.campaign")
    )
    old_value = 10.0
    new_value = 12.0
    reason = "平台提交了遗漏的两项已验收订单的佐证。"


class ConflictDeclarationFactory(Base):
    class Meta:
        model = ConflictDeclaration

    expert = factory.SubFactory(UserFactory, role="expert")
    platform = factory.SubFactory(PlatformFactory)
    reason = "曾在该平台任职。"


class SelectionRoundFactory(Base):
    class Meta:
        model = SelectionRound

    year = factory.Sequence(lambda n: 2000 + n)
    title = factory.LazyAttribute(lambda r: f"{r.year} 年度中试典型案例遴选")
    status = "nominating"


class CaseNominationFactory(Base):
    """A submitted nomination in the 中试服务 category."""

    class Meta:
        model = CaseNomination

    round = factory.SubFactory(SelectionRoundFactory)
    platform = factory.SubFactory(PlatformFactory)
    category = "service"
    title = "锂电正极材料公斤级中试放大服务"
    problem = "企业实验室小试工艺放大后批次一致性差。"
    approach = "在 50 L 反应釜完成三批放大，优化烧结温度曲线。"
    results = "批次间容量偏差由 8% 降至 1.5%，企业已建成年产 500 吨产线。"
    status = "submitted"


class CaseReviewFactory(Base):
    """An expert's assignment to a nomination, not yet scored."""

    class Meta:
        model = CaseReview

    nomination = factory.SubFactory(CaseNominationFactory, round__status="reviewing")
    expert = factory.SubFactory(UserFactory, role="expert")


def campaign_from_template(year: int = 2025, status: str = "draft") -> EvaluationCampaign:
    """A campaign with the shipped indicator system (evaluation/template.py), in `status`."""
    from marketplace.evaluation.services import create_campaign

    admin = UserFactory(role="admin")
    campaign = create_campaign(admin, year)
    campaign.status = status
    db.session.flush()
    return campaign


ALL = [
    AnnouncementFactory,
    EventFactory,
    EventRegistrationFactory,
    OrganizationFactory,
    UserFactory,
    PlatformFactory,
    OfferingFactory,
    DemandFactory,
    ApiTokenFactory,
    LoginThrottleFactory,
    AttachmentFactory,
    DemandContactFactory,
    MatchFeedbackFactory,
    NotificationFactory,
    AuditLogFactory,
    SearchOutboxFactory,
    SearchHostFactory,
    OutboxReaderFactory,
    SearchVersionFactory,
    ChangeCounterFactory,
    SearchDeadLetterFactory,
    OutgoingMailFactory,
    BookingFactory,
    OfferingBlockFactory,
    ReviewFactory,
    InquiryFactory,
    ProposalFactory,
    MessageFactory,
    ThreadReadFactory,
    UnreadCountFactory,
    CalendarFeedFactory,
    EvaluationCampaignFactory,
    EvaluationDimensionFactory,
    EvaluationIndicatorFactory,
    CampaignParticipantFactory,
    IndicatorValueFactory,
    EvaluationAssignmentFactory,
    ExpertScoreFactory,
    ScoreCorrectionFactory,
    ConflictDeclarationFactory,
    SelectionRoundFactory,
    CaseNominationFactory,
    CaseReviewFactory,
    SubscriptionFactory,
    SubscriptionHitFactory,
    DemandFitFactory,
    GapActionFactory,
    FavouriteFactory,
]
