"""Administrators' campaign pages (/admin/evaluation/…): the list, a new campaign, the draft
editor, phase changes with the audited history, participants, the overview of computed results;
and the derivation page of one value (/evaluation/<year>/platforms/<ref>/indicators/<code>)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.routing.converters import BaseConverter

from .. import vocab
from ..accounts.models import Role
from ..bookings import services as booking_services
from ..core.auth import acting_user, or_404, role_required
from ..core.views import page_of, perform, submit_form
from . import services
from .forms import (
    DIRECTIONS,
    CampaignForm,
    DimensionForm,
    IndicatorForm,
    NewCampaignForm,
    NewDimensionForm,
    ParticipantForm,
)
from .metrics import METRICS
from .models import CAMPAIGN_WORKFLOW
from .results import RankingFilters, cities, participant_count, ranking_query

bp = Blueprint("evaluation", __name__)
#: The phase changes a button posts (services.PHASE_ACTIONS).
PHASE_ROUTE = ", ".join(services.PHASE_ACTIONS)


def _campaign(year: int):
    with or_404():
        return services.get_campaign(year)


def _draft_only(campaign):
    """Editor pages of a campaign past its draft lead back to the campaign (nothing else is editable)."""
    if campaign.is_draft:
        return None
    flash(f"评价方案已进入“{campaign.status_label}”阶段，只有草稿可以修改。", "error")
    return redirect(url_for("evaluation.campaign", year=campaign.year))


@bp.route("/admin/evaluation/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index():
    form = NewCampaignForm()
    done, campaign = submit_form(
        form,
        lambda: services.create_campaign(acting_user(), form.year.data),
        "已按默认指标体系创建评价方案草稿，可在此修改后开放自评填报。",
    )
    if done:
        return redirect(url_for("evaluation.campaign", year=campaign.year))
    return render_template("evaluation/index.html", campaigns=services.campaigns(), form=form)


@bp.route("/admin/evaluation/<int:year>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def campaign(year: int):
    campaign = _campaign(year)
    form = ParticipantForm().offer(services.enrollable_platforms(campaign))
    if submit_form(
        form,
        lambda: services.add_participant(acting_user(), campaign, form.platform()),
        "已增加参评平台，并通知其运营方填报自评。",
    )[0]:
        return redirect(url_for("evaluation.campaign", year=year))
    history = CAMPAIGN_WORKFLOW.history(campaign)
    participants = page_of(
        ranking_query(campaign, values=False)
        if campaign.computed_at is not None
        else services.participants_query(campaign),
        size="RANKING_PAGE_SIZE",
    )
    return render_template(
        "evaluation/campaign.html",
        campaign=campaign,
        actions=services.phase_actions(campaign),
        blockers=services.phase_blockers(campaign),
        workflow=CAMPAIGN_WORKFLOW,
        history=history,
        actors=services.actor_names(history),
        weight_problem=services.weight_problem(campaign),
        participants=participants,
        removable=services.removable_ids(participants.items),
        participant_form=form,
        may_add=services.participants_open(campaign) and bool(form.platform_id.choices[1:] or form.errors),
        bands_text=services.bands_text,
        metrics=METRICS,
        directions=DIRECTIONS,
    )


@bp.route(f"/admin/evaluation/<int:year>/<any({PHASE_ROUTE}):action>", methods=["POST"])
@role_required(Role.ADMIN)
def change_phase(year: int, action: str):
    campaign = _campaign(year)
    label = CAMPAIGN_WORKFLOW.action_labels.get(action, action)
    done = perform(lambda: services.change_phase(acting_user(), campaign, action), f"已完成：{label}。")
    if done and action == "compute":
        return redirect(url_for("evaluation.results", year=year))
    return redirect(url_for("evaluation.campaign", year=year))


@bp.route("/admin/evaluation/<int:year>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(year: int):
    campaign = _campaign(year)
    if (back := _draft_only(campaign)) is not None:
        return back
    thresholds = campaign.grade_thresholds or {}
    form = CampaignForm(
        obj=campaign,
        excellent=thresholds.get("excellent"),
        good=thresholds.get("good"),
        passing=thresholds.get("pass"),
    )
    if submit_form(
        form,
        lambda: services.update_campaign(acting_user(), campaign, form.data_for_service()),
        "评价方案已保存。",
        check=lambda: services.validate_settings(form.data_for_service()),
    )[0]:
        return redirect(url_for("evaluation.campaign", year=year))
    return render_template("evaluation/settings.html", campaign=campaign, form=form)


# --- dimensions ----------------------------------------------------------------------------------


@bp.route("/admin/evaluation/<int:year>/dimensions/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_dimension(year: int):
    campaign = _campaign(year)
    if (back := _draft_only(campaign)) is not None:
        return back
    form = NewDimensionForm()
    data = lambda: {"code": form.code.data, "name": form.name.data}  # noqa: E731
    if submit_form(
        form,
        lambda: services.add_dimension(acting_user(), campaign, data()),
        "已增加维度。",
        check=lambda: services.validate_dimension(campaign, data()),
    )[0]:
        return redirect(url_for("evaluation.campaign", year=year, _anchor="indicators"))
    return render_template("evaluation/dimension.html", campaign=campaign, form=form, dimension=None)


@bp.route("/admin/evaluation/<int:year>/dimensions/<int:dimension_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def dimension(year: int, dimension_id: int):
    campaign = _campaign(year)
    with or_404():
        dimension = services.get_dimension(campaign, dimension_id)
    if (back := _draft_only(campaign)) is not None:
        return back
    form = DimensionForm(obj=dimension)
    data = lambda: {"name": form.name.data}  # noqa: E731
    if submit_form(
        form,
        lambda: services.rename_dimension(acting_user(), dimension, data()),
        "维度名称已保存。",
        check=lambda: services.validate_dimension(campaign, data(), dimension),
    )[0]:
        return redirect(url_for("evaluation.campaign", year=year, _anchor="indicators"))
    return render_template("evaluation/dimension.html", campaign=campaign, form=form, dimension=dimension)


@bp.route("/admin/evaluation/<int:year>/dimensions/<int:dimension_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def delete_dimension(year: int, dimension_id: int):
    campaign = _campaign(year)
    with or_404():
        dimension = services.get_dimension(campaign, dimension_id)
    name = dimension.name
    perform(lambda: services.remove_dimension(acting_user(), dimension), f"已删除维度“{name}”。")
    return redirect(url_for("evaluation.campaign", year=year, _anchor="indicators"))


# --- indicators ----------------------------------------------------------------------------------


def _indicator_page(campaign, form, indicator):
    return render_template(
        "evaluation/indicator.html",
        campaign=campaign,
        form=form,
        indicator=indicator,
        bands_hint=services.BANDS_HINT,
        metrics=METRICS,
    )


@bp.route("/admin/evaluation/<int:year>/indicators/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_indicator(year: int):
    campaign = _campaign(year)
    if (back := _draft_only(campaign)) is not None:
        return back
    form = IndicatorForm().offer(campaign.dimensions)
    if submit_form(
        form,
        lambda: services.add_indicator(acting_user(), campaign, form.data_for_service()),
        "已增加指标。",
        check=lambda: services.validate_indicator(campaign, form.data_for_service()),
    )[0]:
        return redirect(url_for("evaluation.campaign", year=year, _anchor="indicators"))
    return _indicator_page(campaign, form, None)


@bp.route("/admin/evaluation/<int:year>/indicators/<int:indicator_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def indicator(year: int, indicator_id: int):
    campaign = _campaign(year)
    with or_404():
        indicator = services.get_indicator(campaign, indicator_id)
    if (back := _draft_only(campaign)) is not None:
        return back
    form = IndicatorForm(
        data={
            **{name: getattr(indicator, name) for name in ("code", "name", "description", "weight", "unit")},
            "source": indicator.source.value,
            "rule": indicator.rule.value,
            "target": indicator.target,
            "dimension_id": str(indicator.dimension_id),
            "metric": indicator.metric or "",
            "bands": services.bands_text(indicator.bands),
            "higher_is_better": "1" if indicator.higher_is_better else "0",
        }
    ).offer(campaign.dimensions)
    if submit_form(
        form,
        lambda: services.update_indicator(acting_user(), indicator, form.data_for_service()),
        "指标已保存。",
        check=lambda: services.validate_indicator(campaign, form.data_for_service(), indicator),
    )[0]:
        return redirect(url_for("evaluation.campaign", year=year, _anchor="indicators"))
    return _indicator_page(campaign, form, indicator)


@bp.route("/admin/evaluation/<int:year>/indicators/<int:indicator_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def delete_indicator(year: int, indicator_id: int):
    campaign = _campaign(year)
    with or_404():
        indicator = services.get_indicator(campaign, indicator_id)
    name = indicator.name
    perform(lambda: services.remove_indicator(acting_user(), indicator), f"已删除指标“{name}”。")
    return redirect(url_for("evaluation.campaign", year=year, _anchor="indicators"))


# --- participants and results --------------------------------------------------------------------


@bp.route("/admin/evaluation/<int:year>/participants/<int:participant_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def remove_participant(year: int, participant_id: int):
    campaign = _campaign(year)
    with or_404():
        participant = services.get_participant(campaign, participant_id)
    name = participant.platform.name
    perform(lambda: services.remove_participant(acting_user(), participant), f"已将“{name}”移出参评名单。")
    return redirect(url_for("evaluation.campaign", year=year, _anchor="participants"))


@bp.route("/admin/evaluation/<int:year>/results")
@role_required(Role.ADMIN)
def results(year: int):
    campaign = _campaign(year)
    if campaign.computed_at is None:
        flash("结果尚未计算。", "error")
        return redirect(url_for("evaluation.campaign", year=year))
    filters = RankingFilters.read(request.args, flags=True)
    page = page_of(ranking_query(campaign, filters=filters), size="RANKING_PAGE_SIZE")
    return render_template(
        "evaluation/results.html",
        campaign=campaign,
        page=page,
        filters=filters,
        keep=("city", "grade", "flag", "q"),
        count=participant_count(campaign),
        cities=cities(campaign),
        indicators=list(campaign.indicators),
        values_of=lambda p: {v.indicator_id: v for v in p.values},
        derivation_url=_derivation_urls(campaign.year),
        flag_labels=vocab.EVALUATION_FLAGS,
    )


_REF, _CODE = "__platform_ref__", "__code__"


def _derivation_urls(year: int):
    """`url(platform ref, indicator code)` of the derivation page, the same as url_for's, without
    matching the route once per platform and indicator (a results table links every value)."""
    before, rest = url_for("evaluation.derivation", year=year, platform_ref=_REF, code=_CODE).split(_REF)
    middle, after = rest.split(_CODE)
    segment = BaseConverter(current_app.url_map).to_url  # quotes a path segment as url_for does
    return lambda ref, code: f"{before}{segment(ref)}{middle}{segment(code)}{after}"


@bp.route("/evaluation/<int:year>/platforms/<platform_ref>/indicators/<code>")
def derivation(year: int, platform_ref: str, code: str):
    if len(platform_ref) > 80 or len(code) > 40:
        abort(404)
    with or_404():
        found = services.derivation(acting_user(), year, platform_ref, code)
    user = acting_user()
    return render_template(
        "evaluation/derivation.html",
        d=found,
        can_open_booking=lambda booking: booking_services.can_view(user, booking),
        directions=DIRECTIONS,
        bands_text=services.bands_text,
        explanation=services.score_explanation(found.indicator, found.value),
    )
