"""Self-report endpoints: read and fill a platform's self-report of one year, and submit it. The same
service and rules as the pages: a figure out of bounds or missing is a 422 naming `values.<code>.value`;
the phase, a submitted report or a passed deadline is a 409; another platform's report is a 404."""

from __future__ import annotations

from contextlib import contextmanager

from flask import Flask, url_for
from flask.views import MethodView
from flask_smorest import abort

from ..api import Blueprint, refusals
from ..api.auth import domain_errors, token_required, token_user
from ..attachments import services as attachment_services
from ..core.errors import DomainError
from ..extensions import db
from . import self_report as services
from .models import CampaignParticipant
from .self_report_schemas import SelfReportIn, SelfReportOut

blp = Blueprint("api_self_reports", __name__, url_prefix="/evaluations", description="绩效评价：平台自评填报")
TOKEN = [{"bearer": []}]
REFUSALS = {
    401: "缺少或无效的 API 令牌",
    403: "只有该平台的运营方可以填报和提交自评（管理员和评审专家只读）",
    404: "该年度评价或平台不存在，或调用者无权查看该平台的自评",
    409: "与当前状态冲突：不在自评填报阶段、自评已提交，或已过提交截止日期（逾期提交需管理员延期）",
}


def init_app(app: Flask) -> None:
    from ..api import register_blueprint

    register_blueprint(blp)


def _field(name: str) -> str:
    """The service's field names as the API's body names them."""
    for prefix, key in (("value_", "value"), ("explanation_", "explanation")):
        if name.startswith(prefix):
            return f"values.{name.removeprefix(prefix)}.{key}"
    return name


@contextmanager
def _api_fields():
    try:
        yield
    except DomainError as exc:
        exc.errors = [(_field(name), message) for name, message in exc.errors]
        raise


def _participant(year: int, platform_ref: str) -> CampaignParticipant:
    return services.get_by_year_and_platform(token_user(), year, platform_ref)


def _operator_only(participant: CampaignParticipant) -> None:
    if not services.is_operator_of(token_user(), participant):
        abort(403, message="只有该平台的运营方可以填报和提交自评。")


def _out(participant: CampaignParticipant) -> dict:
    user = token_user()
    return {
        "year": participant.campaign.year,
        "campaign_title": participant.campaign.title,
        "campaign_phase": str(participant.campaign.status),
        "platform_ref": participant.platform.ref,
        "platform_name": participant.platform.name,
        "status": str(participant.status),
        "status_label": participant.status_label,
        "deadline": participant.deadline,
        "extended_until": participant.extended_until,
        "submitted_at": participant.submitted_at,
        "return_comment": participant.return_comment or "",
        "editable": services.can_edit(user, participant),
        "values": {
            indicator.code: {
                "name": indicator.name,
                "unit": indicator.unit,
                "description": indicator.description,
                "value": value.value if value is not None else None,
                "explanation": value.evidence if value is not None else "",
            }
            for indicator, value in services.rows(participant)
        },
        "evidence": [
            {
                "id": a.id,
                "filename": a.filename,
                "url": url_for("attachments.serve", attachment_id=a.id, _external=True),
            }
            for a in attachment_services.visible(user, participant, services.EVIDENCE)
        ],
    }


@blp.route("/<int:year>/self-reports/<platform_ref>")
class SelfReportItem(MethodView):
    @blp.doc(
        security=TOKEN,
        description="平台运营方、管理员和分配给该平台的评审专家可读；其他人（包括其他平台）返回 404。",
    )
    @blp.response(200, SelfReportOut)
    @refusals(blp, REFUSALS, 401, 404)
    @token_required
    @domain_errors
    def get(self, year: int, platform_ref: str):
        """A platform's self-report of one year: each self-reported indicator's value and explanation,
        the evidence files, status and deadline."""
        return _out(_participant(year, platform_ref))

    @blp.doc(
        security=TOKEN,
        description="保存草稿：只改给出的指标，可留空（null）。数值超出范围或计数单位不是整数时返回 422，"
        "错误指明 values.<代码>.value；不在自评填报阶段或自评已提交时返回 409。",
    )
    @blp.arguments(SelfReportIn)
    @blp.response(200, SelfReportOut)
    @refusals(blp, REFUSALS, 401, 403, 404, 409)
    @token_required
    @domain_errors
    def put(self, payload, year: int, platform_ref: str):
        """Save the platform's figures and explanations as a draft (its operators)."""
        participant = _participant(year, platform_ref)
        _operator_only(participant)
        with _api_fields():
            services.save_self_report(token_user(), participant, payload["values"])
        db.session.commit()
        return _out(participant)


@blp.route("/<int:year>/self-reports/<platform_ref>/submit")
class SelfReportSubmit(MethodView):
    @blp.doc(
        security=TOKEN,
        description="提交已保存的自评。每个自评指标都须有数值（0 也是数值），"
        "有非零数值时须已在网站上传佐证材料，否则返回 422 指明字段；"
        "截止日期（北京时间当天 24 时）已过、不在填报阶段或已提交时返回 409。",
    )
    @blp.response(200, SelfReportOut)
    @refusals(blp, REFUSALS, 401, 403, 404, 409)
    @token_required
    @domain_errors
    def post(self, year: int, platform_ref: str):
        """Submit the platform's self-report (its operators), before the deadline."""
        participant = _participant(year, platform_ref)
        _operator_only(participant)
        with _api_fields():
            services.submit_self_report(token_user(), participant)
        db.session.commit()
        return _out(participant)
