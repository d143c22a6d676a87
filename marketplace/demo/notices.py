"""Demo 通知公告 and events: what an official published lately and what platforms host in the coming
weeks (one past event for 往期活动), through the same services people use."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..announcements import services as announcements
from ..core.models import utcnow
from ..core.timeutil import local_today, local_zone
from ..events import services as events
from ..events.models import Event, EventStatus
from ..extensions import db
from ..platforms.models import Platform, PlatformStatus

#: (kind, title, issuer, body, days to the deadline or None, pinned)
ANNOUNCEMENTS = [
    (
        "policy",
        "《山东省制造业中试创新发展实施方案》政策解读",
        "山东省某工业主管部门",
        "方案提出，围绕重点产业链建设一批中试平台，推动技术成果有承接、中试需求有供给。\n\n"
        "方案要求建设中试信息服务机构，收集、整理、加工、传递中试平台信息，及时向社会及有需求的企业推送"
        "中试服务供需信息；对中试平台开展绩效评估，以研究开发、成果转化和共享服务绩效为核心。\n\n"
        "企业可在本平台发布中试需求、查看匹配的平台与资源并在线预约；平台可发布设备、场地、服务和工艺。",
        None,
        True,
    ),
    (
        "call",
        "关于开展年度省级中试平台认定申报工作的通知",
        "山东省某工业主管部门",
        "各有关单位：\n\n为加快中试平台建设，现组织开展年度省级中试平台认定申报工作。申报单位应在本平台完成"
        "平台信息填报并提交审核，资源、服务和收费标准应完整公开。\n\n请于申报截止日期前提交，逾期不予受理。",
        30,
        False,
    ),
    (
        "result",
        "上一年度中试平台绩效评价结果公示",
        "山东省某工业主管部门",
        "根据中试平台绩效评价办法，经平台自评、专家评审和综合评定，现将上一年度评价结果予以公示。"
        "结果详见“绩效评价结果”页面。\n\n公示期为 7 天。如有异议，请在公示期内通过平台消息或书面形式反映。",
        None,
        False,
    ),
    (
        "news",
        "全省中试平台供需对接会在济南举办",
        "山东省中试平台服务市场",
        "来自生物医药、新材料、高端装备等领域的平台与企业参加对接，现场发布中试需求并达成多项合作意向。",
        None,
        False,
    ),
]

#: (kind, title, days from today, start hour, hours long, place, capacity or None, description)
EVENTS = [
    (
        "open_day",
        "生物医药中试平台开放日：发酵与纯化中试线参观",
        9,
        9,
        4,
        "平台中试车间（入口处签到）",
        30,
        "参观 500L/5000L 发酵罐与纯化中试线，了解预约流程、收费标准与样品要求。\n\n适合有菌种放大、"
        "蛋白表达中试需求的企业技术负责人。",
    ),
    (
        "lecture",
        "前沿技术讲座：连续流反应工艺放大的关键问题",
        16,
        14,
        2,
        "线上 · 腾讯会议（报名后通知会议号）",
        None,
        "讲解微通道与管式连续流反应器的放大规律、安全评估与在线分析，并答疑。",
    ),
    (
        "competition",
        "中试创新创业大赛（初赛路演）",
        30,
        9,
        8,
        "平台报告厅",
        60,
        "面向有中试需求的技术成果团队：现场路演，评委点评，优胜项目可获中试服务支持。",
    ),
]


def _at(days: int, hour: int) -> datetime:
    return datetime.combine(local_today() + timedelta(days=days), time(hour), tzinfo=local_zone())


def seed_notices_and_events() -> dict[str, int]:
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.cn"))
    for kind, title, issuer, body, deadline_days, pinned in ANNOUNCEMENTS:
        notice = announcements.create(
            admin,
            {
                "kind": kind,
                "title": title,
                "issuer": issuer,
                "body": body,
                "deadline": local_today() + timedelta(days=deadline_days) if deadline_days else None,
                "source_url": "",
                "pinned": pinned,
            },
        )
        announcements.change_status(admin, notice, "publish")
    operator = db.session.scalar(select(User).where(User.email == "operator@demo.cn"))
    platform = db.session.scalar(
        select(Platform)
        .where(Platform.org_id == operator.org_id, Platform.status == PlatformStatus.APPROVED)
        .order_by(Platform.id)
        .limit(1)
    )
    hosted = []
    for kind, title, days, hour, hours, place, capacity, description in EVENTS:
        event = events.create_event(
            operator,
            platform,
            {
                "kind": kind,
                "title": title,
                "description": description,
                "starts_at": _at(days, hour),
                "ends_at": _at(days, hour) + timedelta(hours=hours),
                "city": platform.city,
                "place": place,
                "capacity": capacity,
                "registration_deadline": None,
            },
        )
        events.change_status(operator, event, "publish")
        hosted.append(event)
    # One past event, for 往期活动 (written directly: the services refuse a start in the past).
    started = utcnow() - timedelta(days=40)
    db.session.add(
        Event(
            platform_id=platform.id,
            created_by_id=operator.id,
            kind="training",
            title="中试安全管理与工艺放大培训",
            description="面向平台与企业技术人员的中试安全管理培训。",
            starts_at=started,
            ends_at=started + timedelta(hours=6),
            city=platform.city,
            place="平台培训室",
            capacity=40,
            status=EventStatus.PUBLISHED,
            published_at=started - timedelta(days=20),
        )
    )
    firm = db.session.scalar(select(User).where(User.email == "firm@demo.cn"))
    events.register(firm, hosted[0], {"phone": "0531-88880000", "note": ""})
    db.session.flush()
    return {"announcements": len(ANNOUNCEMENTS), "events": len(EVENTS) + 1}
