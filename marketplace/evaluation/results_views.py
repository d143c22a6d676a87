"""Results pages of the yearly evaluation: public once published (administrators preview computed
results, marked 预览 未公布), the ranking with its charts, each platform's breakdown against the
province median, and the administrators' publication, locking, corrections and Excel export."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for

from ..accounts.models import Role
from ..core.auth import acting_user, or_404, role_required
from ..core.views import page_of, perform, submit_form
from ..matching.outbox import public_page
from ..platforms import services as platform_services
from ..platforms.models import PLATFORM_WORKFLOW
from . import export, results
from .models import CAMPAIGN_WORKFLOW, IndicatorSource
from .results_forms import CorrectionForm

bp = Blueprint("evaluation_results", __name__, url_prefix="/evaluation")

#: The campaign actions an administrator takes on the results page.
RESULT_ACTIONS = ("publish", "lock")
#: The derivation page of a value (built by the campaign's own pages when they exist).
DERIVATION_ENDPOINT = "evaluation.derivation"


@bp.route("/")
@public_page
def index():
    campaigns = results.campaigns_for(acting_user())
    return render_template(
        "evaluation/results_index.html", campaigns=campaigns, counts=results.participant_counts(campaigns)
    )


def _campaign(year: int):
    with or_404():
        return results.campaign_for(acting_user(), year)


#: The query parameters of the ranking page's filters (its links also keep the dimension tab and the
#: page of each of its tables: "page" the ranking, "dpage" the dimension's, "fpage" the follow-up).
RANKING_FILTERS = ("city", "grade", "q")


def _page(stmt, param: str):
    return page_of(stmt, param, size="RANKING_PAGE_SIZE")


@bp.route("/<int:year>/")
@public_page
def year(year: int):
    campaign = _campaign(year)
    user = acting_user()
    filters = results.RankingFilters.read(request.args)
    page = _page(results.ranking_query(campaign, values=False, filters=filters), "page")
    dimensions = list(campaign.dimensions)
    domain = next((d for d in dimensions if d.code == request.args.get("domain")), None)
    domain = domain or (dimensions[0] if dimensions else None)
    domain_page = _page(results.dimension_ranking_query(campaign, domain.code), "dpage") if domain else None
    grades = results.grade_counts(campaign)
    distribution = results.grade_distribution(grades)
    admin = results.may_preview(user)
    return render_template(
        "evaluation/results_year.html",
        campaign=campaign,
        preview=not campaign.is_public,
        count=sum(grades.values()),
        page=page,
        filters=filters,
        keep=RANKING_FILTERS,
        cities=results.cities(campaign),
        dimensions=dimensions,
        domain=domain,
        domain_page=domain_page,
        distribution=distribution,
        chart={"labels": [d["label"] for d in distribution], "counts": [d["count"] for d in distribution]},
        indicators=list(campaign.indicators),
        rule_text=results.rule_text,
        corrections=results.corrections(campaign),
        knock_on=results.knock_on_names,
        admin=admin,
        actions=CAMPAIGN_WORKFLOW.allowed_actions(campaign.status, among=RESULT_ACTIONS) if admin else [],
        workflow=CAMPAIGN_WORKFLOW,
        follow_up=_page(results.follow_up_query(campaign), "fpage") if admin else None,
        can_suspend=lambda p: PLATFORM_WORKFLOW.can(p, "suspend"),
        suspension_reason=results.suspension_reason,
    )


@bp.route("/<int:year>/platforms/<ref>")
@public_page
def platform(year: int, ref: str):
    campaign = _campaign(year)
    user = acting_user()
    with or_404():
        participant = results.participant_for(campaign, ref)
    medians = results.medians(campaign)
    values = results.values_by_code(participant)
    indicators = list(campaign.indicators)
    corrections = results.corrections(campaign, participant)
    experts = [i for i in indicators if i.source == IndicatorSource.EXPERT]
    summaries = results.expert_summaries(campaign, [participant]) if experts else {}
    has_derivation = DERIVATION_ENDPOINT in current_app.view_functions
    return render_template(
        "evaluation/results_platform.html",
        campaign=campaign,
        preview=not campaign.is_public,
        participant=participant,
        platform=participant.platform,
        count=results.participant_count(campaign),
        dimensions=list(campaign.dimensions),
        indicators=indicators,
        values=values,
        medians=medians,
        points=results.points,
        rule_text=results.rule_text,
        derivation=lambda i: _derivation_path(campaign, ref, i) if has_derivation else None,
        experts=[(i, summaries[participant.id, i.id]) for i in experts],
        corrected={c.indicator.code for c in corrections},
        corrections=corrections,
        show_flags=results.may_preview(user) or platform_services.can_manage(user, participant.platform),
        may_correct=results.may_correct(user, campaign),
        chart={
            "labels": [i.name for i in indicators],
            "platform": [values[i.code].score if i.code in values else None for i in indicators],
            "median": [medians[i.code]["score"] for i in indicators],
            "platformLabel": participant.platform.name,
        },
    )


def _derivation_path(campaign, ref: str, indicator) -> str | None:
    """The derivation page of a computed value (the campaign pages' endpoint, by its URL path)."""
    if indicator.source != IndicatorSource.COMPUTED:
        return None
    code = quote(indicator.code, safe="")
    return f"/evaluation/{campaign.year}/platforms/{quote(ref, safe='')}/indicators/{code}"


# --- administrators ----------------------------------------------------------------------------


@bp.route("/<int:year>/export.xlsx")
@role_required(Role.ADMIN)
def export_xlsx(year: int):
    campaign = _campaign(year)
    return Response(
        export.xlsx_bytes(campaign),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="evaluation-{campaign.year}.xlsx"'},
    )


@bp.route("/<int:year>/<any(publish, lock):action>", methods=["POST"])
@role_required(Role.ADMIN)
def act(year: int, action: str):
    campaign = _campaign(year)
    service = results.publish if action == "publish" else results.lock
    perform(
        lambda: service(acting_user(), campaign),
        f"{campaign.title}：{CAMPAIGN_WORKFLOW.action_labels[action]}完成。",
    )
    return redirect(url_for("evaluation_results.year", year=campaign.year))


@bp.route("/<int:year>/platforms/<ref>/correct", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def correct(year: int, ref: str):
    campaign = _campaign(year)
    with or_404():
        participant = results.participant_for(campaign, ref)
    form = CorrectionForm().offer(campaign.indicators)
    if request.method == "GET" and request.args.get("indicator") in {i.code for i in campaign.indicators}:
        form.indicator.data = request.args["indicator"]

    def value():
        return float(form.value.data) if form.value.data is not None else None

    done, correction = submit_form(
        form,
        lambda: results.correct(
            acting_user(), campaign, participant.platform, form.indicator.data, value(), form.reason.data
        ),
        None,
        check=lambda: results.check_correction(campaign, form.indicator.data, value(), form.reason.data),
    )
    if done:
        flash(
            f"已更正：{participant.platform.name}总分 {correction.old_total:g} → {correction.new_total:g}"
            + (f"，另有 {len(correction.knock_on)} 个平台的总分随之变化。" if correction.knock_on else "。"),
            "success",
        )
        return redirect(url_for("evaluation_results.platform", year=campaign.year, ref=ref))
    values = results.values_by_code(participant)
    return render_template(
        "evaluation/results_correct.html",
        campaign=campaign,
        participant=participant,
        form=form,
        values=values,
        indicators=list(campaign.indicators),
        may_correct=results.may_correct(acting_user(), campaign),
    )
