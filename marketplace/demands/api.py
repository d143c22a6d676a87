"""Demand endpoints: public summaries and ranked matches for the owner and administrators."""

from flask.views import MethodView

from ..api import Blueprint
from ..api.auth import domain_errors, token_required, token_user
from ..api.schemas import PageArgs, page_schema
from ..core.errors import Forbidden
from ..core.pagination import paginate
from ..matching import services as matching
from ..matching.outbox import memo
from . import services
from .schemas import DemandOut, MatchArgs, MatchOut

blp = Blueprint("api_demands", __name__, url_prefix="/demands", description="中试需求")


@blp.route("")
class DemandList(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(DemandOut, "DemandPage"))
    def get(self, args):
        """Open demands' public summaries, newest first."""
        key = services.public_open_key()
        return paginate(services.public_open(), args["page"], args["per_page"], key=key, remember=memo())


@blp.route("/<ref>/matches")
class DemandMatches(MethodView):
    @blp.doc(security=[{"bearer": []}])
    @blp.arguments(MatchArgs, location="query")
    @blp.response(200, MatchOut(many=True))
    @token_required
    @domain_errors
    def get(self, args, ref: str):
        """Offerings ranked for one demand; for the demand's firm and administrators."""
        demand = services.get_by_ref(ref)
        user = token_user()
        if demand is None:
            raise LookupError(ref)
        if not (user.is_admin or services.is_owner(user, demand)):
            raise Forbidden()
        return [
            {
                "offering_ref": m.ref,
                "offering_id": m.obj_id,
                "title": m.title,
                "score": m.score,
                "reasons": m.reasons,
                "alike": [
                    {
                        "offering_ref": a.ref,
                        "offering_id": a.obj_id,
                        "title": a.title,
                        "platform": a.fields.get("platform_name", ""),
                        "score": a.score,
                    }
                    for a in m.alike
                ],
            }
            for m in matching.match_demand(demand, limit=args["limit"])
        ]
