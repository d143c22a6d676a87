"""Pages of the typical-case selection: administrators' rounds, review assignment and selection
(/admin/cases/…), operators' nominations (/my/cases/…), experts' rubric forms (/expert/cases/…)
and the public showcase (/cases/)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from .. import vocab
from ..accounts.models import Role
from ..attachments import services as attachment_services
from ..core.auth import acting_user, or_404, role_required
from ..core.errors import DomainError
from ..core.views import apply_to_form, page_of, perform, submit_form
from ..extensions import db
from ..matching.outbox import public_page
from . import services
from .forms import AssignForm, NominationForm, ReturnForm, ReviewForm, RoundForm
from .models import (
    NOMINATION_WORKFLOW,
    ROUND_WORKFLOW,
    CaseNomination,
    CaseReview,
    RoundPhase,
    SelectionRound,
)

bp = Blueprint("cases", __name__)

#: The query parameters the showcase's links carry over.
SHOWCASE_PARAMS = ("year", "domain", "city", "category")


@bp.app_template_global()
def platform_cases(platform) -> list[CaseNomination]:
    """The platform's published selected cases (a section of its public page)."""
    return services.cases_of_platform(platform)


# ---------------------------------------------------------------- the public showcase


def _year_arg() -> int | None:
    year = request.args.get("year", type=int)
    return year if year is not None and services.YEAR.problem(year) is None else None


@bp.route("/cases/")
@public_page
def showcase():
    filters = services.CaseFilters(
        year=_year_arg(),
        domain=request.args.get("domain") or None,
        city=request.args.get("city") or None,
        category=request.args.get("category") or None,
    )
    page = page_of(services.filter_cases(filters))
    return render_template(
        "cases/showcase.html",
        page=page,
        filters=filters,
        counts=services.case_counts(filters),
        keep=SHOWCASE_PARAMS,
    )


@bp.route("/cases/<int:nomination_id>")
@public_page
def case(nomination_id: int):
    nomination = services.get_public(nomination_id)
    if nomination is None:
        abort(404)
    return render_template(
        "cases/case.html", case=nomination, offerings=services.evidence_offerings(nomination)
    )


# ---------------------------------------------------------------- operators


@bp.route("/my/cases/")
@role_required(Role.OPERATOR)
def mine():
    user = acting_user()
    return render_template(
        "cases/mine.html",
        rounds=services.open_rounds(),
        platforms=services.nominating_platforms(user),
        nominations=services.nominations_of(user),
    )


def _nomination_form(user, platforms) -> NominationForm:
    work = [b for p in platforms for b in services.done_work_of(p)]
    return NominationForm().offer(platforms, work)


@bp.route("/my/cases/rounds/<int:round_id>/new", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def create(round_id: int):
    user = acting_user()
    rnd = db.get_or_404(SelectionRound, round_id)
    if rnd not in services.open_rounds():
        abort(404)
    platforms = services.nominating_platforms(user)
    if not platforms:
        flash("本单位还没有通过审核的平台，暂不能推荐案例。", "error")
        return redirect(url_for("cases.mine"))
    form = _nomination_form(user, platforms)
    if request.method == "GET" and request.args.get("platform", type=int):
        form.platform_id.data = request.args.get("platform", type=int)
    done, nomination = submit_form(
        form,
        lambda: services.create_nomination(user, rnd, form.platform_id.data, form.data_dict()),
        "案例已保存为草稿。补充图片和附件后请提交推荐。",
        check=lambda: services.validate_nomination(
            form.data_dict(), _platform_in(platforms, form.platform_id.data)
        ),
    )
    if done:
        return redirect(url_for("cases.nomination", nomination_id=nomination.id))
    return render_template("cases/form.html", form=form, round=rnd, title=f"推荐案例：{rnd.title}")


def _platform_in(platforms, platform_id):
    return next((p for p in platforms if p.id == platform_id), None)


@bp.route("/my/cases/<int:nomination_id>")
@role_required(Role.OPERATOR)
def nomination(nomination_id: int):
    user = acting_user()
    with or_404():
        item = services.get_managed(user, nomination_id)
    return render_template(
        "cases/nomination.html",
        nomination=item,
        actions=services.operator_actions(user, item),
        workflow=NOMINATION_WORKFLOW,
        editable=services.can_edit(user, item),
        history=services.history(item),
    )


@bp.route("/my/cases/<int:nomination_id>/edit", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def edit(nomination_id: int):
    user = acting_user()
    with or_404():
        item = services.get_managed(user, nomination_id)
    if not services.can_edit(user, item):
        flash("该推荐当前不能修改。", "error")
        return redirect(url_for("cases.nomination", nomination_id=item.id))
    form = NominationForm(obj=item) if request.method == "GET" else NominationForm()
    form.offer([item.platform], services.done_work_of(item.platform))
    del form.platform_id
    if request.method == "GET":
        form.evidence.data = [b.id for b in item.evidence]
    if submit_form(
        form,
        lambda: services.update_nomination(user, item, form.data_dict()),
        "案例已保存。",
        check=lambda: services.validate_nomination(form.data_dict(), item.platform),
    )[0]:
        return redirect(url_for("cases.nomination", nomination_id=item.id))
    return render_template(
        "cases/form.html", form=form, round=item.round, title=f"修改案例：{item.title}", nomination=item
    )


@bp.route("/my/cases/<int:nomination_id>/<any(submit, withdraw):action>", methods=["POST"])
@role_required(Role.OPERATOR)
def act(nomination_id: int, action: str):
    user = acting_user()
    with or_404():
        item = services.get_managed(user, nomination_id)
    if action == "submit":
        perform(lambda: services.submit_nomination(user, item), "已提交推荐。")
    else:
        perform(lambda: services.withdraw_nomination(user, item), "已撤回推荐。")
    return redirect(url_for("cases.nomination", nomination_id=item.id))


# ---------------------------------------------------------------- experts


@bp.route("/expert/cases/<int:review_id>", methods=["GET", "POST"])
@role_required(Role.EXPERT)
def review(review_id: int):
    user = acting_user()
    with or_404():
        item = services.get_review(user, review_id)
    form = ReviewForm(obj=item)
    submit = request.form.get("submit") == "1"
    if form.is_submitted():
        scores = {code: getattr(form, code).data for code in vocab.CASE_CRITERIA}
        done, _ = submit_form(
            form,
            lambda: services.save_review(user, item, scores, form.comment.data or "", submit),
            "评分已提交。" if submit else "评分已保存，提交前可继续修改。",
            check=lambda: services.validate_scores(
                {k: v for k, v in scores.items() if isinstance(v, int)}, submit, form.comment.data or ""
            ),
        )
        if done:
            return redirect(url_for("cases.review", review_id=item.id))
    nomination = item.nomination
    return render_template(
        "cases/review.html",
        review=item,
        nomination=nomination,
        form=form,
        editable=services.review_open(item),
        files=attachment_services.visible(user, nomination, "file"),
    )


# ---------------------------------------------------------------- administrators


@bp.route("/admin/cases/")
@role_required(Role.ADMIN)
def rounds():
    return render_template("cases/rounds.html", rounds=services.all_rounds())


@bp.route("/admin/cases/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create_round():
    form = RoundForm()
    if request.method == "GET":
        form.quota_service.data = form.quota_solution.data = form.quota_application.data = 5
    done, rnd = submit_form(
        form,
        lambda: services.create_round(acting_user(), form.data_dict()),
        "遴选已创建（草稿）。",
        check=lambda: services.validate_round(form.data_dict()),
    )
    if done:
        return redirect(url_for("cases.admin_round", round_id=rnd.id))
    return render_template("cases/round_form.html", form=form, title="新建典型案例遴选")


@bp.route("/admin/cases/<int:round_id>")
@role_required(Role.ADMIN)
def admin_round(round_id: int):
    with or_404():
        rnd = services.get_round(acting_user(), round_id)
    return render_template(
        "cases/round.html",
        round=rnd,
        actions=services.round_actions(rnd),
        editable=rnd.status == RoundPhase.DRAFT,
        workflow=ROUND_WORKFLOW,
        history=services.history(rnd),
        nominations=services.round_nominations(rnd),
        selected={c: services.selected_count(rnd, c) for c in vocab.CASE_CATEGORIES},
    )


@bp.route("/admin/cases/<int:round_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_round(round_id: int):
    with or_404():
        rnd = services.get_round(acting_user(), round_id)
    if rnd.status != RoundPhase.DRAFT:
        flash("只有草稿状态的遴选可以修改。", "error")
        return redirect(url_for("cases.admin_round", round_id=rnd.id))
    form = RoundForm(obj=rnd)
    if request.method == "GET":
        form.fill(rnd)
    if submit_form(
        form,
        lambda: services.update_round(acting_user(), rnd, form.data_dict()),
        "遴选已保存。",
        check=lambda: services.validate_round(form.data_dict(), rnd),
    )[0]:
        return redirect(url_for("cases.admin_round", round_id=rnd.id))
    return render_template("cases/round_form.html", form=form, title=f"修改：{rnd.title}", round=rnd)


@bp.route("/admin/cases/<int:round_id>/<any(open, start_review, publish):action>", methods=["POST"])
@role_required(Role.ADMIN)
def round_phase(round_id: int, action: str):
    with or_404():
        rnd = services.get_round(acting_user(), round_id)
    perform(
        lambda: services.change_phase(acting_user(), rnd, action),
        f"已{ROUND_WORKFLOW.action_labels[action]}。",
    )
    return redirect(url_for("cases.admin_round", round_id=rnd.id))


@bp.route("/admin/cases/<int:round_id>/ranking")
@role_required(Role.ADMIN)
def ranking(round_id: int):
    with or_404():
        rnd = services.get_round(acting_user(), round_id)
    return render_template(
        "cases/ranking.html",
        round=rnd,
        ranking=services.ranking(rnd),
        selected={c: services.selected_count(rnd, c) for c in vocab.CASE_CATEGORIES},
        rule=services.SCORE_RULE,
        can_select=rnd.status == RoundPhase.REVIEWING,
        workflow=NOMINATION_WORKFLOW,
    )


@bp.route("/admin/cases/nominations/<int:nomination_id>/<any(select, unselect):action>", methods=["POST"])
@role_required(Role.ADMIN)
def choose(nomination_id: int, action: str):
    with or_404():
        item = services.get_for_admin(acting_user(), nomination_id)
    service = services.select_nomination if action == "select" else services.unselect_nomination
    perform(
        lambda: service(acting_user(), item), f"“{item.title}”：{NOMINATION_WORKFLOW.action_labels[action]}。"
    )
    return redirect(url_for("cases.ranking", round_id=item.round_id) + f"#c-{item.category}")


@bp.route("/admin/cases/nominations/<int:nomination_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_nomination(nomination_id: int):
    user = acting_user()
    with or_404():
        item = services.get_for_admin(user, nomination_id)
    return_form, assign_form = ReturnForm(prefix="ret"), AssignForm(prefix="assign")
    which = request.form.get("form") if request.method == "POST" else None
    if (
        which == "return"
        and submit_form(
            return_form,
            lambda: services.return_nomination(user, item, return_form.comment.data),
            "已退回，平台将收到通知。",
        )[0]
    ):
        return redirect(url_for("cases.admin_nomination", nomination_id=item.id))
    if which == "assign" and assign_form.validate_on_submit():
        try:
            services.assign_experts(user, item, assign_form.experts.data)
        except DomainError as exc:
            db.session.rollback()
            apply_to_form(assign_form, exc)
        else:
            db.session.commit()
            flash("已分配评审专家。", "success")
            return redirect(url_for("cases.admin_nomination", nomination_id=item.id))
    result = services.expert_result(item)
    return render_template(
        "cases/admin_nomination.html",
        nomination=item,
        return_form=return_form,
        assign_form=assign_form,
        candidates=services.expert_candidates(item) if services.can_assign(item) else [],
        can_return=NOMINATION_WORKFLOW.can(item, "return") and item.round.status == RoundPhase.NOMINATING,
        result=result,
        history=services.history(item),
        workflow=NOMINATION_WORKFLOW,
        files=attachment_services.visible(user, item, "file"),
    )


@bp.route("/admin/cases/reviews/<int:review_id>/remove", methods=["POST"])
@role_required(Role.ADMIN)
def unassign(review_id: int):
    item = db.get_or_404(CaseReview, review_id)
    nomination_id = item.nomination_id
    perform(lambda: services.unassign(acting_user(), item), "已取消分配。")
    return redirect(url_for("cases.admin_nomination", nomination_id=nomination_id))
