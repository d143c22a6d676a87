"""Review queue (即到即受理、即受理即评估) and platform moderation."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select

from ..core.auth import acting_user, role_required
from ..core.errors import submit_form
from ..core.models import AuditLog, utcnow
from ..extensions import db
from ..offerings import services as offering_services
from ..offerings.models import Offering
from ..platforms import services as platform_services
from ..platforms.forms import ReviewForm, SuspendForm
from ..platforms.models import Platform

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/reviews")
@role_required("admin")
def review_queue():
    return render_template("admin/queue.html", platforms=platform_services.review_queue(), now=utcnow())


@bp.route("/platforms")
@role_required("admin")
def platforms():
    rows = db.session.scalars(select(Platform).order_by(Platform.status, Platform.id.desc())).all()
    return render_template("admin/platforms.html", platforms=rows)


@bp.route("/platforms/<int:platform_id>", methods=["GET", "POST"])
@role_required("admin")
def review(platform_id: int):
    platform = db.get_or_404(Platform, platform_id)
    form = ReviewForm(prefix="review")
    suspend_form = SuspendForm(prefix="moderate")
    active = form if platform.status == "submitted" else suspend_form
    label = dict(active.action.choices).get(active.action.data, "")
    if submit_form(active, lambda: platform_services.review_platform(acting_user(), platform, active.action.data,
                                                                    active.reason.data),
                   f"已处理：{platform.name}（{label}）")[0]:
        return redirect(url_for("admin.review_queue"))
    history = db.session.scalars(
        select(AuditLog).where(AuditLog.object_type == "platform", AuditLog.object_id == platform.id).order_by(AuditLog.id)
    ).all()
    offerings = db.session.scalars(select(Offering).where(Offering.platform_id == platform.id)).all()
    return render_template("admin/review.html", platform=platform, form=form, suspend_form=suspend_form,
                           history=history, offerings=offerings, now=utcnow())


@bp.route("/offerings/<int:offering_id>/pause", methods=["POST"])
@role_required("admin")
def pause_offering(offering_id: int):
    offering = db.get_or_404(Offering, offering_id)
    # CSRFProtect checks every POST; the button carries the token.
    offering_services.pause_offering(acting_user(), offering)
    db.session.commit()
    flash(f"已暂停：{offering.title}", "success")
    return redirect(url_for("admin.review", platform_id=offering.platform_id))
