"""Operator pages for their platforms."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select

from ..core.auth import acting_user, or_404, role_required
from ..core.errors import DomainError, submit_form
from ..extensions import db
from ..matching import services as matching
from ..offerings.models import Offering
from . import services
from .forms import PlatformForm

bp = Blueprint("platforms", __name__, url_prefix="/my/platforms")


def _form_data(form: PlatformForm) -> dict:
    return {name: getattr(form, name).data for name in services.EDITABLE_FIELDS}


@bp.route("/")
@role_required("operator")
def mine():
    return render_template("platforms/mine.html", platforms=services.platforms_of(acting_user()))


@bp.route("/new", methods=["GET", "POST"])
@role_required("operator")
def create():
    form = PlatformForm()
    done, platform = submit_form(form, lambda: services.create_platform(acting_user(), _form_data(form)),
                                 "平台已保存为草稿。完善信息后请提交审核。")
    if done:
        return redirect(url_for("platforms.manage", platform_id=platform.id))
    return render_template("platforms/form.html", form=form, title="登记新平台")


@bp.route("/<int:platform_id>")
@role_required("operator")
def manage(platform_id: int):
    with or_404():
        platform = services.get_managed(acting_user(), platform_id)
    offerings = db.session.scalars(
        select(Offering).where(Offering.platform_id == platform.id).order_by(Offering.id.desc())).all()
    active = [o for o in offerings if o.status == "active"]
    matches = matching.match_platform(platform, active) if platform.status == "approved" else []
    return render_template("platforms/manage.html", platform=platform, offerings=offerings, matches=matches)


@bp.route("/<int:platform_id>/edit", methods=["GET", "POST"])
@role_required("operator")
def edit(platform_id: int):
    with or_404():
        platform = services.get_managed(acting_user(), platform_id)
    form = PlatformForm(obj=platform)
    if submit_form(form, lambda: services.update_platform(acting_user(), platform, _form_data(form)), "平台信息已保存。")[0]:
        return redirect(url_for("platforms.manage", platform_id=platform.id))
    return render_template("platforms/form.html", form=form, title=f"编辑平台：{platform.name}", platform=platform)


@bp.route("/<int:platform_id>/submit", methods=["POST"])
@role_required("operator")
def submit(platform_id: int):
    with or_404():
        platform = services.get_managed(acting_user(), platform_id)
    try:
        services.submit_platform(acting_user(), platform)
    except DomainError as exc:
        flash(exc.errors[0][1], "error")
    else:
        db.session.commit()
        flash("已提交审核，主管部门将尽快受理。", "success")
    return redirect(url_for("platforms.manage", platform_id=platform.id))
