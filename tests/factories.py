"""factory-boy factories: each builds a valid object by default, flushed into the test session."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import factory
from werkzeug.security import generate_password_hash

from marketplace.accounts.models import ApiToken, LoginThrottle, Organization, User
from marketplace.attachments.models import Attachment
from marketplace.core.models import AuditLog, OutgoingMail, utcnow
from marketplace.core.timeutil import local_today
from marketplace.demands.models import Demand, DemandContact
from marketplace.extensions import db
from marketplace.matching.models import SearchDeadLetter, SearchOutbox
from marketplace.notifications.models import Notification
from marketplace.offerings.models import Offering
from marketplace.platforms.models import Platform

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


ALL = [
    OrganizationFactory,
    UserFactory,
    PlatformFactory,
    OfferingFactory,
    DemandFactory,
    ApiTokenFactory,
    LoginThrottleFactory,
    AttachmentFactory,
    DemandContactFactory,
    NotificationFactory,
    AuditLogFactory,
    SearchOutboxFactory,
    SearchDeadLetterFactory,
    OutgoingMailFactory,
]
