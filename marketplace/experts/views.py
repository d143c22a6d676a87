"""The experts' workspace (评审工作台): their assignments of every kind (features register them in
`registry`), and their declarations of conflicts of interest."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ..accounts.models import Role
from ..core.auth import acting_user, role_required
from ..core.views import page_of_list, submit_form
from . import registry, services
from .forms import ConflictForm

bp = Blueprint("experts", __name__, url_prefix="/expert")


@bp.route("/")
@role_required(Role.EXPERT)
def workspace():
    """Both lists a page at a time (an expert may have hundreds of platforms to score)."""
    expert = acting_user()
    return render_template(
        "experts/workspace.html",
        pending=page_of_list(registry.pending(expert)),
        done=page_of_list(registry.done(expert), "done_page"),
        declarations=services.declarations_of(expert),
    )


@bp.route("/conflicts", methods=["GET", "POST"])
@role_required(Role.EXPERT)
def conflicts():
    expert = acting_user()
    form = ConflictForm()
    query = (request.args.get("q") if request.method == "GET" else form.q.data) or ""
    form.q.data = query
    found = services.search_platforms(expert, query)
    form.platform_id.choices = [(p.id, f"{p.name}（{p.organization.name}）") for p in found]
    done, _ = submit_form(
        form,
        lambda: services.declare_conflict(expert, form.platform_id.data, form.reason.data),
        "已记录利益冲突声明：今后不会再分配您评审该平台。",
        check=lambda: services.check_declaration(form.platform_id.data, form.reason.data),
    )
    if done:
        return redirect(url_for("experts.conflicts"))
    return render_template(
        "experts/conflicts.html",
        form=form,
        query=query,
        found=found,
        declarations=services.declarations_of(expert),
    )
