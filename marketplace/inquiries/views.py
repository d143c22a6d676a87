"""Inquiry and proposal pages: send an inquiry (confirming what it discloses), answer it, quote;
propose on a demand, compare and accept or decline proposals; the firm's and the platform's lists."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import login_required

from .. import vocab
from ..accounts.models import Role
from ..attachments.services import can_attach
from ..core.auth import acting_user, or_404, role_required
from ..core.errors import DomainError
from ..core.inputs import int_in_range
from ..core.models import utcnow, with_related
from ..core.views import apply_to_form, perform, submit_form
from ..demands import services as demand_services
from ..demands.models import Demand
from ..extensions import db
from ..offerings.models import Offering
from ..platforms.models import Platform
from . import services
from .forms import AcceptForm, DeclineForm, InquiryActionForm, InquiryForm, ProposalForm, QuoteForm
from .models import INQUIRY_WORKFLOW, PROPOSAL_WORKFLOW, Inquiry, Proposal

bp = Blueprint("inquiries", __name__)


def _id_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value and int_in_range(value) else None


def _get(model, obj_id):
    return db.session.get(model, obj_id) if obj_id else None


def _visible(load, obj_id: int):
    """The acting user and the inquiry or proposal `load(user, obj_id)` finds for them
    (`services.get_inquiry`, `services.get_proposal`); 404 when they may not see it."""
    user = acting_user()
    obj = load(user, obj_id)
    if obj is None:
        abort(404)
    return user, obj


# ---------------------------------------------------------------- lists


@bp.route("/my/inquiries")
@role_required(Role.FIRM, Role.OPERATOR)
def index():
    """Firms: 我的咨询 (sent inquiries, received proposals); operators: 咨询与方案 (received
    inquiries, sent proposals and quotes); with states and how long each has waited."""
    user = acting_user()
    return render_template(
        "inquiries/index.html",
        inquiries=db.session.scalars(
            services.inquiries_for(user)
            .options(*with_related(Inquiry.platform, Inquiry.organization, Inquiry.demand))
            .limit(200)
        ).all(),
        proposals=db.session.scalars(
            services.proposals_for(user)
            .options(*with_related(Proposal.platform, Proposal.demand, Proposal.inquiry))
            .limit(200)
        ).all(),
        now=utcnow(),
        target_hours=_target_hours(),
        firm_name=lambda inquiry: services.firm_name(user, inquiry),
    )


def _target_hours() -> int:
    return current_app.config["RESPONSE_TARGET_HOURS"]


# ---------------------------------------------------------------- inquiries


@bp.route("/my/inquiries/new", methods=["GET", "POST"])
@role_required(Role.FIRM)
def new():
    """Ask a platform (?offering= or ?platform=, optionally ?demand=). With a demand attached, a
    confirmation step shows what will be disclosed and offers the 保密承诺 before anything is sent."""
    user = acting_user()
    offering = _get(Offering, _id_arg("offering"))
    platform = offering.platform if offering is not None else _get(Platform, _id_arg("platform"))
    if platform is None or not platform.is_public or (offering is not None and not offering.is_public):
        abort(404)
    form = InquiryForm().offer(services.public_offerings(platform), services.inquirable_demands(user))
    if not form.is_submitted():
        form.offering_id.data = offering.id if offering is not None else None
        form.demand_id.data = _id_arg("demand")
        form.subject.data = f"咨询：{offering.title if offering is not None else platform.name}"
    action_url = url_for("inquiries.new", offering=offering.id if offering else None, platform=platform.id)

    def values():
        return dict(
            platform=platform,
            offering=_get(Offering, form.offering_id.data),
            demand=_get(Demand, form.demand_id.data),
            subject=form.subject.data,
            body=form.body.data,
        )

    def check():
        services.validate_inquiry(user, **values())

    chosen = values()
    if form.is_submitted() and request.form.get("edit"):  # back from the confirmation step
        form.confirmed.data = ""
    elif form.is_submitted() and chosen["demand"] is not None and form.confirmed.data != "1":
        valid = form.validate()
        try:
            check()
        except DomainError as exc:
            apply_to_form(form, exc, skip_refused=True)
            valid = False
        if valid:
            form.confirmed.data = "1"
            return render_template(
                "inquiries/confirm.html", form=form, action_url=action_url, nda_text=vocab.NDA_TEXT, **chosen
            )
    else:
        done, inquiry = submit_form(
            form,
            lambda: services.send_inquiry(user, requires_nda=form.requires_nda.data, **values()),
            "咨询已发送，平台回复后会通知您。",
            check=check,
        )
        if done:
            return redirect(url_for("inquiries.inquiry", inquiry_id=inquiry.id))
    return render_template(
        "inquiries/new.html", form=form, platform=platform, offering=offering, action_url=action_url
    )


@bp.route("/inquiries/<int:inquiry_id>")
@login_required
def inquiry(inquiry_id: int):
    _, inquiry = _visible(services.get_inquiry, inquiry_id)
    return _inquiry_page(inquiry, InquiryActionForm())


def _inquiry_page(inquiry, form, status: int = 200):
    user = acting_user()
    return (
        render_template(
            "inquiries/inquiry.html",
            inquiry=inquiry,
            form=form,
            actions=services.inquiry_actions(user, inquiry),
            action_labels=INQUIRY_WORKFLOW.action_labels,
            firm_name=services.firm_name(user, inquiry),
            persons=services.contact_persons(user, inquiry),
            disclosed=services.is_disclosed(inquiry),
            is_platform=services.is_platform_party(user, inquiry),
            is_firm=services.is_firm_party(user, inquiry),
            quotes=services.quotes_of(inquiry),
            history=services.history(inquiry),
            nda_text=vocab.NDA_TEXT,
            can_read_demand=inquiry.demand is not None and demand_services.can_view(user, inquiry.demand),
        ),
        status,
    )


@bp.route(
    f"/inquiries/<int:inquiry_id>/<any({', '.join(INQUIRY_WORKFLOW.action_labels)}):action>", methods=["POST"]
)
@login_required
def act(inquiry_id: int, action: str):
    user, inquiry = _visible(services.get_inquiry, inquiry_id)
    form = InquiryActionForm()
    with or_404():
        done, _ = submit_form(
            form,
            lambda: services.transition_inquiry(
                user, inquiry, action, form.reason.data, accept_nda=form.accept_nda.data
            ),
            f"已{INQUIRY_WORKFLOW.action_labels[action]}。",
        )
    if done:
        return redirect(url_for("inquiries.inquiry", inquiry_id=inquiry.id))
    return _inquiry_page(inquiry, form, 422)


@bp.route("/inquiries/<int:inquiry_id>/quote", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def quote(inquiry_id: int):
    user, inquiry = _visible(services.get_inquiry, inquiry_id)
    if not services.is_platform_party(user, inquiry):
        abort(404)
    form = QuoteForm().offer([], services.public_offerings(inquiry.platform))
    if not form.is_submitted():
        form.title.data = f"报价：{inquiry.subject}"
        form.offering_id.data = inquiry.offering_id
    return _proposal_form(
        form,
        lambda: services.submit_quote(user, inquiry, form.to_data()),
        "报价已发送给企业。",
        title=f"报价：{inquiry.subject}",
        inquiry=inquiry,
        demand=None,
    )


def _proposal_form(form, submit, success: str, **page):
    """Submit a proposal or quote (`submit()` returns it) and show it, or the form again with the
    messages (`page`: the form page's title and its demand or inquiry)."""
    with or_404():
        done, proposal = submit_form(
            form, submit, success, check=lambda: services.validate_proposal(form.to_data())
        )
    if done:
        return redirect(url_for("inquiries.proposal", proposal_id=proposal.id))
    return render_template("inquiries/proposal_form.html", form=form, **page)


# ---------------------------------------------------------------- proposals


@bp.route("/demands/<int:demand_id>/propose", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def propose(demand_id: int):
    """An operator of an approved platform answers an open demand with a proposal."""
    user = acting_user()
    demand = demand_services.get_visible(user, demand_id)
    platforms = services.proposing_platforms(user)
    if demand is None or not demand.is_open:
        abort(404)
    if not platforms:
        abort(403)
    offerings = [o for p in platforms for o in services.public_offerings(p)]
    form = ProposalForm().offer(platforms, offerings)
    if not form.is_submitted():
        form.title.data = f"方案：{demand.title}"[:200]

    def submit():
        platform = next((p for p in platforms if p.id == form.platform_id.data), None)
        if platform is None:
            raise DomainError(("platform_id", "请选择贵单位已通过审核的平台。"))
        return services.submit_proposal(user, platform, demand, form.to_data())

    return _proposal_form(
        form,
        submit,
        "方案已提交，企业答复后会通知您。",
        title=f"提交方案与报价：{demand.title}",
        demand=demand,
        inquiry=None,
    )


@bp.route("/proposals/<int:proposal_id>")
@login_required
def proposal(proposal_id: int):
    _, proposal = _visible(services.get_proposal, proposal_id)
    return _proposal_page(proposal, AcceptForm(), DeclineForm())


def _proposal_page(proposal, accept_form, decline_form, status: int = 200):
    user = acting_user()
    return (
        render_template(
            "inquiries/proposal.html",
            proposal=proposal,
            actions=services.proposal_actions(user, proposal),
            action_labels=PROPOSAL_WORKFLOW.action_labels,
            accept_form=accept_form,
            decline_form=decline_form,
            others=services.others_waiting(proposal) if services.is_firm_party(user, proposal) else [],
            order=services.order_of(proposal),
            rating=services.bookings.rating_summary(platform_id=proposal.platform_id),
            history=services.history(proposal),
            manage_files=can_attach(user, proposal),
            is_platform=services.is_platform_party(user, proposal),
            is_firm=services.is_firm_party(user, proposal),
            demand_name=demand_services.publisher_name(user, proposal.demand) if proposal.demand else None,
        ),
        status,
    )


def _back(proposal):
    """Where a firm returns after answering: the comparison when it came from there."""
    if request.form.get("back") == "compare" and proposal.demand_id:
        return redirect(url_for("inquiries.compare", demand_id=proposal.demand_id))
    return redirect(url_for("inquiries.proposal", proposal_id=proposal.id))


@bp.route("/proposals/<int:proposal_id>/accept", methods=["POST"])
@role_required(Role.FIRM)
def accept(proposal_id: int):
    user, proposal = _visible(services.get_proposal, proposal_id)
    form = AcceptForm()

    def run():
        if form.decline_others.data:
            return services.accept_and_decline_others(user, proposal, form.reason.data)
        return services.transition_proposal(user, proposal, "accept")

    with or_404():
        done, order = submit_form(form, run, "已接受方案，订单已生成；价格与条款已锁定。")
    if done:
        return redirect(url_for("bookings.detail", booking_id=order.id))
    return _proposal_page(proposal, form, DeclineForm(formdata=None), 422)


@bp.route("/proposals/<int:proposal_id>/decline", methods=["POST"])
@role_required(Role.FIRM)
def decline(proposal_id: int):
    user, proposal = _visible(services.get_proposal, proposal_id)
    form = DeclineForm()
    with or_404():
        done, _ = submit_form(
            form,
            lambda: services.transition_proposal(user, proposal, "decline", form.reason.data),
            "已告知平台不采纳该方案。",
        )
    if done:
        return _back(proposal)
    return _proposal_page(proposal, AcceptForm(formdata=None), form, 422)


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@role_required(Role.OPERATOR)
def withdraw(proposal_id: int):
    user, proposal = _visible(services.get_proposal, proposal_id)
    with or_404():
        perform(lambda: services.transition_proposal(user, proposal, "withdraw"), "方案已撤回。")
    return redirect(url_for("inquiries.proposal", proposal_id=proposal.id))


@bp.route("/my/demands/<int:demand_id>/proposals")
@role_required(Role.FIRM)
def compare(demand_id: int):
    """The firm's proposals side by side (cards stacked on a phone)."""
    user = acting_user()
    with or_404():
        demand = demand_services.get_owned(user, demand_id)
        rows = services.comparison(user, demand)
    return render_template(
        "inquiries/compare.html",
        demand=demand,
        rows=rows,
        waiting=sum(1 for r in rows if r["proposal"].is_submitted),
    )
