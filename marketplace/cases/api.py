"""Typical-case endpoints: the public list of selected cases (`/cases`) and the experts' rubric
scores (`/expert/case-reviews`), with the same services and rules as the pages."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import RAISE

from ..api import Blueprint, refusals
from ..api.auth import domain_errors, token_required, token_user
from ..api.schemas import PageArgs, page_schema
from ..core.pagination import Page, paginate
from ..core.urls import external_url
from ..extensions import db
from . import services
from .schemas import CaseFilterArgs, CaseOut, CaseReviewIn, CaseReviewOut, case_data, review_data

blp = Blueprint("api_cases", __name__, url_prefix="/cases", description="已公布的典型案例")
expert_blp = Blueprint(
    "api_case_reviews", __name__, url_prefix="/expert/case-reviews", description="专家的典型案例评审"
)
TOKEN = [{"bearer": []}]
REFUSALS = {
    401: "缺少或无效的 API 令牌",
    403: "只有评审专家可以使用",
    404: "不存在，或不是分配给调用者的评审",
    409: "与当前状态冲突：评分已提交，或遴选不在专家评审阶段",
}


@blp.route("")
class CaseList(MethodView):
    @blp.arguments(CaseFilterArgs, location="query", unknown=RAISE)
    @blp.response(200, page_schema(CaseOut, "CasePage"))
    def get(self, args):
        """Selected cases of published selection rounds, newest year first (public)."""
        filters = services.CaseFilters(year=args.get("year"), category=args.get("category"))
        page = paginate(services.filter_cases(filters), args["page"], args["per_page"])
        items = [case_data(n, external_url("cases.case", nomination_id=n.id)) for n in page.items]
        return Page(items, page.total, page.page, page.per_page)


def _expert():
    user = token_user()
    if not user.is_expert:
        abort(403, message="只有评审专家可以使用。")
    return user


@expert_blp.route("")
class CaseReviewList(MethodView):
    @expert_blp.doc(security=TOKEN)
    @expert_blp.arguments(PageArgs, location="query", unknown=RAISE)
    @expert_blp.response(200, page_schema(CaseReviewOut, "CaseReviewPage"))
    @refusals(expert_blp, REFUSALS, 401, 403)
    @token_required
    def get(self, args):
        """The caller's case reviews: those still to score first, then the submitted ones."""
        user = _expert()
        reviews = services.pending_reviews(user) + services.done_reviews(user)
        start = (args["page"] - 1) * args["per_page"]
        items = [review_data(r) for r in reviews[start : start + args["per_page"]]]
        return Page(items, len(reviews), args["page"], args["per_page"])


@expert_blp.route("/<int:review_id>")
class CaseReviewItem(MethodView):
    @expert_blp.doc(security=TOKEN)
    @expert_blp.response(200, CaseReviewOut)
    @refusals(expert_blp, REFUSALS, 401, 403, 404)
    @token_required
    @domain_errors
    def get(self, review_id: int):
        """One of the caller's case reviews."""
        return review_data(services.get_review(_expert(), review_id))

    @expert_blp.doc(
        security=TOKEN,
        description="保存或提交评分：scores 为各评分项 0-100 的整数（innovation 创新性、"
        "demonstration 示范引领、replicability 可复制推广、effect 实际成效），"
        "submit 为 true 时提交（四项均须填写，提交后不能修改）。"
        "遴选不在专家评审阶段或评分已提交时返回 409。",
    )
    @expert_blp.arguments(CaseReviewIn)
    @expert_blp.response(200, CaseReviewOut)
    @refusals(expert_blp, REFUSALS, 401, 403, 404, 409)
    @token_required
    @domain_errors
    def put(self, payload, review_id: int):
        """Save or submit the rubric scores of one of the caller's case reviews (rules as on the page)."""
        user = _expert()
        review = services.get_review(user, review_id)
        services.save_review(user, review, payload["scores"], payload["comment"], payload["submit"])
        db.session.commit()
        return review_data(review)
