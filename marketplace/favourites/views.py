"""我的收藏 and the comparison of offerings (the offerings of the comparison: `?o=1&o=2`)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import vocab
from ..accounts.views import safe_next
from ..core.auth import acting_user, or_404
from ..core.errors import DomainError
from ..core.views import perform
from . import services

bp = Blueprint("favourites", __name__)


@bp.app_template_global()
def favourite(item_type: str, item_id: int) -> bool:
    """Whether the signed-in user keeps this item (the 收藏 / 已收藏 button)."""
    return services.is_favourite(current_user, item_type, item_id)


@bp.route("/favourites/toggle", methods=["POST"])
@login_required
def toggle():
    item_type = request.form.get("type", "")
    item_id = request.form.get("id", "")
    if not item_id.isdigit() or len(item_id) > 9:
        return redirect(url_for("favourites.index"))
    with or_404():
        kept = services.is_favourite(acting_user(), item_type, int(item_id))
        perform(
            lambda: services.toggle(acting_user(), item_type, int(item_id)),
            "已取消收藏。" if kept else "已收藏，可在“我的收藏”中查看。",
        )
    return redirect(safe_next(request.form.get("next")) or url_for("favourites.index", type=item_type))


@bp.route("/my/favourites")
@login_required
def index():
    item_type = request.args.get("type", "offering")
    if item_type not in vocab.FAVOURITE_KINDS:
        item_type = "offering"
    return render_template(
        "favourites/index.html",
        item_type=item_type,
        items=services.favourites_of(acting_user(), item_type),
        compare_max=services.COMPARE_MAX,
        #: the offerings ticked before (back from a comparison of too few or too many)
        chosen={int(v) for v in request.args.getlist("o") if v.isdigit() and len(v) < 10},
    )


@bp.route("/compare")
def compare():
    """Up to four offerings side by side; anyone may compare what they may see."""
    ids = [int(v) for v in request.args.getlist("o") if v.isdigit() and len(v) < 10]
    try:
        comparison = services.compare(current_user, ids)
    except DomainError as exc:
        page = render_template("favourites/compare.html", comparison=None, error=exc.errors[0][1], chosen=ids)
        return page, 400
    return render_template("favourites/compare.html", comparison=comparison, error=None)
