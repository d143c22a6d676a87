"""Self-report pages (blueprint `selfreport`): the operators' list and form, the one page of a report
that its readers share (operators, administrators, assigned experts), and the administrators' list per
campaign with return and extension. Permission and phase rules live in `self_report`."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..accounts.models import Role
from ..attachments import services as attachment_services
from ..core.auth import acting_user, or_404, role_required
from ..core.views import page_of, submit_form
from ..extensions import db
from . import self_report as services
from .models import SELF_REPORT_WORKFLOW, EvaluationCampaign
from .self_report_forms import ExtensionForm, ParticipantFilters, ReturnForm, self_report_form

bp = Blueprint("selfreport", __name__)


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from ..core.navigation import register_count

    app.register_blueprint(bp)
    # the operators' navigation: a link when their platforms take part in a campaign, with the count of
    # self-reports still to submit
    register_count(
        app, services.due_expressions, names=("self_report_links", "self_reports_due"), roles=(Role.OPERATOR,)
    )
    add_menu_item(
        app,
        "绩效自评",
        "selfreport.campaigns",
        description="查看各年度平台自评的提交情况，退回修改或批准延期。",
        order=55,
    )


# ---------------------------------------------------------------- operators


@bp.route("/my/self-reports")
@role_required(Role.OPERATOR)
def mine():
    return render_template(
        "evaluation/self_report_mine.html",
        participations=services.participations_of(acting_user()),
        is_overdue=services.is_overdue,
        is_editable=services.is_editable,
    )


# ---------------------------------------------------------------- one report


def _visible(participant_id: int):
    with or_404():
        return services.get_visible(acting_user(), participant_id)


def _page(participant, form=None, return_form=None, extension_form=None):
    user = acting_user()
    editable = services.can_edit(user, participant)
    if editable and form is None:
        form = self_report_form(participant)
    admin = services.can_administer(user, participant)
    return render_template(
        "evaluation/self_report.html",
        participant=participant,
        campaign=participant.campaign,
        rows=services.rows(participant),
        others=services.other_indicators(participant.campaign),
        form=form if editable else None,
        operator=services.is_operator_of(user, participant),
        late=services.is_late(participant),
        evidence=services.EVIDENCE,
        evidence_files=attachment_services.visible(user, participant, services.EVIDENCE),
        can_attach=editable,
        admin=admin,
        return_form=return_form or ReturnForm(formdata=None),
        extension_form=extension_form or ExtensionForm(formdata=None),
        history=services.history(participant),
        workflow=SELF_REPORT_WORKFLOW,
        extend_action=services.EXTEND_ACTION,
    )


@bp.route("/self-reports/<int:participant_id>", methods=["GET", "POST"])
@login_required
def detail(participant_id: int):
    """Read by its operators, administrators and assigned experts; filled and submitted by its
    operators ("保存草稿" or "提交自评", both saving what the form holds)."""
    participant = _visible(participant_id)
    if request.method == "GET":
        return _page(participant)
    user = acting_user()
    if not services.is_operator_of(user, participant):
        abort(404)
    if refusal := services.editing_refusal(participant):
        flash(refusal, "error")
        return redirect(url_for("selfreport.detail", participant_id=participant.id))
    form = self_report_form(participant, formdata=request.form)
    submitting = request.form.get("action") == "submit"

    def action():
        services.save_self_report(user, participant, form.entries())
        if submitting:
            services.submit_self_report(user, participant)

    done, _ = submit_form(
        form,
        action,
        "自评已提交，等待管理员和专家审阅。" if submitting else "草稿已保存，可继续修改后提交。",
        check=lambda: services.validate_entries(participant.campaign, form.entries()),
    )
    if done:
        return redirect(url_for("selfreport.detail", participant_id=participant.id))
    return _page(participant, form=form)


def _offered(participant, action: str, form) -> bool:
    """Whether the page offers `action` now; when it does not (the report moved on, the phase ended),
    the refusal is flashed above the page instead of beside a form the page no longer shows."""
    if services.can_administer(acting_user(), participant)[action]:
        return True
    messages = [*form.form_errors, *(m for errors in form.errors.values() for m in errors if m)]
    flash("；".join(dict.fromkeys(messages)) or "当前不能执行此操作。", "error")
    return False


@bp.route("/self-reports/<int:participant_id>/return", methods=["POST"])
@role_required(Role.ADMIN)
def return_report(participant_id: int):
    participant = _visible(participant_id)
    form = ReturnForm()
    done, _ = submit_form(
        form,
        lambda: services.return_self_report(acting_user(), participant, form.comment.data),
        "自评已退回，平台运营方已收到通知。",
        check=lambda: services.check_return(form.comment.data),
    )
    if done or not _offered(participant, "return", form):
        return redirect(url_for("selfreport.detail", participant_id=participant.id))
    return _page(participant, return_form=form)


@bp.route("/self-reports/<int:participant_id>/extend", methods=["POST"])
@role_required(Role.ADMIN)
def extend(participant_id: int):
    participant = _visible(participant_id)
    form = ExtensionForm()
    done, _ = submit_form(
        form,
        lambda: services.extend_deadline(acting_user(), participant, form.until.data, form.reason.data),
        "已批准延期，平台运营方已收到通知。",
        check=lambda: services.check_extension(participant, form.until.data, form.reason.data),
    )
    if done or not _offered(participant, "extend", form):
        return redirect(url_for("selfreport.detail", participant_id=participant.id))
    return _page(participant, extension_form=form)


# ---------------------------------------------------------------- administrators


@bp.route("/admin/self-reports")
@role_required(Role.ADMIN)
def campaigns():
    return render_template(
        "evaluation/self_report_campaigns.html",
        campaigns=services.campaigns_with_self_reports(),
        labels=SELF_REPORT_WORKFLOW.labels,
    )


@bp.route("/admin/evaluations/<int:campaign_id>/self-reports")
@role_required(Role.ADMIN)
def campaign(campaign_id: int):
    campaign = db.session.get(EvaluationCampaign, campaign_id)
    if campaign is None:
        abort(404)
    filters = ParticipantFilters(formdata=request.args)
    status = filters.value()
    return render_template(
        "evaluation/self_report_campaign.html",
        campaign=campaign,
        filters=filters,
        status=status,
        counts=services.status_counts(campaign),
        labels=SELF_REPORT_WORKFLOW.labels,
        page=page_of(services.participants_query(campaign, status)),
        is_overdue=services.is_overdue,
    )
