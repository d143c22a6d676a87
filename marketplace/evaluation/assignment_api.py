"""The experts' API: their evaluation assignments and their scores (`/api/v1/expert`), with the same
services and rules as the scoring page: a field's problem is a 422 naming it (`scores.<code>`,
`comment`), a phase or a submission that does not allow scoring a 409, another expert's assignment a
404, a caller who is not an expert a 403."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import RAISE

from ..api import Blueprint, refusals
from ..api.auth import domain_errors, token_required, token_user
from ..api.schemas import PageArgs, page_schema
from ..core.pagination import Page
from ..extensions import db
from . import assignments as services
from .assignment_schemas import AssignmentOut, ScoresIn
from .models import CAMPAIGN_WORKFLOW, EvaluationAssignment

blp = Blueprint("api_expert", __name__, url_prefix="/expert", description="评审专家：绩效评价评分")
TOKEN = [{"bearer": []}]
REFUSALS = {
    401: "缺少或无效的 API 令牌",
    403: "只有评审专家账户可以使用",
    404: "不存在，或不是调用者的评审分配",
    409: "与当前状态冲突：评价不在专家评审阶段，或评分已提交（提交后只读，需管理员退回）",
}


def _expert():
    user = token_user()
    if not user.is_expert:
        abort(403, message="只有评审专家账户可以使用此接口。")
    return user


def assignment_data(assignment: EvaluationAssignment) -> dict:
    participant = assignment.participant
    campaign = participant.campaign
    saved = services.scores_by_code(assignment)
    return {
        "id": assignment.id,
        "campaign_year": campaign.year,
        "campaign_title": campaign.title,
        "campaign_phase": campaign.status.value,
        "campaign_phase_label": CAMPAIGN_WORKFLOW.label(campaign.status),
        "participant_id": participant.id,
        "platform_ref": participant.platform.ref,
        "platform_name": participant.platform.name,
        "status": assignment.status.value,
        "status_label": assignment.status_label,
        "can_score": services.can_score(assignment),
        "indicators": [
            {"code": i.code, "name": i.name, "description": i.description, "points": saved.get(i.code)}
            for i in services.expert_indicators(campaign)
        ],
        "comment": assignment.comment,
        "submitted_at": assignment.submitted_at,
    }


@blp.route("/assignments")
class AssignmentList(MethodView):
    @blp.doc(security=TOKEN)
    @blp.arguments(PageArgs, location="query", unknown=RAISE)
    @blp.response(200, page_schema(AssignmentOut, "ExpertAssignmentPage"))
    @refusals(blp, REFUSALS, 401, 403)
    @token_required
    def get(self, args):
        """The caller's evaluation assignments (experts): the newest campaign first, each with the
        indicators to score and the caller's own points so far."""
        items = services.assignments_of(_expert(), with_scores=True)
        start = (args["page"] - 1) * args["per_page"]
        page = items[start : start + args["per_page"]]
        return Page([assignment_data(a) for a in page], len(items), args["page"], args["per_page"])


@blp.route("/assignments/<int:assignment_id>/scores")
class AssignmentScores(MethodView):
    @blp.doc(
        security=TOKEN,
        description="保存或提交本专家对一个参评平台的评分：与评分页面规则相同。scores 以指标代码为键，"
        "分数为 0-100 的整数或一位小数；submit 为 true 时每个专家指标都须打分且 comment 必填，提交后只读。"
        "字段问题返回 422（如 errors.json 中的 scores.expert_judgement、comment）；"
        "评价不在专家评审阶段或已提交返回 409。",
    )
    @blp.arguments(ScoresIn)
    @blp.response(200, AssignmentOut)
    @refusals(blp, REFUSALS, 401, 403, 404, 409)
    @token_required
    @domain_errors
    def put(self, payload, assignment_id: int):
        """Save (or submit) the caller's scores and comment of one assignment."""
        expert = _expert()
        assignment = services.get_for_expert(expert, assignment_id)
        services.save_scores(expert, assignment, payload["scores"], payload["comment"], payload["submit"])
        db.session.commit()
        return assignment_data(assignment)
