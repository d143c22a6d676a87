"""`GET /api/v1/stats/coverage`: supply against demand by domain × city over a period (public)."""

from __future__ import annotations

from flask.views import MethodView

from ..api import Blueprint
from ..matching.outbox import memo
from . import services
from .schemas import CoverageArgs, CoverageOut

blp = Blueprint(
    "api_stats",
    __name__,
    url_prefix="/stats",
    description="中试供需覆盖统计",
    refusals={422: "参数无效：结束日期早于开始日期，或区间超过三年"},
)


@blp.route("/coverage")
class Coverage(MethodView):
    @blp.endpoint(refuses=(422,), schema=CoverageOut, query=CoverageArgs, token=False)
    def get(self, args):
        """Platforms, offerings, open and unmet demands and completed bookings by domain × city; the
        totals are the sums of the rows. Without dates: this year so far."""
        period = services.period_of(args.get("start"), args.get("end"))
        rows = memo()(("coverage", period), lambda: services.coverage(period))
        fields = ("domain", "city", *services.ROW_FIELDS)
        rows = [{name: row[name] for name in fields} for row in rows]
        return {"start": period.start, "end": period.end, "rows": rows, "totals": services.totals(rows)}
