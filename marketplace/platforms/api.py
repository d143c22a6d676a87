"""Public platform endpoints."""

from flask.views import MethodView
from flask_smorest import abort

from ..api import Blueprint
from ..api.schemas import page_schema
from ..catalog import queries
from ..core.pagination import paginate
from ..matching.outbox import memo
from . import services
from .schemas import PlatformFilterArgs, PlatformOut

blp = Blueprint("api_platforms", __name__, url_prefix="/platforms", description="已通过审核的中试平台")


@blp.route("")
class PlatformList(MethodView):
    @blp.arguments(PlatformFilterArgs, location="query")
    @blp.response(200, page_schema(PlatformOut, "PlatformPage"))
    def get(self, args):
        """List approved platforms (paginated, filterable)."""
        page, per_page = args.pop("page"), args.pop("per_page")
        filters = queries.PlatformFilters(**args)
        return paginate(
            queries.filter_platforms(filters),
            page,
            per_page,
            key=("platforms", filters.key()),
            remember=memo(),
        )


@blp.route("/<int:platform_id>")
class PlatformItem(MethodView):
    @blp.response(200, PlatformOut)
    def get(self, platform_id: int):
        """One approved platform."""
        platform = services.get_visible(None, platform_id)
        if platform is None:
            abort(404, message="平台不存在")
        return platform
