"""The coverage figures of the API: `GET /api/v1/stats/coverage?start=&end=`."""

from marshmallow import ValidationError, fields, validates_schema

from ..api.schemas import ApiSchema
from ..core.errors import DomainError
from .services import period_of


class CoverageArgs(ApiSchema):
    start = fields.Date(
        metadata={"description": "首日（含），YYYY-MM-DD，不早于 2000-01-01；缺省为今年 1 月 1 日"}
    )
    end = fields.Date(
        metadata={"description": "末日（含），YYYY-MM-DD，不晚于 2099-12-31；缺省为今天；区间不超过三年"}
    )

    @validates_schema
    def _period(self, data, **kwargs):
        """The service's own rule (`services.period_of`), reported on the query parameter at fault."""
        try:
            period_of(data.get("start"), data.get("end"))
        except DomainError as exc:
            field, message = exc.errors[0]
            raise ValidationError(message, field) from None


class CoverageTotals(ApiSchema):
    platforms = fields.Integer(metadata={"description": "该领域在该城市的已审核平台数"})
    offerings = fields.Integer(metadata={"description": "该领域在该城市平台上的公开资源数"})
    open_demands = fields.Integer(metadata={"description": "区间内处于征集中的该领域、该城市企业的需求数"})
    unmet_demands = fields.Integer(metadata={"description": "其中没有良好匹配的需求数"})
    bookings_completed = fields.Integer(metadata={"description": "区间内完成的预约与服务订单数"})


class CoverageRow(CoverageTotals):
    domain = fields.String()
    city = fields.String()


class CoverageOut(ApiSchema):
    start = fields.Date()
    end = fields.Date()
    rows = fields.List(fields.Nested(CoverageRow))
    totals = fields.Nested(
        CoverageTotals, metadata={"description": "各行之和（一项属于多个领域时在每个领域各计一次）"}
    )
