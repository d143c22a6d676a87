"""订阅管理 (the user's subscriptions and how each mails), saving a search, following a domain, city
or platform, and the one-click unsubscribe link of the mails (no sign-in: the signed token is the key)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import login_required

from ..accounts.views import safe_next
from ..core.auth import acting_user, or_404
from ..core.errors import DomainError
from ..core.views import perform, submit_form
from ..extensions import csrf, db
from . import services
from .forms import form_for

bp = Blueprint("subscriptions", __name__)


def _page(replaced=None, status: int = 200):
    user = acting_user()
    subscriptions = services.subscriptions_of(user)
    matches = services.match_subscription(user)
    forms = {s.id: form_for(s) for s in subscriptions}
    match_form = form_for(matches) if matches is not None else None
    if replaced is not None:
        key, form = replaced
        if key is None:
            match_form = form
        else:
            forms[key] = form
    return (
        render_template(
            "subscriptions/index.html",
            subscriptions=subscriptions,
            forms=forms,
            matches=matches,
            match_form=match_form,
        ),
        status,
    )


@bp.route("/my/subscriptions")
@login_required
def index():
    return _page()


@bp.route("/my/subscriptions/<int:subscription_id>", methods=["POST"])
@bp.route("/my/subscriptions/matches", methods=["POST"], defaults={"subscription_id": None})
@login_required
def change(subscription_id: int | None):
    user = acting_user()
    if subscription_id is None:
        subscription = services.match_subscription(user)
        if subscription is None:
            abort(404)  # administrators and experts have no matcher push
    else:
        with or_404():
            subscription = services.get_own(user, subscription_id)
    form = form_for(subscription, request.form)
    done, _ = submit_form(
        form,
        lambda: services.change(
            user,
            subscription_id,
            frequency=form.frequency.data,
            active=form.active.data,
            threshold=form.threshold.data,
        ),
        "订阅设置已保存。",
    )
    if done:
        return redirect(url_for("subscriptions.index"))
    return _page((subscription_id, form), 422)


@bp.route("/my/subscriptions/<int:subscription_id>/delete", methods=["POST"])
@login_required
def remove(subscription_id: int):
    user = acting_user()
    with or_404():
        kind = services.get_own(user, subscription_id).kind
    perform(
        lambda: services.remove(user, subscription_id),
        "已取消关注。" if kind in services.FOLLOWS else "已取消订阅。",
    )
    return redirect(safe_next(request.form.get("next")) or url_for("subscriptions.index"))


@bp.route("/subscriptions/search", methods=["POST"])
@login_required
def save_search():
    """Save the search the page shows (its parameters come back as hidden fields); back to that page."""
    query = services.search_query(request.form)
    perform(
        lambda: services.save_search(acting_user(), request.form),
        "已保存搜索：有新的结果时会在通知中心提醒您（邮件提醒方式可在“订阅管理”中设置）。",
    )
    return redirect(safe_next(request.form.get("next")) or url_for("search.search", **query))


#: What a follow brings, said when it is made.
FOLLOWED = {
    "announcements": "已关注：有新的通知公告时会在通知中心提醒您。",
    "events": "已关注：有新的活动时会在通知中心提醒您。",
    "platform": "已关注：平台有新的资源或活动时会在通知中心提醒您。",
}


@bp.route("/subscriptions/follow", methods=["POST"])
@login_required
def follow():
    kind = request.form.get("kind", "")
    perform(
        lambda: services.follow(acting_user(), kind, request.form.get("value", "")),
        FOLLOWED.get(kind, "已关注：有新的中试资源时会在通知中心提醒您。"),
    )
    return redirect(safe_next(request.form.get("next")) or url_for("subscriptions.index"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail programs POST here (RFC 8058) without a session
def unsubscribe(token: str):
    try:
        if request.method == "POST":
            user, subscriptions = services.unsubscribe(token)
            db.session.commit()
        else:
            user, subscriptions = services.read_unsubscribe(token)
    except DomainError as exc:
        return render_template("subscriptions/unsubscribe.html", error=exc.errors[0][1]), 400
    if request.method == "POST" and request.form.get("List-Unsubscribe") == "One-Click":
        return "", 204  # a mail program's one-click POST: no page to show
    return render_template(
        "subscriptions/unsubscribe.html",
        user=user,
        subscriptions=subscriptions,
        done=request.method == "POST",
        token=token,
    )
