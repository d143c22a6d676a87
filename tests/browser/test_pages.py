"""Every page, as each role sees it, on a phone (390 px) and on a desktop: no horizontal overflow of the
page, text that meets WCAG AA contrast, tables readable on a phone, search facets out of the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from marketplace.core.models import utcnow
from marketplace.coverage.models import DemandFit
from tests import factories
from tests.browser.test_flows import login
from tests.conftest import PASSWORD
from tests.factories import local_day, local_today

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

#: Pages each role opens: paths with {names} of the objects `world` makes.
PAGES = {
    "anonymous": [
        "/",
        "/platforms",
        "/platforms/{platform}",
        "/offerings",
        "/offerings?kind=equipment&sort=price_asc",
        "/offerings/{offering}",
        "/offerings/{service}",
        "/offerings/{offering}/book",
        "/demands",
        "/demands?q=发酵&domain=生物医药&sort=budget",
        "/demands/{demand}",
        "/search?q=发酵罐",
        "/unsubscribe/{unsubscribe_token}",
        "/statistics",
        "/unsubscribe/not-a-valid-token",
        "/search?q=发酵&scope=platform",
        "/account/login",
        "/account/register",
        "/account/forgot",
        "/account/reset/{reset_token}",
        "/api/v1/docs/",
        "/offerings/987654",  # the error page
        "/offerings/{offering}/calendar",
        "/offerings/{offering}/calendar?view=week&week={booked_day}",
        "/offerings/{hourly}/calendar?view=week&week={booked_day}",
        "/evaluation/",
        "/evaluation/2019/",
        "/evaluation/2019/?domain=management&city=淄博",
        "/evaluation/2019/platforms/plat-a",
        "/cases/",
        "/cases/?category=service&city=青岛",
        "/cases/{case}",
        "/events",
        "/events?when=past&kind=training",
        "/events/{event}",
        "/announcements",
        "/announcements?kind=call&q=认定",
        "/announcements/{announcement}",
    ],
    "firm": [
        "/events/{event}",
        "/my/events",
        "/my/calendar/feeds",
        "/my/demands",
        "/my/demands/new",
        "/my/demands/{demand}/edit",
        "/demands/{demand}",
        "/demands/{draft_demand}",
        "/notifications/",
        "/notifications/?category=subscription&unread=1",
        "/my/subscriptions",
        "/my/favourites",
        "/my/favourites?type=demand",
        "/compare?o={offering}&o={service}",
        "/search?q=发酵罐&city=青岛",
        "/platforms/{platform}",
        "/account/",
        "/account/password",
        "/offerings/{offering}/book",
        "/offerings/{hourly}/book",
        "/my/bookings",
        "/bookings/{booking}",
        "/bookings/{request}",
        "/workbench/",
        "/workbench/firm",
        "/messages/",
        "/messages/booking/{booking}",
        "/my/calendar",
        "/my/calendar?view=week&week={booked_day}",
        "/my/calendar/feeds",
        "/my/inquiries",
        "/my/inquiries/new?offering={service}",
        "/inquiries/{inquiry}",
        "/proposals/{proposal}",
        "/my/demands/{demand}/proposals",
        "/bookings/{order}",
    ],
    "operator": [
        "/my/events",
        "/events/{event}",
        "/my/events/{event}/edit",
        "/my/events/{event}/registrations",
        "/my/platforms/{platform}/events/new",
        "/my/platforms/",
        "/my/platforms/new",
        "/my/platforms/{platform}",
        "/my/platforms/{returned}",
        "/my/platforms/{platform}/edit",
        "/my/platforms/{platform}/offerings/new",
        "/my/offerings/{offering}",
        "/my/offerings/{offering}/blocks",
        "/platform/bookings",
        "/bookings/{booking}",
        "/bookings/{request}",
        "/demands/{demand}",
        "/notifications/",
        "/my/subscriptions",
        "/demands?domain=生物医药",
        "/account/",
        "/bookings/{booking}",
        "/workbench/",
        "/workbench/platforms/{platform}",
        "/workbench/platforms/{platform}?period=90",
        "/workbench/platforms/{platform}?from=2026-13-01&to=x",  # a bad period: 400, the page still readable
        "/messages/",
        "/messages/booking/{booking}",
        "/my/platforms/{platform}/schedule",
        "/my/platforms/{platform}/schedule?view=week&week={booked_day}",
        "/my/calendar/feeds",
        "/my/inquiries",
        "/inquiries/{inquiry}",
        "/inquiries/{inquiry}/quote",
        "/demands/{demand}/propose",
        "/proposals/{proposal}",
        "/my/self-reports",
        "/self-reports/{self_report}",
        "/self-reports/{submitted_report}",
        "/evaluation/{eval_year}/platforms/{platform_ref}/indicators/utilisation",
        "/evaluation/{eval_year}/platforms/{platform_ref}/indicators/revenue",
        "/my/cases/",
        "/my/cases/rounds/{open_round}/new",
        "/my/cases/{draft_case}",
        "/my/cases/{draft_case}/edit",
        "/my/cases/{case}",
    ],
    "admin": [
        "/admin/events",
        "/admin/events?status=draft",
        "/admin/announcements",
        "/admin/announcements/new",
        "/admin/announcements/{announcement}/edit",
        "/announcements/{announcement}",
        "/admin/",
        "/admin/reviews",
        "/admin/platforms",
        "/admin/platforms/{submitted}",
        "/admin/platforms/{platform}",
        "/admin/search",
        "/admin/match-feedback",
        "/admin/coverage",
        "/admin/coverage/unmet",
        "/admin/coverage/unmet?state=out_of_scope",
        "/admin/demands",
        "/admin/demands?status=open&q=发酵",
        "/admin/users",
        "/admin/users?role=firm&state=enabled",
        "/admin/organizations",
        "/platform/bookings",
        "/bookings/{booking}",
        "/workbench/",
        "/workbench/platforms/{platform}",
        "/my/platforms/{platform}/schedule",
        "/demands/{demand}",
        "/notifications/",
        "/inquiries/{inquiry}",
        "/proposals/{proposal}",
        "/admin/evaluation/experts",
        "/admin/evaluation/{review_year}/experts",
        "/admin/evaluation/{review_year}/experts/{review_participant}",
        "/admin/self-reports",
        "/admin/evaluations/{campaign}/self-reports",
        "/admin/evaluations/{campaign}/self-reports?status=submitted",
        "/self-reports/{self_report}",
        "/self-reports/{submitted_report}",
        "/admin/evaluation/",
        "/admin/evaluation/{eval_draft}",
        "/admin/evaluation/{eval_draft}/edit",
        "/admin/evaluation/{eval_draft}/dimensions/new",
        "/admin/evaluation/{eval_draft}/dimensions/{eval_dimension}",
        "/admin/evaluation/{eval_draft}/indicators/new",
        "/admin/evaluation/{eval_draft}/indicators/{eval_indicator}",
        "/admin/evaluation/{eval_year}",
        "/admin/evaluation/{eval_year}/results",
        "/evaluation/{eval_year}/platforms/{platform_ref}/indicators/completed_work",
        "/evaluation/{eval_year}/platforms/{platform_ref}/indicators/expert_judgement",
        "/evaluation/",
        "/evaluation/2019/",
        "/evaluation/2019/platforms/plat-c",
        "/evaluation/2019/platforms/plat-c/correct",
        "/evaluation/2020/",
        "/admin/cases/",
        "/admin/cases/new",
        "/admin/cases/{review_round}",
        "/admin/cases/{draft_round}/edit",
        "/admin/cases/{review_round}/ranking",
        "/admin/cases/nominations/{reviewed_case}",
    ],
    "expert": [
        "/",
        "/account/",
        "/notifications/",
        "/expert/",
        "/expert/conflicts",
        "/expert/conflicts?q=山东",
        "/expert/evaluation/{review_assignment}",
        "/expert/evaluation/{review_submitted}",
        "/self-reports/{submitted_report}",
        "/expert/cases/{case_review}",
        "/expert/cases/{done_review}",
    ],
}

#: GET endpoints that are not pages (JSON, files, redirects).
NOT_PAGES = {
    "static",
    "attachments.serve",
    "api_docs.assets",
    "catalog.dashboard",
    "calendar.feed",
    "evaluation_results.export_xlsx",
    "demands.feedback_qrels",
    "feeds.offerings",  # Atom, not pages (tests/subscriptions/test_feeds.py reads them back)
    "feeds.platform_offerings",
    "feeds.demands",
    "feeds.announcements",
    "events.ical",  # an .ics file (tests/events/test_events.py reads it back)
    "notifications.open_notice",  # marks a notice read and redirects to its link
    "coverage.download_csv",  # downloads (tests/coverage/test_pages.py reads them back)
    "coverage.download_xlsx",
}

LONG = "超长名称测试" * 6


@pytest.fixture
def world(db):
    """One of everything a page can show, with long names and values, and a user of each role."""
    users = {role: factories.UserFactory(role=role) for role in ("firm", "operator", "admin", "expert")}
    operator, firm = users["operator"], users["firm"]
    platform = factories.PlatformFactory(
        organization=operator.organization,
        name=f"山东省{LONG}生物医药中试平台",
        domains=["生物医药", "高端化工", "食品", "新材料"],
        certifications=["GMP", "CNAS", "CMA", "ISO9001:2015"],
        description="面向生物医药企业的发酵与纯化中试平台。" * 8,
        contact_email="contact.person.with.a.long.name@pilot-platform.example.cn",
        address="山东省济南市高新区" + "某某路" * 10 + "1号",
    )
    offering = factories.OfferingFactory(
        platform=platform,
        title=f"500 L 不锈钢机械搅拌发酵罐 {LONG}",
        specs={
            "容积": "500 L",
            "材质": "316L",
            "控制系统": "DCS/PLC/SCADA-OPC-UA-Modbus-TCP-Profinet-EtherCAT-CANopen",
            "标准": "GB/T19001-2016/ISO9001:2015/ISO14001:2015/ISO45001:2018",
        },
        model="FJ-500-SS316L-DCS-2026-EXTENDED-MODEL-NUMBER",
    )
    factories.AttachmentFactory(owner=offering)
    service = factories.OfferingFactory(
        platform=platform, kind="service", title="冻干制剂处方开发", price_amount=None, price_unit=None
    )
    returned = factories.PlatformFactory(
        organization=operator.organization, name="退回的平台", status="returned"
    )
    factories.PlatformFactory(organization=operator.organization, name="草稿平台", status="draft")
    submitted = factories.PlatformFactory(status="submitted", submitted_at=utcnow() - timedelta(days=4))
    factories.PlatformFactory(status="submitted", submitted_at=utcnow() - timedelta(hours=2))
    demand = factories.DemandFactory(
        organization=firm.organization, created_by_id=firm.id, title=f"重组蛋白发酵 {LONG}"
    )
    factories.DemandContactFactory(demand=demand, platform=platform)
    factories.MatchFeedbackFactory(demand=demand, offering=offering, useful=False, reason=LONG * 3, score=0.5)
    draft_demand = factories.DemandFactory(organization=firm.organization, status="draft", title="草稿需求")
    db.session.add(  # waiting for a good match for ten days: on the administrators' unmet list
        DemandFit(
            demand_id=demand.id,
            best_fit=0.1,
            best_offering_id=offering.id,
            unmet_since=utcnow() - timedelta(days=10),
        )
    )
    judged = factories.DemandFactory(organization=firm.organization, title=f"文物保护材料研究 {LONG}")
    factories.GapActionFactory(demand_id=judged.id, action="out_of_scope", note="不属于中试服务范围。" * 5)
    firm.phone, operator.phone = "0531-88888888 转 1234", "13900001111"
    inquiry = factories.InquiryFactory(
        offering=service,
        platform_id=platform.id,
        created_by=firm,
        demand=demand,
        status="accepted",
        requires_nda=True,
        nda_accepted_at=utcnow(),
        nda_accepted_by_id=operator.id,
        subject=f"冻干制剂处方开发咨询 {LONG}",
        body="请问能否承接？" * 20,
    )
    factories.AuditLogFactory(
        object_type="inquiry",
        object_id=inquiry.id,
        old_state="open",
        new_state="accepted",
        actor_id=operator.id,
    )
    proposal = factories.ProposalFactory(
        demand=demand, platform=platform, title=f"500 L 发酵放大方案 {LONG}", offering=offering
    )
    order = factories.BookingFactory(
        kind="order",
        offering=None,
        platform_id=platform.id,
        requested_by=firm,
        org_id=firm.org_id,
        proposal_id=proposal.id,
        title=proposal.title,
        start_at=None,
        end_at=None,
        terms="方案内容",
        status="accepted",
    )
    factories.ProposalFactory(demand=demand, title="竞争方案", price_amount=None, lead_time_days=None)
    factories.ProposalFactory(
        demand=demand,
        inquiry=inquiry,
        platform=platform,
        title="报价",
        status="declined",
        decline_reason="价格偏高" * 10,
    )
    for user in users.values():
        factories.NotificationFactory(user_id=user.id, message=f"您的平台“{platform.name}”已通过审核。")
    factories.ApiTokenFactory(user=firm, name=f"ERP 对接 {LONG}")
    hourly = factories.OfferingFactory(
        platform=platform,
        title=f"200 L 反应釜 {LONG}",
        price_unit="hour",
        price_amount=300.0,
        booking_capacity=2,
        opening_hours=[{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)],
    )
    booking = factories.BookingFactory(
        offering=offering,
        requested_by=firm,
        status="completed",
        note="需要氮气保护，样品提前两天寄到。" * 5,
        completion_report="三批次发酵均达到目标表达量，详见附件报告。" * 4,
        completed_at=utcnow(),
    )
    factories.AttachmentFactory(
        owner=booking, filename=f"完成报告-{LONG}.pdf", content_type="application/pdf"
    )
    factories.ReviewFactory(booking=booking, comment="响应及时，数据完整。" * 6, reply="感谢您的信任。" * 4)
    request = factories.BookingFactory(
        offering=hourly, requested_by=firm, status="requested", title=hourly.title
    )
    request.created_at = utcnow() - timedelta(days=2)
    factories.OfferingBlockFactory(offering=offering, reason=f"设备年度维护 {LONG}")
    _bookings_and_inquiries(platform, offering, service, firm, demand)
    for start, end, status in ((9, 12, "accepted"), (10, 12, "accepted"), (13, 15, "requested")):
        factories.BookingFactory(
            offering=hourly, start_at=local_day(10, start), end_at=local_day(10, end), status=status
        )
    factories.OfferingBlockFactory(offering=hourly, start_at=local_day(11, 8), end_at=local_day(11, 12))
    factories.MessageFactory(thread_id=booking.id, author_id=operator.id, body="请确认样品寄送时间。" * 20)
    message = factories.MessageFactory(thread_id=booking.id, author_id=firm.id, body=LONG)
    factories.AttachmentFactory(owner=message, filename=f"检测报告{LONG}.png")
    factories.CalendarFeedFactory(user=firm)
    saved = factories.SubscriptionFactory(user=firm, name=f"发酵罐 · {LONG}")
    factories.SubscriptionFactory(
        user=firm,
        kind="platform",
        target=str(platform.id),
        platform_id=platform.id,
        name=platform.name,
        query=None,
    )
    factories.NotificationFactory(
        user_id=firm.id,
        category="subscription",
        message=f"保存的搜索“发酵罐”有新的中试资源：{LONG}",
        link="/offerings/1",
    )
    review = _expert_review(users["expert"], platform, submitted)
    self_report, submitted_report, campaign = _self_reports(platform, returned, users)
    evaluation = _evaluation(users["admin"])
    _evaluation_results()
    case_ids = _cases(platform, booking, users)
    event = factories.EventFactory(
        platform=platform,
        title=f"前沿技术讲座：连续流反应工艺放大 {LONG}",
        place="山东省济南市高新区" + "某某路" * 10 + "1号报告厅",
        description="讲解连续流反应器放大。" * 20,
    )
    factories.EventRegistrationFactory(event=event, user=firm, note=LONG)
    announcement = factories.AnnouncementFactory(
        title=f"关于开展省级中试平台认定申报工作的通知 {LONG}",
        body="各有关单位：\n\n" + "现组织开展认定申报工作。" * 30,
        deadline=local_today() + timedelta(days=30),
        source_url="https://example.cn/" + "very-long-path/" * 8 + "notice.pdf",
    )
    db.session.commit()
    from marketplace.accounts.services import _reset_serializer

    reset_token = _reset_serializer().dumps({"uid": firm.id, "h": firm.password_hash[-16:]})
    from marketplace.subscriptions.services import unsubscribe_token

    with current_app.test_request_context():
        unsubscribe = unsubscribe_token(firm, [saved.id])
    ids = {
        "event": event.id,
        "announcement": announcement.id,
        "platform": platform.id,
        "offering": offering.id,
        "service": service.id,
        "returned": returned.id,
        "submitted": submitted.id,
        "demand": demand.id,
        "draft_demand": draft_demand.id,
        "inquiry": inquiry.id,
        "proposal": proposal.id,
        "order": order.id,
        "reset_token": reset_token,
        "unsubscribe_token": unsubscribe,
        "hourly": hourly.id,
        "booking": booking.id,
        "request": request.id,
        "booked_day": local_day(10).date().isoformat(),
        **{name: obj.id for name, obj in review.items()},
        "review_year": 2025,
        "self_report": self_report.id,
        "submitted_report": submitted_report.id,
        "campaign": campaign.id,
        "platform_ref": platform.ref,
        **evaluation,
        **case_ids,
    }
    return users, ids


def _expert_review(expert, platform, other_platform):
    """A campaign in expert review: the expert's assignment to score, one submitted, five experts'
    scores on the platform (the trimmed mean), a declared conflict; long names and comments."""
    from marketplace.evaluation.models import EvaluationAssignment, ExpertScore
    from marketplace.extensions import db

    campaign = factories.campaign_from_template(2025, "expert_review")
    participant = factories.CampaignParticipantFactory(
        campaign=campaign, platform=platform, status="submitted"
    )
    other = factories.CampaignParticipantFactory(
        campaign=campaign, platform=factories.PlatformFactory(name=f"青岛{LONG}海洋生物中试平台")
    )
    judgement = next(i for i in campaign.indicators if i.source == "expert")
    for indicator in campaign.indicators:
        if indicator.source == "self_reported":
            factories.IndicatorValueFactory(
                participant=participant, indicator=indicator, value=1234.5, evidence="见审计报告第 3 页。" * 6
            )
    factories.AttachmentFactory(owner=participant, filename=f"2025 年度审计报告-{LONG}.pdf")
    mine = EvaluationAssignment(campaign_id=campaign.id, participant=participant, expert=expert)
    done = EvaluationAssignment(
        campaign_id=campaign.id, participant=other, expert=expert, submitted_at=utcnow(), comment=LONG * 3
    )
    done.scores.append(ExpertScore(indicator=judgement, points=88.5))
    for points in (60, 75.5, 80, 92, 99):
        colleague = factories.UserFactory(role="expert", name=f"专家{LONG}")
        row = EvaluationAssignment(
            campaign_id=campaign.id,
            participant=participant,
            expert=colleague,
            submitted_at=utcnow(),
            comment="平台运行规范，开放共享制度完善。" * 5,
        )
        row.scores.append(ExpertScore(indicator=judgement, points=points))
        db.session.add(row)
    db.session.add_all([mine, done])
    factories.ConflictDeclarationFactory(
        expert=expert, platform=other_platform, reason="曾在该平台任职。" * 8
    )
    db.session.flush()
    return {"review_participant": participant, "review_assignment": mine, "review_submitted": done}


def _evaluation(admin):
    """A campaign of this year computed from the world's bookings, and next year's draft."""
    from marketplace.evaluation import services as evaluation

    year = local_today().year
    campaign = factories.campaign_from_template(year)
    campaign.self_report_deadline = local_today()
    evaluation.open_self_report(admin, campaign)
    campaign.self_report_deadline = local_today() - timedelta(days=1)  # self-reports closed
    evaluation.start_review(admin, campaign)
    evaluation.compute(admin, campaign)
    draft = factories.campaign_from_template(year + 1)
    draft.indicators[0].weight = 5  # the editor says the weights do not sum to 100
    return {
        "eval_year": year,
        "eval_draft": draft.year,
        "eval_dimension": draft.dimensions[0].id,
        "eval_indicator": draft.indicators[-1].id,
    }


def _cases(platform, booking, users) -> dict:
    """Typical cases: a published round with a selected case, one in review with an expert's open and
    submitted reviews, one taking nominations with a draft, and a draft round."""
    from marketplace.core.timeutil import local_today

    booking.confirmed_at = utcnow()
    text = "在 500 L 发酵罐完成三批放大，优化补料策略与溶氧控制，" * 6
    published = factories.SelectionRoundFactory(year=2024, status="published", published_at=utcnow())
    case = factories.CaseNominationFactory(
        round=published, platform=platform, status="selected", title=f"重组蛋白发酵放大 {LONG}", approach=text
    )
    case.evidence = [booking]
    review_round = factories.SelectionRoundFactory(
        year=2025, status="reviewing", title=f"2025 年度遴选 {LONG}"
    )
    reviewed = factories.CaseNominationFactory(round=review_round, platform=platform, title=f"评审中 {LONG}")
    reviewed.evidence = [booking]
    other = factories.CaseNominationFactory(
        round=review_round, platform=platform, category="solution", score=81.25
    )
    open_review = factories.CaseReviewFactory(nomination=reviewed, expert=users["expert"], innovation=88)
    done_review = factories.CaseReviewFactory(
        nomination=other,
        expert=users["expert"],
        innovation=90,
        demonstration=80,
        replicability=75,
        effect=80,
        comment="可复制性强，建议推广。" * 5,
        submitted_at=utcnow(),
    )
    factories.CaseReviewFactory(nomination=reviewed)
    factories.ConflictDeclarationFactory(platform=platform, expert__name=f"回避专家 {LONG}")
    open_round = factories.SelectionRoundFactory(
        year=2026, nomination_deadline=local_today() + timedelta(days=20), description="面向全省征集。" * 10
    )
    draft_case = factories.CaseNominationFactory(
        round=open_round, platform=platform, status="draft", title=f"草稿案例 {LONG}", results=text
    )
    draft_case.evidence = [booking]
    draft_round = factories.SelectionRoundFactory(year=2027, status="draft")
    return {
        "case": case.id,
        "review_round": review_round.id,
        "reviewed_case": reviewed.id,
        "case_review": open_review.id,
        "done_review": done_review.id,
        "open_round": open_round.id,
        "draft_case": draft_case.id,
        "draft_round": draft_round.id,
    }


def _bookings_and_inquiries(platform, offering, service, firm, demand):
    """Dashboards' rows: waiting (one overdue), scheduled, done and rated work, inquiries, proposals."""
    now = utcnow()
    offering.booking_capacity = 3
    factories.BookingFactory(
        offering=offering, requested_by=firm, status="requested", created_at=now - timedelta(hours=30)
    )
    factories.BookingFactory(offering=offering, requested_by=firm, start_at=now + timedelta(days=2))
    done = factories.BookingFactory(
        offering=offering,
        requested_by=firm,
        status="completed",
        start_at=now - timedelta(days=5),
        end_at=now - timedelta(days=4),
        completed_at=now - timedelta(days=4),
        price_amount=1234567.5,
    )
    factories.ReviewFactory(booking__offering=offering, booking__requested_by=firm, comment=LONG)
    factories.BookingFactory(
        offering=None,
        platform_id=platform.id,
        requested_by=firm,
        kind="order",
        title=f"样品试制订单 {LONG}",
        status="in_progress",
        price_amount=None,
    )
    factories.InquiryFactory(offering=service, created_by=firm, subject=f"咨询 {LONG}", demand=demand)
    factories.ProposalFactory(demand=demand, platform=platform, title=f"发酵放大方案 {LONG}")
    factories.ProposalFactory(demand=demand, platform=platform, status="declined")
    return done


def _self_reports(platform, other, users):
    """A campaign taking self-reports: one returned for correction (with an extension), one submitted
    with its evidence and assigned to the expert."""
    campaign = factories.campaign_from_template(2024, status="self_report")
    campaign.self_report_deadline = local_day(20).date()
    returned = factories.CampaignParticipantFactory(
        campaign=campaign,
        platform=platform,
        status="returned",
        return_comment="研发经费应为全口径支出，请补充审计报告并说明横向课题经费的计入口径。" * 2,
        extended_until=local_day(30).date(),
    )
    submitted = factories.CampaignParticipantFactory(
        campaign=campaign, platform=other, status="submitted", submitted_at=utcnow()
    )
    for participant in (returned, submitted):
        for indicator in campaign.indicators:
            figure = 12345678.5 if indicator.code == "rd_spending" else 28
            factories.IndicatorValueFactory(
                participant=participant,
                indicator=indicator,
                value=figure if indicator.source == "self_reported" else None,
                evidence=f"依据 2025 年度审计报告第 12 页 {LONG}"
                if indicator.source == "self_reported"
                else "",
            )
        factories.AttachmentFactory(
            owner=participant,
            purpose="evidence",
            filename=f"审计报告-{LONG}.pdf",
            content_type="application/pdf",
        )
    factories.AuditLogFactory(
        object_type="evaluation_self_report",
        object_id=returned.id,
        old_state="submitted",
        new_state="returned",
        reason=returned.return_comment,
    )
    factories.AuditLogFactory(
        object_type="evaluation_self_report",
        object_id=returned.id,
        old_state="returned",
        new_state="returned",
        details={"action": "extend", "extended_until": returned.extended_until.isoformat(), "previous": None},
    )
    factories.EvaluationAssignmentFactory(
        participant=submitted, campaign_id=campaign.id, expert=users["expert"]
    )
    return returned, submitted, campaign


def _evaluation_results():
    """A published campaign (2019) with a long platform name, a follow-up flag and a correction; a
    computed one (2020) that administrators preview."""
    from marketplace.evaluation import results
    from tests.evaluation.results_world import computed_campaign

    campaign, participants = computed_campaign(2019, status="published")
    participants["plat-a"].platform.name = f"山东省{LONG}绿色化工中试平台"
    participants["plat-c"].flags = ["fail_twice", "no_self_report"]
    admin = factories.UserFactory(role="admin")
    results.correct(
        admin, campaign, participants["plat-c"].platform, "rd_spending", 1000, "审计报告更正。" * 8
    )
    computed_campaign(2020, refs=("plat-d", "plat-e", "plat-f"))


def test_the_page_list_covers_every_page_of_the_site(app):
    """A new page fails here until it is added to PAGES (and so checked on a phone)."""
    adapter = app.url_map.bind("localhost")
    listed = set()
    for paths in PAGES.values():
        for path in paths:
            try:
                endpoint, _ = adapter.match(path.split("?")[0].format_map(_AnyId()), method="GET")
            except (NotFound, MethodNotAllowed, RequestRedirect):
                continue
            listed.add(endpoint)
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in NOT_PAGES and not rule.endpoint.startswith("api")
    } | {"api_docs.docs"}
    assert pages - listed == set()


class _AnyId(dict):
    def __missing__(self, key):
        return "1"


#: Names an element in a message: tag, classes and the start of its text.
DESCRIBE_JS = """const describe = (el) => el.tagName.toLowerCase()
  + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
  + ' "' + (el.textContent || '').trim().slice(0, 24) + '"';
"""

#: In the page: the elements sticking out to the right of the viewport (outside scrollable boxes).
OVERFLOW_JS = (
    """() => {
"""
    + DESCRIBE_JS
    + """
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const scrollable = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1 && !scrollable(el)) {
      out.push(describe(el) + ' right=' + Math.round(r.right));
    }
  }
  const wide = document.documentElement.scrollWidth;
  return 'page ' + wide + ' px wide in ' + width + ': ' + out.slice(0, 6).join('; ');
}"""
)

#: In the page: text whose contrast with what is behind it is below WCAG AA (4.5:1, 3:1 for large text).
CONTRAST_JS = (
    """() => {
"""
    + DESCRIBE_JS
    + """
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => {
    const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  const blend = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const backgrounds = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage !== 'none') {
        const stops = (s.backgroundImage.match(/rgba?\\([^)]+\\)/g) || []).map(parse);
        if (stops.length) { layers.push(stops); break; }
      }
      const c = parse(s.backgroundColor);
      if (c && c[3] > 0) { layers.push([c]); if (c[3] >= 1) break; }
    }
    let bases = [[255, 255, 255, 1]];
    for (const stops of layers.reverse()) bases = stops.flatMap((st) => bases.map((b) => blend(st, b)));
    return bases;
  };
  const failures = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    if (el.closest('option, script, style, noscript, :disabled')) continue;
    const rect = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (rect.width <= 1 || rect.height <= 1 || s.visibility === 'hidden') continue;
    const fg = parse(s.color);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (parseInt(s.fontWeight, 10) >= 700 && size >= 18.66);
    for (const bg of backgrounds(el)) {
      const r = ratio(fg[3] < 1 ? blend(fg, bg) : fg, bg);
      if (r < (large ? 3 : 4.5)) {
        const behind = 'rgb(' + bg.slice(0, 3).map(Math.round) + ')';
        failures.push(describe(el) + ' ' + s.color + ' on ' + behind + ' = ' + r.toFixed(2) + ':1');
        break;
      }
    }
  }
  return failures.slice(0, 8);
}"""
)

#: On a phone: table cells squeezed narrower than four characters while their text is longer.
SQUEEZED_CELLS_JS = """() => Array.from(document.querySelectorAll('td, th')).filter((cell) => {
  const text = cell.textContent.trim();
  const em = parseFloat(getComputedStyle(cell).fontSize);
  return text.length > 4 && cell.getBoundingClientRect().width < 4 * em;
}).map((cell) => '"' + cell.textContent.trim().slice(0, 20) + '" '
  + Math.round(cell.getBoundingClientRect().width) + ' px').slice(0, 6)"""


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_fits_a_phone_and_its_text_is_readable(page, live_server, world, role):
    users, ids = world
    if role != "anonymous":
        login(page, live_server, users[role].email, PASSWORD)
        page.wait_for_url(lambda url: "/account/login" not in url)
    problems = []
    for path in PAGES[role]:
        url = live_server + path.format(**ids)
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            response = page.goto(url)
            expected = (
                404
                if path == "/offerings/987654"
                else 400
                if ("2026-13-01" in path or "not-a-valid" in path)
                else 200
            )
            if response.status != expected:
                problems.append(f"{path} ({name}): status {response.status}")
                continue
            if path == "/api/v1/docs/":  # every operation opened, as a reader of the docs would
                page.wait_for_selector(".opblock-summary")
                # one click each, all in one go (dozens of clicks, each waiting for the page to settle
                # after the last one's rendering, outlast the click timeout on a busy machine)
                total = page.eval_on_selector_all(
                    ".opblock-summary",
                    "all => { all.forEach(e => (e.querySelector('.opblock-summary-control') || e).click());"
                    " return all.length; }",
                )
                page.wait_for_function(
                    "n => document.querySelectorAll('.opblock.is-open').length >= n",
                    arg=total,
                    timeout=90_000,
                )
                page.wait_for_selector(".parameters-container")
            if name == "phone":
                if overflow := page.evaluate(OVERFLOW_JS):
                    problems.append(f"{path} (phone): {overflow}")
                if squeezed := page.evaluate(SQUEEZED_CELLS_JS):
                    problems.append(f"{path} (phone): table cells squeezed: {squeezed}")
            if low := page.evaluate(CONTRAST_JS):
                problems.append(f"{path} ({name}): contrast below WCAG AA: {low}")
    assert not problems, "\n".join(problems)


def test_search_results_come_before_the_facets_on_a_phone(page, live_server, world):
    """About 25 facet lines came before the first search result on a phone."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/search?q=发酵罐")
    first_hit = page.locator(".hit").first.bounding_box()
    assert first_hit["y"] < PHONE["height"] / 2  # the first result is on the first screen, near the top
    facets = page.locator("details.facets")
    assert not facets.evaluate("d => d.open")
    facets.locator("summary").click()  # one tap shows them
    assert page.locator(".facets a", has_text="生物医药").first.is_visible()

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server}/search?q=发酵罐")
    assert page.locator("details.facets").evaluate("d => d.open")  # open beside the results on a wide screen
    assert page.locator(".facets a", has_text="生物医药").first.is_visible()


def test_a_disabled_button_looks_disabled(page, live_server, world):
    """Found by trying it: the disabled 开放自评填报 looked and hovered like a live button."""
    page.goto(f"{live_server}/")
    page.evaluate(
        "() => { for (const on of [false, true]) { const b = document.createElement('button');"
        " b.className = 'btn'; b.disabled = on; b.id = on ? 'off' : 'on'; b.textContent = '按钮';"
        " document.querySelector('main').append(b); } }"
    )
    style = "(b) => [getComputedStyle(b).opacity, getComputedStyle(b).cursor]"
    assert page.locator("#on").evaluate(style) == ["1", "pointer"]
    assert page.locator("#off").evaluate(style) == ["0.5", "not-allowed"]
