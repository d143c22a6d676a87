"""Public results of the yearly evaluation: `GET /api/v1/evaluations/<year>/results`, once published."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from ..api import Blueprint, refusals
from ..api.schemas import PageArgs, page_schema
from ..core.pagination import Page, paginate
from . import results
from .results_schemas import ResultOut, result_data

blp = Blueprint(
    "api_evaluations", __name__, url_prefix="/evaluations", description="中试平台年度绩效评价结果"
)
REFUSALS = {404: "该年度没有绩效评价，或结果尚未公布"}


@blp.route("/<int:year>/results")
class Results(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(ResultOut, "EvaluationResultPage"))
    @refusals(blp, REFUSALS, 404)
    def get(self, args, year: int):
        """Published results of a year in rank order (ties by platform ref): total, rank, grade and
        every indicator's value, score, weight and unit. 404 before publication."""
        try:
            campaign = results.campaign_for(None, year)
        except LookupError:
            abort(404, message="该年度的绩效评价结果尚未公布")
        page = paginate(results.ranking_query(campaign), args["page"], args["per_page"])
        return Page([result_data(p) for p in page.items], page.total, page.page, page.per_page)
