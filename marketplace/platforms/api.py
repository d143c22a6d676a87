"""Public platform endpoints."""

from flask.views import MethodView
from flask_smorest import abort

from ..api import Blueprint
from ..api.schemas import page_schema
from ..catalog import queries
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
        return queries.platforms_page(queries.PlatformFilters(**args), page, per_page)


@blp.route("/<int:platform_id>")
class PlatformItem(MethodView):
    @blp.response(200, PlatformOut)
    def get(self, platform_id: int):
        """One approved platform."""
        platform = services.get_visible(None, platform_id)
        if platform is None:
            abort(404, message="平台不存在")
        return platform
