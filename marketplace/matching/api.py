"""Search endpoint: GET for short queries, POST (JSON body) for long ones."""

from flask.views import MethodView
from flask_smorest import abort

from ..api import Blueprint
from ..api.auth import token_user
from . import services as matching
from .schemas import GET_QUERY_MAX, QUERY_MAX, SearchArgs, SearchBody, SearchOut

blp = Blueprint("api_search", __name__, url_prefix="/search", description="全文检索")


@blp.route("")
class Search(MethodView):
    @blp.doc(
        description="查询条件放在网址中。服务器（gunicorn）的请求行上限为 4094 字节，"
        f"一个汉字编码后占 9 字节，因此 GET 的 q 最多 {GET_QUERY_MAX} 个字符；"
        f"更长的查询（最多 {QUERY_MAX} 个字符，例如整段需求描述）请用 POST，条件放在 JSON 请求体中。"
    )
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, SearchOut)
    def get(self, args):
        """Search offerings, platforms, or (platform operators and administrators) open demands."""
        return _search(args)

    @blp.doc(description=f"与 GET 相同，条件放在 JSON 请求体中，q 最多 {QUERY_MAX} 个字符。")
    @blp.arguments(SearchBody)
    @blp.response(200, SearchOut)
    def post(self, args):
        """Search with the arguments in a JSON body (long queries)."""
        return _search(args)


def _search(args: dict):
    scope = args.pop("scope")
    if scope == "demand" and not matching.may_search_demands(token_user()):
        abort(403, message="检索需求需要平台运营方或管理员的令牌")
    q, page, per_page, sort = args.pop("q"), args.pop("page"), args.pop("per_page"), args.pop("sort")
    return matching.search(q, doc_type=scope, filters=args, sort=sort, page=page, per_page=per_page)
