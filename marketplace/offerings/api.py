"""Offering endpoints: public reads; create, update and pause for the token owner's platform."""

from functools import wraps

from flask.views import MethodView
from flask_smorest import abort

from ..api import Blueprint
from ..api.auth import domain_errors, token_required, token_user
from ..api.schemas import page_schema
from ..catalog import queries
from ..core.errors import DomainError
from ..extensions import db
from ..platforms import services as platform_services
from . import services
from .models import Offering
from .schemas import OfferingCreate, OfferingFilterArgs, OfferingOut, OfferingUpdate, offering_data

blp = Blueprint("api_offerings", __name__, url_prefix="/offerings", description="中试资源与服务")

#: Service field names → the API's, so a 422 names the field the client sent.
API_FIELDS = {"is_bookable": "bookable", "price_amount": "price", "price_unit": "price"}


def api_field_names(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            raise type(exc)(*[(API_FIELDS.get(f, f), m) for f, m in exc.errors]) from None

    return wrapped


@blp.route("")
class OfferingList(MethodView):
    @blp.arguments(OfferingFilterArgs, location="query")
    @blp.response(200, page_schema(OfferingOut, "OfferingPage"))
    def get(self, args):
        """List public offerings (paginated, filterable)."""
        page, per_page = args.pop("page"), args.pop("per_page")
        return queries.offerings_page(queries.OfferingFilters(**args), page, per_page)

    @blp.doc(security=[{"bearer": []}])
    @blp.arguments(OfferingCreate)
    @blp.response(201, OfferingOut)
    @token_required
    @domain_errors
    @api_field_names
    def post(self, payload):
        """Create an offering on one of the token owner's platforms (with its booking settings)."""
        platform = platform_services.get_managed(token_user(), payload["platform_id"])
        offering = services.create_offering(token_user(), platform, offering_data(payload))
        db.session.commit()
        return offering


@blp.route("/<int:offering_id>")
class OfferingItem(MethodView):
    @blp.response(200, OfferingOut)
    def get(self, offering_id: int):
        """One public offering (or one of your own, with a token)."""
        offering = services.get_visible(token_user(), offering_id)
        if offering is None:
            abort(404, message="资源不存在")
        return offering

    @blp.doc(security=[{"bearer": []}])
    @blp.arguments(OfferingUpdate)
    @blp.response(200, OfferingOut)
    @token_required
    @domain_errors
    @api_field_names
    def patch(self, payload, offering_id: int):
        """Update fields of your own offering (booking settings included)."""
        offering = services.get_managed(token_user(), offering_id)
        services.update_offering(token_user(), offering, offering_data(payload))
        db.session.commit()
        return offering


@blp.route("/<int:offering_id>/pause")
class OfferingPause(MethodView):
    @blp.doc(security=[{"bearer": []}])
    @blp.response(200, OfferingOut)
    @token_required
    @domain_errors
    def post(self, offering_id: int):
        """Pause an offering: it leaves the public catalogue and search."""
        offering = db.session.get(Offering, offering_id)
        if offering is None:
            raise LookupError(offering_id)
        services.pause_offering(token_user(), offering)
        db.session.commit()
        return offering
