"""活动: the public list and page of events, registration, 我的活动, and the host's management."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from .. import vocab
from ..accounts.models import Role
from ..core.auth import acting_user, or_404, role_required
from ..core.spreadsheets import csv_bytes
from ..core.timeutil import format_datetime
from ..core.views import page_of, perform, status_list, submit_form
from ..extensions import db
from ..platforms import services as platform_services
from . import services
from .forms import RegistrationForm, event_form

bp = Blueprint("events", __name__)


@bp.app_template_global()
def platform_events(platform) -> list:
    """Every event of the platform, latest first (a section of its operators' page)."""
    return services.events_of(platform)


def _visible(event_id: int):
    event = services.get_visible(current_user, event_id)
    if event is None:
        abort(404)
    return event


@bp.route("/events")
def index():
    kind = request.args.get("kind", "")
    city = request.args.get("city", "")
    past = request.args.get("when") == "past"
    page = page_of(services.listing(kind=kind, city=city, past=past))
    return render_template(
        "events/index.html",
        page=page,
        registered=services.registered_among(current_user, [e.id for e in page.items]),
        kind=kind if kind in vocab.EVENT_KINDS else "",
        city=city if city in vocab.ALL_CITIES else "",
        past=past,
        link_params={k: v for k, v in request.args.items() if k in ("kind", "city", "when") and v},
    )


def _detail(event, form=None, status: int = 200):
    user = current_user
    registration = services.registration_of(user, event)
    return (
        render_template(
            "events/detail.html",
            event=event,
            registration=registration,
            form=form or RegistrationForm(phone=getattr(registration, "phone", "")),
            manages=user.is_authenticated and services.can_manage(user, event),
            actions=services.event_actions(user, event) if user.is_authenticated else [],
        ),
        status,
    )


@bp.route("/events/<int:event_id>", methods=["GET", "POST"])
def detail(event_id: int):
    """The event; a POST is a registration (to this URL, so that the page re-rendered with the form's
    messages can be reloaded and shared)."""
    event = _visible(event_id)
    if request.method == "GET":
        return _detail(event)
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    form = RegistrationForm()
    done, _ = submit_form(
        form,
        lambda: services.register(acting_user(), event, {"phone": form.phone.data, "note": form.note.data}),
        "报名成功。活动开始前我们会提醒您，也可以把活动添加到日历。",
        check=lambda: services.check_registration({"phone": form.phone.data, "note": form.note.data}),
    )
    if done:
        return redirect(url_for("events.detail", event_id=event.id))
    db.session.refresh(event)
    return _detail(event, form, 422)


@bp.route("/events/<int:event_id>.ics")
def ical(event_id: int):
    event = _visible(event_id)
    response = make_response(services.event_ical(event, request.host.split(":")[0]))
    response.mimetype = "text/calendar"
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    return response


@bp.route("/events/<int:event_id>/unregister", methods=["POST"])
@login_required
def unregister(event_id: int):
    event = _visible(event_id)
    perform(lambda: services.cancel_registration(acting_user(), event), "已取消报名，名额已释放。")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/my/events")
@login_required
def mine():
    user = acting_user()
    hosts = services.hosts_of(user)
    return render_template(
        "events/mine.html",
        upcoming=services.registrations_for(user),
        past=services.registrations_for(user, past=True),
        hosts=[(platform, services.events_of(platform)) for platform in hosts],
    )


@bp.route("/my/platforms/<int:platform_id>/events/new", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def new(platform_id: int):
    user = acting_user()
    with or_404():
        platform = platform_services.get_managed(user, platform_id)
    form = event_form(formdata=request.form if request.method == "POST" else None)
    done, event = submit_form(
        form,
        lambda: services.create_event(user, platform, form.values()),
        "活动已保存为草稿；确认无误后点击“发布”，用户即可报名。",
        check=lambda: services.validate(form.values()),
    )
    if done:
        return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, platform=platform, event=None)


@bp.route("/my/events/<int:event_id>/edit", methods=["GET", "POST"])
@role_required(Role.OPERATOR)
def edit(event_id: int):
    user = acting_user()
    with or_404():
        event = services.get_managed(user, event_id)
    if event.is_cancelled:
        flash("活动已取消，不能再修改。", "error")
        return redirect(url_for("events.detail", event_id=event.id))
    form = event_form(event, formdata=request.form if request.method == "POST" else None)
    done, _ = submit_form(
        form,
        lambda: services.update_event(user, event, form.values()),
        "活动已更新。",
        check=lambda: services.validate(form.values(), event),
    )
    if done:
        return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, platform=event.platform, event=event)


#: What the host (or an administrator cancelling) reads after each action.
DONE = {"publish": "活动已发布，用户现在可以报名。", "cancel": "活动已取消，已报名的用户会收到通知。"}


@bp.route("/my/events/<int:event_id>/<any(publish, cancel):action>", methods=["POST"])
@role_required(Role.OPERATOR, Role.ADMIN)
def change_status(event_id: int, action: str):
    event = _visible(event_id)
    reason = request.form.get("reason", "")[:500]
    with or_404():
        perform(lambda: services.change_status(acting_user(), event, action, reason), DONE[action])
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/my/events/<int:event_id>/registrations")
@role_required(Role.OPERATOR, Role.ADMIN)
def registrations(event_id: int):
    event = _visible(event_id)
    with or_404():
        rows = services.registrations_of(acting_user(), event)
    if request.args.get("format") == "csv":
        body = csv_bytes(
            ["姓名", "单位", "邮箱", "联系电话", "备注", "报名时间"],
            [
                [
                    r.user.name,
                    r.user.organization.name,
                    r.user.email,
                    r.phone,
                    r.note,
                    format_datetime(r.created_at),
                ]
                for r in rows
            ],
        )
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="event-{event.id}-registrations.csv"'},
        )
    return render_template("events/registrations.html", event=event, rows=rows)


@bp.route("/admin/events")
@role_required(Role.ADMIN)
def admin_list():
    user = acting_user()
    return status_list(
        "events/admin.html", vocab.EVENT_STATUSES, lambda status: services.all_events(user, status=status)
    )
