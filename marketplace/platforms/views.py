"""Platform pages: operators register and manage their platforms; administrators work the review
queue (即到即受理、即受理即评估) and suspend or reinstate platforms."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ..accounts.models import Role
from ..attachments import services as attachment_services
from ..core.auth import acting_user, or_404, role_required
from ..core.models import utcnow
from ..core.views import perform, submit_form
from ..extensions import db
from ..matching import services as matching
from ..offerings import services as offering_services
from ..offerings.models import OFFERING_WORKFLOW
from ..offerings.models import REASON_REQUIRED as OFFERING_REASON_REQUIRED
from . import services
from .forms import PlatformForm, ReviewForm
from .models import PLATFORM_WORKFLOW, Platform, missing_for_review

bp = Blueprint("platforms", __name__)


def _form_data(form: PlatformForm) -> dict:
    return {name: getattr(form, name).data for name in services.EDITABLE_FIELDS}


# --- operators ---------------------------------------------------------------------------------


@bp.route("/my/platforms/")
@role_required(Role.OPERATOR)
def mine():
    return render_template("platforms/mine.html", platforms=services.platforms_of(acting_user()))


@bp.route("/my/platforms/new", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def create():
    form = PlatformForm()
    done, platform = submit_form(
        form,
        lambda: services.create_platform(acting_user(), _form_data(form)),
        "平台已保存为草稿。完善信息后请提交审核。",
        check=lambda: services.validate(_form_data(form)),
    )
    if done:
        return redirect(url_for("platforms.manage", platform_id=platform.id))
    return render_template("platforms/form.html", form=form, title="登记新平台")


@bp.route("/my/platforms/<int:platform_id>")
@role_required(Role.OPERATOR)
def manage(platform_id: int):
    with or_404():
        platform = services.get_managed(acting_user(), platform_id)
    offerings = offering_services.offerings_of(platform)
    matches = (
        matching.match_platform(platform, [o for o in offerings if o.is_public]) if platform.is_public else []
    )
    history = PLATFORM_WORKFLOW.history(platform)
    return render_template(
        "platforms/manage.html",
        platform=platform,
        offerings=offerings,
        matches=matches,
        actions={o.id: offering_services.offering_actions(acting_user(), o) for o in offerings},
        offering_workflow=OFFERING_WORKFLOW,
        hold_reasons=offering_services.hold_reasons(offerings),
        decision=history[-1] if history else None,
        missing=missing_for_review(platform),
        files_editable=attachment_services.can_attach(acting_user(), platform),
    )


@bp.route("/my/platforms/<int:platform_id>/edit", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def edit(platform_id: int):
    with or_404():
        platform = services.get_managed(acting_user(), platform_id)
    form = PlatformForm(obj=platform)
    if submit_form(
        form,
        lambda: services.update_platform(acting_user(), platform, _form_data(form)),
        "平台信息已保存。",
        check=lambda: services.validate(_form_data(form)),
    )[0]:
        return redirect(url_for("platforms.manage", platform_id=platform.id))
    return render_template(
        "platforms/form.html", form=form, title=f"编辑平台：{platform.name}", platform=platform
    )


@bp.route("/my/platforms/<int:platform_id>/submit", methods=["POST"])
@role_required(Role.OPERATOR)
def submit(platform_id: int):
    with or_404():
        platform = services.get_managed(acting_user(), platform_id)
    perform(lambda: services.submit_platform(acting_user(), platform), "已提交审核，主管部门将尽快受理。")
    return redirect(url_for("platforms.manage", platform_id=platform.id))


# --- administrators ----------------------------------------------------------------------------


@bp.route("/admin/reviews")
@role_required(Role.ADMIN)
def review_queue():
    return render_template("platforms/review_queue.html", platforms=services.review_queue(), now=utcnow())


@bp.route("/admin/platforms")
@role_required(Role.ADMIN)
def all_platforms():
    return render_template("platforms/all.html", platforms=services.all_platforms())


@bp.route("/admin/platforms/<int:platform_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def review(platform_id: int):
    platform = db.get_or_404(Platform, platform_id)
    offerings = offering_services.offerings_of(platform)
    actions = services.review_actions(platform)
    form = ReviewForm().offer(actions, PLATFORM_WORKFLOW.action_labels)
    if request.method == "GET" and request.args.get("action") in actions:
        # Opened from another page with a decision to take (the evaluation results' suspension
        # proposal): the decision and its reason are filled in, the administrator still submits.
        form.action.data = request.args["action"]
        form.reason.data = request.args.get("reason", "")[:2000]
    label = PLATFORM_WORKFLOW.action_labels.get(form.action.data, "")
    if submit_form(
        form,
        lambda: services.review_platform(acting_user(), platform, form.action.data, form.reason.data),
        f"已处理：{platform.name}（{label}）",
        check=lambda: services.check_review(form.action.data, form.reason.data),
    )[0]:
        return redirect(url_for("platforms.review_queue"))
    return render_template(
        "platforms/review.html",
        platform=platform,
        form=form,
        actions=actions,
        workflow=PLATFORM_WORKFLOW,
        history=PLATFORM_WORKFLOW.history(platform),
        offerings=offerings,
        offering_actions={o.id: offering_services.offering_actions(acting_user(), o) for o in offerings},
        offering_workflow=OFFERING_WORKFLOW,
        offering_reason_required=OFFERING_REASON_REQUIRED,
        hold_reasons=offering_services.hold_reasons(offerings),
    )
