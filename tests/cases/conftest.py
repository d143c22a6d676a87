"""A small world for the typical-case tests: a round taking nominations, an operator with an
approved platform and its completed work, another platform with its own, an administrator, experts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from marketplace.core.models import utcnow
from marketplace.core.timeutil import local_today
from tests import factories


@dataclass
class World:
    round: object
    admin: object
    operator: object
    platform: object
    done: object  #: a completed booking of `platform`
    other_platform: object
    other_done: object  #: a completed booking of `other_platform`


def done_booking(platform, **extra):
    offering = factories.OfferingFactory(platform=platform, title=extra.pop("title", "500 L 发酵罐"))
    return factories.BookingFactory(
        offering=offering, status="completed", completed_at=utcnow() - timedelta(days=30), **extra
    )


@pytest.fixture
def world(db):
    admin = factories.UserFactory(role="admin")
    operator = factories.UserFactory(role="operator")
    platform = factories.PlatformFactory(organization=operator.organization, name="青岛生物医药中试平台")
    other = factories.PlatformFactory(name="济南新材料中试平台", city="济南", domains=["新材料"])
    rnd = factories.SelectionRoundFactory(
        year=2025,
        status="nominating",
        nomination_deadline=local_today() + timedelta(days=10),
        quotas={"service": 1, "solution": 2, "application": 1},
    )
    other_done = done_booking(other, title="别家平台的涂层老化测试")
    w = World(rnd, admin, operator, platform, done_booking(platform), other, other_done)
    db.session.commit()
    return w


def nomination_data(w: World, **extra) -> dict:
    return {
        "category": "service",
        "title": "重组蛋白 500 L 发酵放大",
        "problem": "企业小试表达量高，放大后下降一半。",
        "approach": "在 500 L 发酵罐完成三批放大，优化补料策略。",
        "results": "表达量恢复到 3.2 g/L，企业建成 5 吨产线。",
        "evidence": [w.done.id],
        **extra,
    }
