"""Account pages: register, log in/out, password change and reset, API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..core.auth import acting_user
from ..core.errors import DomainError, Forbidden
from ..core.models import utcnow
from ..core.views import submit_form
from ..extensions import db, login_manager
from . import services
from .forms import (
    ApiTokenForm,
    ChangePasswordForm,
    ContactForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from .models import ApiToken

bp = Blueprint("accounts", __name__, url_prefix="/account")


@login_manager.user_loader
def _load_user(session_id: str):
    return services.load_session_user(session_id)


@bp.before_app_request
def _absolute_session_lifetime():
    started = session.get("login_at")
    limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    if current_user.is_authenticated and started and utcnow().timestamp() - started > limit:
        logout_user()
        session.clear()


def safe_next(target: str | None) -> str | None:
    """Only a local path: no scheme, no host, no '//' or '/\\' tricks."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or "\\" in target
    ):
        return None
    if any(ord(c) < 32 for c in target):
        return None
    return target


def _start_session(user) -> None:
    session.clear()
    login_user(user)
    session.permanent = True
    session["login_at"] = utcnow().timestamp()


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    done, user = submit_form(
        form,
        lambda: services.authenticate(form.email.data, form.password.data, request.remote_addr or "?"),
        None,
    )
    if done:
        _start_session(user)
        flash(f"欢迎回来，{user.name}。", "success")
        return redirect(safe_next(form.next.data) or url_for("catalog.dashboard"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_sessions(acting_user())
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("catalog.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    fields = ("email", "password", "name", "role", "org_name", "org_kind", "org_city", "credit_code")
    done, user = submit_form(
        form,
        lambda: services.register(**{name: form[name].data for name in fields}),
        None,
        check=lambda: services.check_registration(**{name: form[name].data for name in fields}),
    )
    if done:
        _start_session(user)
        flash("注册成功。", "success")
        return redirect(url_for("catalog.dashboard"))
    return render_template("accounts/register.html", form=form)


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    """The account, its contact telephone (shown to the other side of an accepted inquiry, booking or
    order) and its API tokens."""
    contact_form = ContactForm(obj=current_user)
    done, _ = submit_form(
        contact_form,
        lambda: services.update_phone(acting_user(), contact_form.phone.data),
        "联系电话已保存。",
        check=lambda: services.check_phone(contact_form.phone.data),
    )
    if done:
        return redirect(url_for("accounts.profile"))
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template(
        "accounts/profile.html",
        contact_form=contact_form,
        tokens=tokens,
        token_form=ApiTokenForm(),
        new_token=session.pop("new_token", None),
    )


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    done, revoked = submit_form(
        form,
        lambda: services.change_password(
            acting_user(),
            current=form.current_password.data,
            new=form.new_password.data,
            revoke_tokens=form.revoke_tokens.data,
        ),
        None,
        check=lambda: services.check_password_change(
            acting_user(), current=form.current_password.data, new=form.new_password.data
        ),
    )
    if done:
        _start_session(acting_user())
        tokens = f"，已撤销 {revoked} 个 API 令牌" if revoked else ""
        flash(f"密码已修改，其他设备上的登录已失效{tokens}。", "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/form.html", form=form, title="修改密码", submit="修改密码")


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if submit_form(
        form,
        lambda: services.request_password_reset(form.email.data),
        "如果该邮箱已注册，重置链接已发送，请查收邮件（1 小时内有效）。",
    )[0]:
        return redirect(url_for("accounts.login"))
    return render_template("accounts/form.html", form=form, title="找回密码", submit="发送重置链接")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except DomainError as exc:  # say so before the user types a new password, not after
        flash(exc.errors[0][1], "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if submit_form(
        form,
        lambda: services.reset_password(token, form.new_password.data),
        "密码已重置，请使用新密码登录。原有的 API 令牌已全部撤销，如需要请重新创建。",
        check=lambda: services.check_password_reset(token, form.new_password.data),
    )[0]:
        return redirect(url_for("accounts.login"))
    return render_template("accounts/form.html", form=form, title="设置新密码", submit="重置密码")


@bp.route("/tokens", methods=["POST"])
@login_required
def create_token():
    form = ApiTokenForm()
    if form.validate_on_submit():
        try:
            _, plaintext = services.create_api_token(acting_user(), form.name.data)
        except DomainError as exc:
            flash(exc.errors[0][1], "error")
        else:
            db.session.commit()
            session["new_token"] = plaintext
    else:
        flash("；".join([*form.name.errors, *form.form_errors]) or "请为令牌命名。", "error")
    return redirect(url_for("accounts.profile"))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    try:
        services.revoke_api_token(acting_user(), token_id)
    except Forbidden:
        abort(404)
    db.session.commit()
    flash("令牌已撤销。", "info")
    return redirect(url_for("accounts.profile"))
