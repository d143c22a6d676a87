"""Demand pages: the firm's own needs, the public list, the detail with ranked matches."""

from __future__ import annotations

import json
from dataclasses import replace

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.views import safe_next
from ..core.auth import acting_user, or_404, role_required
from ..core.views import page_arg, page_of, page_size, perform, submit_form
from ..extensions import db
from ..inquiries import services as inquiries
from ..matching import services as matching
from ..matching.outbox import memo, public_page, signed_in_page
from ..offerings.models import Offering
from . import services
from .forms import DemandForm, MatchFeedbackForm
from .models import DEMAND_WORKFLOW, MODERATION_ACTIONS, OWNER_ACTIONS, Demand

bp = Blueprint("demands", __name__)


@bp.app_template_global()
def hidden_reason(demand) -> str | None:
    return services.hidden_reason(current_user, demand)


@bp.app_template_global()
def moderation_actions(demand) -> list[str]:
    """What an administrator may do to this demand now (the workflow's table)."""
    return DEMAND_WORKFLOW.allowed_actions(demand.status, among=MODERATION_ACTIONS)


@bp.app_template_global()
def demand_publisher(demand) -> str:
    """The firm's name as the current user may see it (anonymous demands: “某企业（匿名）”)."""
    return services.publisher_name(current_user, demand)


#: The query parameters the demand hall's links (filters, sorting, pager) carry over.
HALL_PARAMS = ("q", "domain", "kind", "city", "sort")


@bp.route("/demands")
@public_page
def public_list():
    """需求大厅: open demands, filtered by domain, kind and preferred city, searched by words."""
    q = (request.args.get("q") or "").strip()[:200]
    filters = services.HallFilters(
        q=q,
        domain=request.args.get("domain") or None,
        kind=request.args.get("kind") or None,
        city=request.args.get("city") or None,
        sort=request.args.get("sort") or ("relevance" if q else "newest"),
    )
    if filters.sort not in filters.sorts:
        filters = replace(filters, sort="relevance" if q else "newest")
    page = services.hall_page(filters, page_arg(), page_size(), remember=memo())
    return render_template("demands/list.html", page=page, filters=filters, link_params=HALL_PARAMS)


@bp.route("/my/demands")
@role_required(Role.FIRM)
def mine():
    return render_template("demands/mine.html", demands=services.demands_of(acting_user()))


@bp.route("/my/demands/new", methods=["GET", "POST"])
@role_required(Role.FIRM)
def create():
    form = DemandForm()
    publish = request.form.get("publish") == "1"
    done, demand = submit_form(
        form,
        lambda: services.create_demand(acting_user(), form.to_data(), publish=publish),
        "需求已发布，下面是为您匹配的中试资源。" if publish else "需求已保存为草稿。",
        check=lambda: services.validate(form.to_data(), opening=publish),
    )
    if done:
        return redirect(url_for("demands.detail", demand_id=demand.id))
    return render_template("demands/form.html", form=form, title="发布中试需求")


@bp.route("/my/demands/suggest", methods=["POST"])
@role_required(Role.FIRM)
def suggest():
    """Domains and kinds suggested for the need being written (the form's 识别领域与类型 button)."""
    return jsonify(
        services.suggest(request.form.get("title", "")[:200], request.form.get("description", "")[:10000])
    )


@bp.route("/my/demands/<int:demand_id>/edit", methods=["GET", "POST"])
@role_required(Role.FIRM)
def edit(demand_id: int):
    with or_404():
        demand = services.get_owned(acting_user(), demand_id)
    form = DemandForm(obj=demand)
    done, _ = submit_form(
        form,
        lambda: services.update_demand(acting_user(), demand, form.to_data()),
        "需求已保存。",
        check=lambda: services.validate(form.to_data()),
    )
    if done:
        return redirect(url_for("demands.detail", demand_id=demand.id))
    return render_template("demands/form.html", form=form, title=f"编辑需求：{demand.title}", demand=demand)


@bp.route("/demands/<int:demand_id>")
@signed_in_page
def detail(demand_id: int):
    demand = services.get_visible(current_user, demand_id)
    if demand is None:
        abort(404)
    return _detail_page(demand)


def _detail_page(demand, feedback: tuple[int, MatchFeedbackForm] | None = None):
    """The demand's page; `feedback`: a match's feedback form refused, shown with its messages."""
    user = current_user
    owner_or_admin = services.is_owner(user, demand) or (user.is_authenticated and user.is_admin)
    matches = matching.demand_matches(demand, limit=20) if owner_or_admin else []
    judgements = services.judgements_on(demand) if owner_or_admin else {}
    contacted = {c.platform_id for c in demand.contacts} if owner_or_admin else set()
    sent, proposals = inquiries.about_demand(demand) if owner_or_admin else ([], [])
    alike_listed = _alike_listed(matches, {*judgements, *([feedback[0]] if feedback else [])})
    return render_template(
        "demands/detail.html",
        demand=demand,
        matches=matches,
        bookable=_bookable([*matches, *(a for listed in alike_listed.values() for a in listed)]),
        contacted=contacted,
        inquiries=sent,
        inquired={i.platform_id: i for i in reversed(sent)},
        proposals=proposals,
        own_proposals=inquiries.own_proposals_on(user, demand),
        may_propose=demand.is_open and bool(inquiries.proposing_platforms(user)),
        is_owner=services.is_owner(user, demand),
        confidential=services.can_read_confidential(user, demand),
        actions=[(a, DEMAND_WORKFLOW.action_labels[a]) for a in services.owner_actions(demand)]
        if owner_or_admin
        else [],
        judgements=judgements,
        feedback=feedback,
        alike_listed=alike_listed,
    )


#: Near-identical offerings of other platforms listed under a match (the rest: a search for its title).
ALIKE_SHOWN = 5


def _alike_listed(matches, judged: set[int]) -> dict[int, list]:
    """The alike offerings listed under each match (by its offering id), in their order (best first):
    every one the firm judged (or is judging) and the first `ALIKE_SHOWN` of the others. So judging one
    brings the next into view, none moves when judged, and the rest are a search away."""
    listed = {}
    for m in matches:
        first = [a.obj_id for a in m.alike if a.obj_id not in judged][:ALIKE_SHOWN]
        listed[m.obj_id] = [a for a in m.alike if a.obj_id in judged or a.obj_id in first]
    return listed


def _bookable(matches) -> set[int]:
    """The offerings among `matches` (listed ones and those folded under them) a firm can book online:
    the page offers 预约 beside their 发送咨询."""
    ids = [m.obj_id for m in matches]
    if not ids:
        return set()
    query = select(Offering.id).where(Offering.id.in_(ids), Offering.is_bookable, Offering.is_public)
    return set(db.session.scalars(query))


@bp.route(f"/my/demands/<int:demand_id>/<any({', '.join(OWNER_ACTIONS)}):action>", methods=["POST"])
@role_required(Role.FIRM)
def act(demand_id: int, action: str):
    with or_404():
        demand = services.get_owned(acting_user(), demand_id)
    perform(
        lambda: services.transition(acting_user(), demand, action),
        f"已{DEMAND_WORKFLOW.action_labels[action]}。",
    )
    return redirect(url_for("demands.detail", demand_id=demand.id))


@bp.route("/my/demands/<int:demand_id>/matches/<int:offering_id>/feedback", methods=["POST"])
@role_required(Role.FIRM)
def judge(demand_id: int, offering_id: int):
    """有用 / 不相关 on one match (again: the judgement is replaced)."""
    with or_404():
        demand = services.get_owned(acting_user(), demand_id)
    form = MatchFeedbackForm()
    if not form.validate_on_submit():
        return _detail_page(demand, (offering_id, form)), 400
    with or_404():
        perform(
            lambda: services.judge_match(
                acting_user(), demand, offering_id, useful=not form.not_useful.data, reason=form.reason.data
            ),
            "已记录您的评价，谢谢！评价将用于改进匹配。",
        )
    return redirect(url_for("demands.detail", demand_id=demand.id, _anchor=f"match-{offering_id}"))


@bp.route("/my/demands/<int:demand_id>/matches/<int:offering_id>/feedback/withdraw", methods=["POST"])
@role_required(Role.FIRM)
def withdraw_judgement(demand_id: int, offering_id: int):
    with or_404():
        demand = services.get_owned(acting_user(), demand_id)
    if services.withdraw_judgement(acting_user(), demand, offering_id):
        db.session.commit()
        flash("已撤销评价。", "success")
    else:  # withdrawn already, e.g. from another tab
        flash("该评价此前已撤销。", "info")
    return redirect(url_for("demands.detail", demand_id=demand.id, _anchor=f"match-{offering_id}"))


#: The query parameters the administrators' list of demands keeps in its links.
ADMIN_PARAMS = ("q", "status", "domain")


@bp.route("/admin/demands")
@role_required(Role.ADMIN)
def admin_list():
    """Every published demand with search and filters; hide one that breaks the rules, restore it."""
    filters = services.AdminFilters(
        q=(request.args.get("q") or "").strip()[:100],
        status=request.args.get("status") or None,
        domain=request.args.get("domain") or None,
    )
    return render_template(
        "demands/admin_list.html",
        page=page_of(services.admin_demands(filters)),
        filters=filters,
        link_params=ADMIN_PARAMS,
    )


@bp.route("/admin/demands/<int:demand_id>/<any(hide, restore):action>", methods=["POST"])
@role_required(Role.ADMIN)
def moderate(demand_id: int, action: str):
    demand = db.session.get(Demand, demand_id) or abort(404)
    perform(
        lambda: services.moderate(acting_user(), demand, action, request.form.get("reason", "")),
        "已隐藏该需求，并已通知企业。" if action == "hide" else "已恢复展示该需求，并已通知企业。",
    )
    return redirect(safe_next(request.form.get("next")) or url_for("demands.admin_list"))


@bp.route("/admin/match-feedback")
@role_required(Role.ADMIN)
def feedback_list():
    """Every firm's judgement of its matches, newest first, filterable by verdict; the export beside it."""
    verdict = request.args.get("verdict", "")
    useful = {"useful": True, "not_useful": False}.get(verdict)
    return render_template(
        "demands/feedback.html",
        page=page_of(services.feedback_list(useful)),
        totals=services.feedback_totals(),
        verdict=verdict if useful is not None else "",
    )


@bp.route("/admin/match-feedback/qrels.json")
@role_required(Role.ADMIN)
def feedback_qrels():
    """The judgements as judged qrels (the format of the judged sets' `dev_qrels.json`)."""
    body = json.dumps(services.feedback_qrels(), ensure_ascii=False, indent=2)
    return current_app.response_class(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="match_qrels.json"'},
    )


@bp.route("/my/demands/<int:demand_id>/contact/<int:platform_id>", methods=["POST"])
@role_required(Role.FIRM)
def contact(demand_id: int, platform_id: int):
    """The old one-click “联系平台”: now the inquiry form for that platform and demand, which shows
    what would be disclosed before anything is (303: the browser follows with a GET)."""
    with or_404():
        services.get_owned(acting_user(), demand_id)
    return redirect(url_for("inquiries.new", platform=platform_id, demand=demand_id), 303)
