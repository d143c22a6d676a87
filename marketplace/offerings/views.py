"""Operator pages for offerings and administrators' moderation."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..accounts.models import Role
from ..core.auth import acting_user, or_404, role_required
from ..core.views import perform, submit_form
from ..extensions import db
from ..platforms import services as platform_services
from . import services
from .forms import OfferingForm
from .models import MODERATION_ACTIONS, OPERATOR_ACTIONS, Offering

bp = Blueprint("offerings", __name__)


@bp.route("/my/platforms/<int:platform_id>/offerings/new", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def create(platform_id: int):
    with or_404():
        platform = platform_services.get_managed(acting_user(), platform_id)
    form = OfferingForm()
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "equipment")
        form.domains.data = list(platform.domains)
    done, offering = submit_form(
        form,
        lambda: services.create_offering(acting_user(), platform, form.to_data()),
        None,
        check=lambda: services.validate(form.to_data()),
    )
    if done:
        flash(services.publication_notice(offering), "success")
        return redirect(url_for("offerings.edit", offering_id=offering.id))
    return render_template("offerings/form.html", form=form, platform=platform, title="发布中试资源")


@bp.route("/my/offerings/<int:offering_id>", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def edit(offering_id: int):
    with or_404():
        offering = services.get_managed(acting_user(), offering_id)
    form = OfferingForm()
    if request.method == "GET":
        form.load(offering)
    elif submit_form(
        form,
        lambda: services.update_offering(acting_user(), offering, form.to_data()),
        None,
        check=lambda: services.validate(form.to_data()),
    )[0]:
        flash(services.publication_notice(offering), "success")
        return redirect(url_for("offerings.edit", offering_id=offering.id))
    return render_template(
        "offerings/form.html",
        form=form,
        platform=offering.platform,
        offering=offering,
        hold_reason=services.hold_reasons([offering]).get(offering.id),
        title=f"编辑：{offering.title}",
    )


@bp.route(f"/my/offerings/<int:offering_id>/<any({', '.join(OPERATOR_ACTIONS)}):action>", methods=["POST"])
@role_required(Role.OPERATOR)
def set_status(offering_id: int, action: str):
    with or_404():
        offering = services.get_managed(acting_user(), offering_id)
    perform(
        lambda: services.change_status(acting_user(), offering, action),
        "已暂停对外展示。" if action == "pause" else "已恢复对外展示。",
    )
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("platforms.manage", platform_id=offering.platform_id)
    )


@bp.route(
    f"/admin/offerings/<int:offering_id>/<any({', '.join(MODERATION_ACTIONS)}):action>", methods=["POST"]
)
@role_required(Role.ADMIN)
def moderate(offering_id: int, action: str):
    """An administrator holds an offering (with a reason its operator reads) or lifts the hold,
    from the platform review page."""
    offering = db.get_or_404(Offering, offering_id)
    perform(
        lambda: services.change_status(acting_user(), offering, action, request.form.get("reason")),
        f"已暂停展示：{offering.title}"
        if action == "hold"
        else f"已解除暂停，运营方可恢复展示：{offering.title}",
    )
    return redirect(url_for("platforms.review", platform_id=offering.platform_id))
