"""factory-boy factories: each builds a valid object by default, flushed into the test session."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from werkzeug.security import generate_password_hash

from marketplace.accounts.models import Organization, User
from marketplace.demands.models import Demand
from marketplace.extensions import db
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
    certifications = factory.LazyFunction(lambda: ["GMP"])
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
    window_end = factory.LazyFunction(lambda: date.today() + timedelta(days=60))
    deadline = factory.LazyFunction(lambda: date.today() + timedelta(days=60))
    confidential_detail = "菌株编号 ZS-42，诱导温度 25 ℃。"
    status = "open"
