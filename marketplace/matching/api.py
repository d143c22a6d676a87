"""Search endpoint."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..api.auth import token_user
from . import services as matching
from .schemas import SearchArgs, SearchOut

blp = Blueprint("api_search", __name__, url_prefix="/search", description="全文检索")


@blp.route("")
class Search(MethodView):
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, SearchOut)
    def get(self, args):
        """Search offerings, platforms, or (platform operators and administrators) open demands."""
        scope = args.pop("scope")
        if scope == "demand":
            user = token_user()
            if not matching.may_search_demands(user):
                abort(403, message="检索需求需要平台运营方或管理员的令牌")
        q, page, per_page, sort = args.pop("q"), args.pop("page"), args.pop("per_page"), args.pop("sort")
        return matching.search(q, doc_type=scope, filters=args, sort=sort, page=page, per_page=per_page)
