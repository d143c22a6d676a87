"""Pages of the experts' part of the evaluation: administrators assign experts to participants and
see the submitted scores with the mean that will be used; experts score the participants assigned
to them (blueprint `expert_review`, templates in templates/expert_review/)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..accounts.models import Role
from ..core.auth import acting_user, or_404, role_required
from ..core.forms import Form
from ..core.views import page_of, perform, submit_form
from ..experts import services as expert_services
from ..extensions import db
from ..matching.outbox import signed_in_page
from . import assignments as services
from .assignment_forms import AssignForm, BulkAssignForm, ReopenForm, score_form
from .models import ASSIGNMENT_WORKFLOW, EvaluationAssignment, IndicatorSource, SelfReportStatus
from .results import cities

bp = Blueprint("expert_review", __name__)


# --- administrators ----------------------------------------------------------------------------


@bp.route("/admin/evaluation/experts")
@role_required(Role.ADMIN)
def index():
    campaigns = services.campaigns()
    counts = services.campaign_counts(campaigns)
    return render_template(
        "expert_review/index.html",
        campaigns=campaigns,
        counts={c.id: counts.get(c.id, (0, 0)) for c in campaigns},
        assignable=services.ASSIGNABLE_PHASES,
    )


def _campaign(year: int):
    with or_404():
        return services.campaign_for_year(year)


@bp.route("/admin/evaluation/<int:year>/experts", methods=["GET", "POST"])
@role_required(Role.ADMIN)
@signed_in_page
def campaign(year: int):
    """The participants a page at a time, narrowed by name, city and the state of their
    assignments; the same experts for the participants ticked on the page, or every participant of
    the selection short of experts topped up by the rule (`auto_assign`)."""
    campaign = _campaign(year)
    filters = services.AssignmentFilters.read(request.args)
    required = services.required_experts()
    experts = expert_services.experts()
    form, result = BulkAssignForm(), None
    if request.method == "POST":
        # The ticked participants of this campaign, wherever the page is now.
        posted = services.participants_by_id(campaign, form.participant_ids.data or [])
        form.participant_ids.choices = [(p.id, p.platform.name) for p in posted]
        form.expert_ids.choices = [(e.id, e.name) for e in experts]
        chosen_experts = [e for e in experts if e.id in (form.expert_ids.data or [])]
        done, result = submit_form(
            form, lambda: services.assign_many(acting_user(), campaign, chosen_experts, posted), None
        )
        if done:
            flash(f"已分配 {len(result.assigned)} 项，跳过 {len(result.skipped)} 项。", "success")
            form = BulkAssignForm(formdata=None)
    counts = services.state_counts(campaign, filters, required)
    page = page_of(
        services.participants_query(campaign, filters, required),
        size="RANKING_PAGE_SIZE",
        key=(campaign.id, filters, required),  # the page's ids by a narrow query, then their rows
        total=counts[filters.state],
    )
    return render_template(
        "expert_review/campaign.html",
        campaign=campaign,
        page=page,
        rows=services.rows_of(campaign, page.items),
        filters=filters,
        keep=services.AssignmentFilters.KEEP,
        counts=counts,
        states=services.EXPERT_STATES,
        required=required,
        cities=cities(campaign),
        experts=experts,
        loads=services.expert_loads(campaign),
        form=form,
        result=result,
        assignable=campaign.status in services.ASSIGNABLE_PHASES,
        indicators=services.expert_indicators(campaign),
    )


@bp.route("/admin/evaluation/<int:year>/experts/auto", methods=["POST"])
@role_required(Role.ADMIN)
def auto_assign(year: int):
    """Every participant of the selection (name and city) short of experts, topped up by the rule."""
    campaign = _campaign(year)
    filters = services.AssignmentFilters.read(request.args)
    form = Form()
    done, result = submit_form(form, lambda: services.auto_assign(acting_user(), campaign, filters), None)
    if done:
        flash(result.message(), "success")
    else:
        flash("；".join(form.form_errors) or "未能自动分配。", "error")
    return redirect(url_for("expert_review.campaign", year=year, **filters.args()))


@bp.route("/admin/evaluation/<int:year>/experts/<int:participant_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def participant(year: int, participant_id: int):
    campaign = _campaign(year)
    with or_404():
        participant = services.get_participant(acting_user(), campaign, participant_id)
    experts = expert_services.experts()
    form = AssignForm()
    form.expert_ids.choices = [(e.id, e.name) for e in experts]
    if request.method == "POST":
        chosen = [e for e in experts if e.id in (form.expert_ids.data or [])]

        def assign_all():
            return [services.assign(acting_user(), participant, e) for e in chosen]

        if submit_form(form, assign_all, f"已为“{participant.platform.name}”分配专家。")[0]:
            return redirect(url_for("expert_review.participant", year=year, participant_id=participant.id))
    pool = services.pool_of(campaign, experts, [participant.platform_id])
    [row] = services.rows_of(campaign, [participant])
    return render_template(
        "expert_review/participant.html",
        campaign=campaign,
        participant=participant,
        assignments=row.assignments,
        conflicts=row.conflicts,
        means=row.means,
        experts=experts,
        refusals={e.id: services.refusal(participant, e, pool) for e in experts},
        form=form,
        reopen_form=ReopenForm(formdata=None),
        assignable=campaign.status in services.ASSIGNABLE_PHASES,
        reopenable=campaign.status == services.SCORING_PHASE,
        workflow=ASSIGNMENT_WORKFLOW,
    )


def _assignment(year: int, assignment_id: int) -> EvaluationAssignment:
    campaign = _campaign(year)
    assignment = db.session.get(EvaluationAssignment, assignment_id)
    if assignment is None or assignment.campaign_id != campaign.id:
        with or_404():
            raise LookupError(assignment_id)
    return assignment


@bp.route("/admin/evaluation/<int:year>/experts/assignments/<int:assignment_id>/unassign", methods=["POST"])
@role_required(Role.ADMIN)
def unassign(year: int, assignment_id: int):
    assignment = _assignment(year, assignment_id)
    participant_id, name = assignment.participant_id, assignment.expert.name
    perform(lambda: services.unassign(acting_user(), assignment), f"已撤销{name}的评审分配。")
    return redirect(url_for("expert_review.participant", year=year, participant_id=participant_id))


@bp.route("/admin/evaluation/<int:year>/experts/assignments/<int:assignment_id>/reopen", methods=["POST"])
@role_required(Role.ADMIN)
def reopen(year: int, assignment_id: int):
    assignment = _assignment(year, assignment_id)
    form = ReopenForm()
    done, _ = submit_form(
        form,
        lambda: services.reopen(acting_user(), assignment, form.reason.data),
        f"已退回{assignment.expert.name}的评分，专家可修改后重新提交。",
        check=lambda: services.check_reopen(form.reason.data),
    )
    if not done:
        flash("；".join(form.reason.errors + form.form_errors) or "未能退回。", "error")
    return redirect(url_for("expert_review.participant", year=year, participant_id=assignment.participant_id))


# --- experts -----------------------------------------------------------------------------------


@bp.route("/expert/evaluation/<int:assignment_id>", methods=["GET", "POST"])
@role_required(Role.EXPERT)
def score(assignment_id: int):
    with or_404():
        assignment = services.get_for_expert(acting_user(), assignment_id)
    participant = assignment.participant
    campaign = participant.campaign
    indicators = services.expert_indicators(campaign)
    saved = services.scores_by_code(assignment)
    data = {f"score_{i.id}": saved.get(i.code) for i in indicators}
    form = score_form(indicators, data={**data, "comment": assignment.comment})
    if request.method == "POST":
        submit = request.form.get("intent") == "submit"
        done, _ = submit_form(
            form,
            lambda: services.save_scores(acting_user(), assignment, form.scores(), form.comment.data, submit),
            "评分已提交。" if submit else "草稿已保存，提交前仍可修改。",
            check=lambda: services.validate_scores(campaign, form.scores(), form.comment.data, submit),
        )
        if done:
            return redirect(url_for("expert_review.score", assignment_id=assignment.id))
    values = {v.indicator_id: v for v in participant.values}
    return render_template(
        "expert_review/score.html",
        assignment=assignment,
        participant=participant,
        campaign=campaign,
        form=form,
        editable=services.can_score(assignment),
        scoring_open=campaign.status == services.SCORING_PHASE,
        self_reported=[i for i in campaign.indicators if i.source == IndicatorSource.SELF_REPORTED],
        computed=[i for i in campaign.indicators if i.source == IndicatorSource.COMPUTED],
        values=values,
        saved=saved,
        indicators=indicators,
        self_report_submitted=participant.status == SelfReportStatus.SUBMITTED,
        evidence=participant.attachments,
        derivation_path=services.derivation_path,
    )
