"""The coverage dashboard (administrators: where demand meets no supply, with downloads and the unmet
demands to work through) and the public statistics page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from ..accounts.models import Role
from ..core.auth import acting_user, or_404, role_required
from ..core.errors import DomainError
from ..core.spreadsheets import csv_bytes
from ..core.views import apply_to_form, page_of, perform, submit_form
from ..extensions import db
from ..matching.outbox import memo, public_page
from ..platforms.models import Platform
from . import export, services
from .forms import PeriodForm, gap_form

bp = Blueprint("coverage", __name__)


@bp.app_template_filter("platform_name")
def platform_name(platform_id: int) -> str:
    """A platform's name where an action names it by id (a forwarded demand's history)."""
    platform = db.session.get(Platform, platform_id)
    return platform.name if platform is not None else "（已删除的平台）"


def _period() -> tuple[PeriodForm, services.Period | None]:
    """The period the query string asks for (this year's without one); None with the form's messages."""
    form = PeriodForm(request.args)
    if not form.validate():
        return form, None
    try:
        period = services.period_of(form.start.data, form.end.data)
    except DomainError as exc:
        apply_to_form(form, exc)
        return form, None
    form.start.data, form.end.data = period.start, period.end  # the fields show the period shown
    return form, period


def _figures(period: services.Period) -> dict:
    remember = memo()
    rows = remember(("coverage", period), lambda: services.coverage(period))
    return {
        "period": period,
        "rows": rows,
        "totals": services.totals(rows, services.ROW_FIELDS + ("conversions",)),
        "heat": services.heat_map(rows),
        "trend": remember(("coverage-trends", period), lambda: services.trends(period)),
        "gaps": services.gaps(rows),
        "labels": services.LABELS,
    }


def _page(template: str, **extra):
    form, period = _period()
    if period is None:
        return render_template(template, form=form, period=None, **extra), 400
    return render_template(template, form=form, **_figures(period), **extra)


@bp.route("/admin/coverage")
@role_required(Role.ADMIN)
def dashboard():
    return _page("coverage/dashboard.html")


@bp.route("/admin/coverage/<any(cells, trends):table>.csv")
@role_required(Role.ADMIN)
def download_csv(table: str):
    _form, period = _period()
    if period is None:
        abort(400)
    header, rows = export.tables(period)[table]
    return Response(
        csv_bytes(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="coverage-{table}-{period.start}-{period.end}.csv"'
        },
    )


@bp.route("/admin/coverage.xlsx")
@role_required(Role.ADMIN)
def download_xlsx():
    _form, period = _period()
    if period is None:
        abort(400)
    return Response(
        export.xlsx_bytes(period),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="coverage-{period.start}-{period.end}.xlsx"'},
    )


def _unmet_page(replaced: tuple | None = None, status: int = 200):
    state = request.args.get("state", "todo")
    state = state if state in services.UNMET_STATES else "todo"
    page = page_of(services.unmet_demands(state))
    if replaced is not None and replaced[0].id not in {d.id for d in page.items}:
        page.items.insert(0, replaced[0])  # the demand whose form is refused stays in sight
    forms = {d.id: gap_form(d, services.gap_platforms(d)) for d in page.items}
    if replaced is not None:
        forms[replaced[0].id] = replaced[1]
    return (
        render_template(
            "coverage/unmet.html",
            page=page,
            state=state,
            fits=services.fits_of(page.items),
            actions=services.actions_of(page.items),
            forms=forms,
            days=services.unmet_days(),
        ),
        status,
    )


@bp.route("/admin/coverage/unmet")
@role_required(Role.ADMIN)
def unmet():
    """Open demands without a good match for `COVERAGE_UNMET_DAYS` days or more, longest waiting first:
    those nobody acted on (`?state=handled`: those forwarded or recruited for; `?state=out_of_scope`:
    those judged outside 中试 services, where the judgement can be taken back)."""
    return _unmet_page()


@bp.route("/admin/coverage/unmet/<int:demand_id>", methods=["POST"])
@role_required(Role.ADMIN)
def act(demand_id: int):
    with or_404():
        demand = services.load_open_demand(demand_id)
    form = gap_form(demand, services.gap_platforms(demand), request.form)
    done, _ = submit_form(
        form,
        lambda: services.act_on_gap(
            acting_user(), demand.id, form.action.data, form.note.data, form.platforms.data or []
        ),
        f"已处理需求“{demand.title}”，并已通知企业。",
    )
    if done:
        return redirect(url_for("coverage.unmet"))
    return _unmet_page((demand, form), 422)


@bp.route("/admin/coverage/unmet/<int:demand_id>/reconsider", methods=["POST"])
@role_required(Role.ADMIN)
def reconsider(demand_id: int):
    with or_404():
        perform(
            lambda: services.reconsider(acting_user(), demand_id, request.form.get("reason", "")),
            "已重新纳入：该需求重新计入供需统计，并已通知企业。",
        )
    return redirect(url_for("coverage.unmet", state="out_of_scope"))


@bp.route("/statistics")
@public_page
def public():
    return _page("coverage/public.html")
