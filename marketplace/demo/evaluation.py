"""The demo's published and locked evaluation of last year (绩效评价), replayed through the real
services in this year's first months: the administrator creates the campaign in January and sets the
first year's targets, every approved platform's operators fill in the self-report with an evidence
file and submit it (one is returned for correction and submitted again, one submits late after an
extension), experts are assigned (those with a conflict are skipped), score in February, the results
are computed and published in March, one value is corrected after a platform's request, and the
campaign is locked in April.

How busy a platform was (`activity.vigour`) drives its bookings, its self-reported figures and the
experts' points alike, so the grades spread as a province's would."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..attachments.services import add_attachment
from ..core.timeutil import local_today, utcnow
from ..evaluation import assignments, results, self_report
from ..evaluation import services as evaluation
from ..evaluation.models import CampaignParticipant, EvaluationAssignment, EvaluationCampaign
from ..evaluation.self_report import EVIDENCE
from ..experts import services as experts_services
from ..extensions import db
from ..platforms.models import Platform
from .activity import _operator_of, vigour
from .timeline import Timeline, Upload, pdf, step, user

#: The first year's rules the administrator sets before opening the campaign (the province's platforms
#: are young: the shipped targets are for a mature network): {code: (target, description)}, scored
#: against the target ("target" rule).
FIRST_YEAR_TARGETS = {
    "conversions": (5, "本年度完成的预约和订单中，企业反馈“已量产”的项数；首年对标值 5 项，达到即得满分。"),
    "completed_work": (30, "本年度完成（含已验收）的对外预约和服务订单数；首年对标值 30 项，达到即得满分。"),
    "utilisation": (
        5,
        "可预约设备和场地的已预约机时 ÷ 开放机时（扣除停用时段，乘以可同时预约数）；首年对标值 5%，"
        "达到即得满分。",
    ),
}
DESCRIPTION = (
    "按照全省中试平台建设的有关要求，对认定的中试平台开展年度绩效评价。共享服务和成果转化指标"
    "由平台在本系统的预约、订单、评价和成效反馈自动计算，每项数值可查看计算过程；研究开发指标由平台自评"
    "填报并上传佐证材料；运行管理由专家综合评议。首年对服务企业实现转化、完成对外服务和设备利用率采用首年对标值。"
)
#: Experts who declared a conflict before the assignment: (email, platform ref, reason).
CONFLICTS = [
    ("expert-li@demo.cn", "demo-plat-014", "2023 年至 2024 年曾担任该平台所属公司的技术顾问。"),
    ("expert@demo.cn", "demo-plat-004", "近三年与该平台所属单位共同承担省重点研发计划项目。"),
]
#: The report returned for correction, and the platform that asked for an extension.
RETURNED = "demo-plat-007"
EXTENDED = "demo-plat-028"
#: The value corrected after publication: (platform ref, indicator code, reason).
CORRECTION = (
    "demo-plat-019",
    "patents",
    "平台提交复核申请：2025 年 12 月授权的 1 件发明专利因证书于次年 2 月送达而漏报。经核对专利证书和"
    "国家知识产权局授权公告，更正为 {new} 件。",
)
EXPERT_COMMENTS = {
    "high": [
        "平台运行规范，开放共享制度健全，服务企业数量和质量均居全省前列，建议作为示范平台推广经验。",
        "管理制度完善，专业团队稳定，对外服务响应及时，成果转化成效显著。",
    ],
    "mid": [
        "平台运行总体规范，服务有一定规模；建议进一步提高设备利用率，加强成果转化跟踪。",
        "制度较健全，服务质量得到企业认可；对外宣传和跨区域服务有待加强。",
        "基础条件较好，建议完善收费公示和服务流程，提升专职人员比例。",
    ],
    "low": [
        "平台对外服务量偏少，设备利用率低，管理制度执行不到位，建议限期整改。",
        "运行机制尚未理顺，专职人员不足，服务响应较慢，需加强管理。",
    ],
}


def _figures(rng: random.Random, level: float) -> dict[str, float]:
    """The self-reported figures of a platform of this vigour (less spread than its bookings)."""
    g = level**0.35
    return {
        "rd_spending": round(80 + 180 * g + rng.uniform(-30, 40), 1),
        "patents": max(0, round(g * 3 + rng.uniform(-1, 1.2))),
        "standards": max(0, round(g * 1.6 + rng.uniform(-0.7, 0.8))),
        "staff": max(4, round(10 + 12 * g + rng.uniform(-3, 4))),
    }


def _explanations(rng: random.Random, year: int, f: dict[str, float]) -> dict[str, str]:
    equipment = round(f["rd_spending"] * rng.uniform(0.3, 0.5), 1)
    people = round(f["rd_spending"] * rng.uniform(0.25, 0.35), 1)
    rest = round(f["rd_spending"] - equipment - people, 1)
    patents = (
        f"{year} 年以平台为第一专利权人获得授权发明专利 {f['patents']:g} 件，专利证书扫描件见佐证材料。"
        if f["patents"]
        else "本年度无新授权发明专利，另有 2 件发明专利申请处于实质审查阶段。"
    )
    groups = rng.randint(0, int(f["standards"]))
    standards = (
        f"主持或参与制定并发布标准 {f['standards']:g} 项，其中团体标准 {groups} 项、行业或地方标准 "
        f"{f['standards'] - groups:g} 项，标准文本首页见佐证材料。"
        if f["standards"]
        else "本年度无发布的标准，参与起草的 1 项团体标准已完成征求意见。"
    )
    return {
        "rd_spending": f"{year} 年平台研发经费支出 {f['rd_spending']:g} 万元，其中仪器设备购置 "
        f"{equipment:g} 万元、人员费用 {people:g} 万元、中试材料与能耗等 {rest:g} 万元，"
        "数据见年度财务审计报告。",
        "patents": patents,
        "standards": standards,
        "staff": f"年末在岗专职研发与中试服务人员 {f['staff']:g} 人，其中高级职称 "
        f"{max(1, round(f['staff'] * rng.uniform(0.2, 0.4)))} 人，人员名单见佐证材料。",
    }


def _evidence_file(participant: CampaignParticipant, year: int, f: dict[str, float]) -> Upload:
    lines = [
        f"{participant.platform.name}",
        f"{year} 年度绩效评价自评佐证材料（摘要）",
        f"一、研发经费支出：{f['rd_spending']:g} 万元（见年度财务审计报告）",
        f"二、授权发明专利：{f['patents']:g} 件（附专利证书）",
        f"三、主持或参与制定标准：{f['standards']:g} 项（附标准文本首页）",
        f"四、专职研发与中试人员：{f['staff']:g} 人（附人员名单）",
        "（演示数据：平台与数字均为虚构）",
    ]
    return Upload(pdf(lines), f"{year}年度绩效自评佐证材料.pdf")


def _fill(operator, participant: CampaignParticipant, figures: dict, texts: dict) -> None:
    entries = {code: {"value": figures[code], "explanation": texts[code]} for code in figures}
    self_report.save_self_report(operator, participant, entries)


def _tune(admin, campaign: EvaluationCampaign, deadline) -> None:
    """Before opening: description, deadline and the first year's targets."""
    evaluation.update_campaign(
        admin,
        campaign,
        {
            "title": campaign.title,
            "description": DESCRIPTION,
            "self_report_deadline": deadline,
            **campaign.grade_thresholds,
        },
    )
    for indicator in campaign.indicators:
        if indicator.code not in FIRST_YEAR_TARGETS:
            continue
        target, description = FIRST_YEAR_TARGETS[indicator.code]
        evaluation.update_indicator(
            admin,
            indicator,
            {
                "dimension_id": indicator.dimension_id,
                "code": indicator.code,
                "name": indicator.name,
                "description": description,
                "unit": indicator.unit,
                "weight": indicator.weight,
                "source": indicator.source,
                "rule": "target",
                "metric": indicator.metric,
                "target": float(target),
                "bands": evaluation.bands_text(indicator.bands),
                "higher_is_better": indicator.higher_is_better,
            },
        )


def _panel_size(index: int, level: float) -> int:
    """Flagships and every fourth platform get five or six experts (the trimming shows), others three."""
    if level >= 2 or index % 4 == 0:
        return 5 + index % 2
    return 3


def seed_evaluation(experts) -> dict[str, int]:
    """Last year's campaign, from its creation in January to its lock in April; the caller commits."""
    rng = random.Random(2026)
    admin = user("admin@demo.cn")
    year = local_today().year - 1
    t = Timeline(year + 1, (1, 4), (4, 15), utcnow())
    campaign = step(t.at(1, 4, 9, 30), lambda: evaluation.create_campaign(admin, year))
    deadline = t.day(1, 31)
    step(t.at(1, 4, 11), lambda: _tune(admin, campaign, deadline))
    step(t.at(1, 5, 9), lambda: evaluation.open_self_report(admin, campaign))
    participants = sorted(campaign.participants, key=lambda p: p.platform.ref)
    levels = vigour([p.platform.ref for p in participants])

    # Conflicts declared when the experts were asked, then the panels (the conflicts skipped).
    for email, ref, reason in CONFLICTS:
        platform = db.session.scalar(select(Platform).where(Platform.ref == ref))
        step(
            t.at(1, 12, 15),
            lambda e=user(email), p=platform, r=reason: experts_services.declare_conflict(e, p.id, r),
        )
    for index, participant in enumerate(participants):
        start = index % len(experts)
        size = _panel_size(index, levels[participant.platform.ref])
        panel = (experts + experts)[start : start + size]
        step(
            t.at(1, 20, 9 + index % 8),
            lambda p=participant, e=panel: assignments.assign_many(admin, campaign, e, [p]),
        )

    # Self-reports through January; one returned and corrected, one late after an extension.
    figures = {}
    for index, participant in enumerate(participants):
        ref = participant.platform.ref
        operator = _operator_of(participant.platform)
        figures[ref] = f = _figures(rng, levels[ref])
        if ref == RETURNED:  # utility-model patents counted as inventions, until returned
            f = {**f, "patents": f["patents"] + 2}
        texts = _explanations(rng, year, f)
        day = 29 if ref == EXTENDED else 8 + index * 20 // len(participants)
        moment = t.at(1, day, 9 + index % 9, 5 * (index % 12))
        step(moment, lambda o=operator, p=participant, fg=f, tx=texts: _fill(o, p, fg, tx))
        upload = _evidence_file(participant, year, f)
        step(moment, lambda o=operator, p=participant, u=upload: add_attachment(o, p, u, EVIDENCE))
        if ref == EXTENDED:
            until = max(t.day(2, 7), deadline + timedelta(days=1))
            reason = "平台年度财务审计报告尚未出具，同意延期一周。"
            step(
                t.at(1, 30, 16),
                lambda p=participant, u=until, r=reason: self_report.extend_deadline(admin, p, u, r),
            )
            moment = t.at(2, 5, 15)
        step(moment, lambda o=operator, p=participant: self_report.submit_self_report(o, p))
        if ref == RETURNED:
            comment = "授权发明专利中包含 2 件实用新型专利，请只填写发明专利并补充上传证书扫描件。"
            step(
                t.at(1, 22, 14), lambda p=participant, c=comment: self_report.return_self_report(admin, p, c)
            )
            fixed = figures[ref]
            texts = _explanations(rng, year, fixed)
            certificates = Upload(
                pdf(
                    [
                        participant.platform.name,
                        f"{year} 年度授权发明专利证书（{fixed['patents']:g} 件）",
                        "（演示数据）",
                    ]
                ),
                "发明专利证书扫描件.pdf",
            )
            step(t.at(1, 24, 10), lambda o=operator, p=participant, fg=fixed, tx=texts: _fill(o, p, fg, tx))
            step(
                t.at(1, 24, 10),
                lambda o=operator, p=participant, u=certificates: add_attachment(o, p, u, EVIDENCE),
            )
            step(t.at(1, 24, 10, 20), lambda o=operator, p=participant: self_report.submit_self_report(o, p))

    # The experts score in February: around what the platform shows, each with their own strictness.
    step(t.at(2, 10, 9), lambda: evaluation.start_review(admin, campaign))
    strictness = {e.id: rng.uniform(-4, 4) for e in experts}
    (judgement,) = assignments.expert_indicators(campaign)
    for index, assignment in enumerate(sorted(_assignments(campaign), key=lambda a: a.id)):
        level = levels[assignment.participant.platform.ref]
        base = 71 + 8 * min(level, 2.6)
        points = base + strictness[assignment.expert_id] + rng.uniform(-4, 4)
        if index % 11 == 0:
            points += rng.choice([-14, 12])  # an outlier: what the trimming is for
        points = round(max(30, min(99, points)) * 2) / 2
        band = "high" if points >= 85 else "mid" if points >= 65 else "low"
        comment = rng.choice(EXPERT_COMMENTS[band])
        step(
            t.at(2, 11 + index % 17, 9 + index % 9),
            lambda a=assignment, p=points, c=comment: assignments.save_scores(
                a.expert, a, {judgement.code: p}, c, submit=True
            ),
        )

    # Results: computed and checked, published, one value corrected, locked.
    step(t.at(3, 3, 10), lambda: evaluation.compute(admin, campaign))
    step(t.at(3, 10, 9), lambda: results.publish(admin, campaign))
    ref, code, reason = CORRECTION
    platform = db.session.scalar(select(Platform).where(Platform.ref == ref))
    new = figures[ref][code] + 1
    step(
        t.at(3, 25, 15),
        lambda: results.correct(admin, campaign, platform, code, new, reason.format(new=new)),
    )
    step(t.at(4, 15, 10), lambda: results.lock(admin, campaign))
    return {"evaluated": len(participants)}


def _assignments(campaign: EvaluationCampaign):
    return db.session.scalars(
        select(EvaluationAssignment).where(EvaluationAssignment.campaign_id == campaign.id)
    ).all()
