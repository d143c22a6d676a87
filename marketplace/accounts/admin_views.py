"""The administrators' lists of accounts and organisations: search, filters, deactivating an account."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from .. import vocab
from ..core.auth import acting_user, role_required
from ..core.views import int_arg, page_of, perform
from ..extensions import db
from . import services
from .models import Organization, Role, User
from .views import safe_next

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin")

USER_PARAMS = ("q", "role", "state", "org")
ORG_PARAMS = ("q", "kind")


@bp.route("/users")
@role_required(Role.ADMIN)
def users():
    q = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role") if request.args.get("role") in vocab.ROLES else None
    state = request.args.get("state")
    enabled = {"enabled": True, "disabled": False}.get(state)
    org_id = int_arg("org")
    return render_template(
        "accounts/admin_users.html",
        page=page_of(services.admin_users(q, role, enabled, org_id)),
        organization=db.session.get(Organization, org_id) if org_id else None,
        q=q,
        role=role,
        state=state if enabled is not None else "",
        link_params=USER_PARAMS,
    )


@bp.route("/users/<int:user_id>/<any(enable, disable):action>", methods=["POST"])
@role_required(Role.ADMIN)
def set_enabled(user_id: int, action: str):
    user = db.session.get(User, user_id) or abort(404)
    perform(
        lambda: services.set_enabled(acting_user(), user, action == "enable", request.form.get("reason", "")),
        "已重新启用该账户。" if action == "enable" else "已停用该账户，其登录会话和 API 令牌已失效。",
    )
    return redirect(safe_next(request.form.get("next")) or url_for("accounts_admin.users"))


@bp.route("/organizations")
@role_required(Role.ADMIN)
def organizations():
    q = (request.args.get("q") or "").strip()[:100]
    kind = request.args.get("kind") if request.args.get("kind") in vocab.ORG_KINDS else None
    page = page_of(services.admin_organizations(q, kind))
    return render_template(
        "accounts/admin_organizations.html",
        page=page,
        counts=services.account_counts(page.items),
        q=q,
        kind=kind,
        link_params=ORG_PARAMS,
    )
