"""Account use cases: register, authenticate (throttled), passwords, resets, API tokens."""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from .. import vocab
from ..core.errors import DomainError, Forbidden
from ..core.mail import send_email
from ..core.models import AuditLog, utcnow
from ..extensions import db
from .models import SELF_SERVICE_ROLES, ApiToken, LoginThrottle, Organization, User, credit_code_is_valid

log = logging.getLogger("marketplace.accounts")

PASSWORD_MIN = 8
PASSWORD_MAX = 128


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def password_errors(password: str, field: str = "password") -> list[tuple[str, str]]:
    if len(password) < PASSWORD_MIN:
        return [(field, f"密码至少需要 {PASSWORD_MIN} 个字符。")]
    if len(password) > PASSWORD_MAX:
        return [(field, f"密码不能超过 {PASSWORD_MAX} 个字符。")]
    return []


def check_password_rules(password: str, field: str = "password") -> None:
    errors = password_errors(password, field)
    if errors:
        raise DomainError(*errors)


PHONE_MAX = 30
PHONE_CHARS = set("0123456789+-() 转")


def check_phone(phone: str | None) -> None:
    """A telephone as people write it: digits, spaces, + - ( ) and 转 (extension), at most 30."""
    phone = (phone or "").strip()
    if len(phone) > PHONE_MAX:
        raise DomainError(("phone", f"联系电话不能超过 {PHONE_MAX} 个字符。"))
    if phone and (not set(phone) <= PHONE_CHARS or sum(c.isdigit() for c in phone) < 5):
        raise DomainError(("phone", "请填写有效的电话号码，如 0531-88888888 或 13800000000。"))


def update_phone(user, phone: str | None) -> None:
    """The user's own contact telephone (empty: none)."""
    check_phone(phone)
    user.phone = (phone or "").strip() or None


def validate_organization(
    name: str, kind: str, city: str | None, credit_code: str | None
) -> list[tuple[str, str]]:
    errors = []
    if not (name or "").strip():
        errors.append(("org_name", "请填写单位名称。"))
    if kind not in vocab.ORG_KINDS:
        errors.append(("org_kind", "单位类型无效。"))
    if city and city not in vocab.ALL_CITIES:
        errors.append(("org_city", "所在城市无效。"))
    if credit_code and not credit_code_is_valid(credit_code):
        errors.append(("credit_code", "统一社会信用代码无效（应为 18 位，且校验位正确）。"))
    return errors


def registration_errors(
    *,
    email: str,
    password: str,
    role: str,
    org_name: str,
    org_kind: str,
    org_city: str | None,
    credit_code: str | None = None,
    **_ignored,
) -> list[tuple[str, str]]:
    """Every reason to refuse this self-registration, all at once (nothing is changed)."""
    email = normalise_email(email)
    credit_code = (credit_code or "").strip().upper() or None
    errors = validate_organization(org_name, org_kind, org_city, credit_code)
    if role not in SELF_SERVICE_ROLES:
        errors.append(("role", "只能注册为需求企业用户或平台运营方。"))
    if email and db.session.scalar(select(User.id).where(User.email == email)):
        errors.append(("email", "该邮箱已注册。"))
    if credit_code and db.session.scalar(
        select(Organization.id).where(Organization.credit_code == credit_code)
    ):
        errors.append(("credit_code", "该统一社会信用代码已被其他单位使用，请联系单位管理员。"))
    errors.extend(password_errors(password or ""))
    return errors


def check_registration(**fields) -> None:
    """`registration_errors` as a DomainError (the form's `check`, run with its own validators)."""
    errors = registration_errors(**fields)
    if errors:
        raise DomainError(*errors)


def register(
    *,
    email: str,
    password: str,
    name: str,
    role: str,
    org_name: str,
    org_kind: str,
    org_city: str | None,
    credit_code: str | None = None,
) -> User:
    """Self-registration of a firm member or platform operator, with a new organisation."""
    check_registration(
        email=email,
        password=password,
        role=role,
        org_name=org_name,
        org_kind=org_kind,
        org_city=org_city,
        credit_code=credit_code,
    )
    credit_code = (credit_code or "").strip().upper() or None
    org = Organization(name=org_name.strip(), kind=org_kind, city=org_city or None, credit_code=credit_code)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        role=role,
        organization=org,
        password_hash=generate_password_hash(password),
    )
    db.session.add_all([org, user])
    db.session.flush()
    return user


def create_user(*, email: str, password: str, name: str, role: str, organization: Organization) -> User:
    """Create a user of any role (administrators, CLI and demo data)."""
    check_password_rules(password)
    user = User(
        email=normalise_email(email),
        name=name,
        role=role,
        organization=organization,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.flush()
    return user


#: "INSERT … ON CONFLICT DO NOTHING" for the databases we run on.
_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _take_attempt(keys: list[tuple[str, int]]) -> bool:
    """Count one login attempt against every (key, limit), or against none when a key has reached
    its limit; commits, so other workers see the attempt before its password is checked.

    A key's window restarts once it is older than LOGIN_THROTTLE_WINDOW. The counting UPDATE is
    conditional (`attempts < limit`) and holds the row (PostgreSQL row lock, SQLite write lock)
    until the commit, so simultaneous attempts can never pass the limit together."""
    now = utcnow()
    since = now - current_app.config["LOGIN_THROTTLE_WINDOW"]
    insert = _INSERT[db.session.get_bind().dialect.name]
    for key, limit in sorted(keys):  # one lock order for every attempt
        db.session.execute(
            insert(LoginThrottle)
            .values(key=key, attempts=0, window_start=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        db.session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key, LoginThrottle.window_start < since)
            .values(attempts=0, window_start=now)
        )
        counted = db.session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key, LoginThrottle.attempts < limit)
            .values(attempts=LoginThrottle.attempts + 1)
        ).rowcount
        if not counted:
            db.session.rollback()
            return False
    db.session.commit()
    return True


def _release_attempt(keys: list[tuple[str, int]]) -> None:
    """After a successful login: the account starts afresh; the address's attempt was no failure."""
    (account, _), (address, _) = keys
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == account))
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == address, LoginThrottle.attempts > 0)
        .values(attempts=LoginThrottle.attempts - 1)
    )


@functools.cache
def _dummy_hash() -> str:
    """A hash made like real ones, of a password nobody knows: unknown e-mails cost a real check."""
    return generate_password_hash(secrets.token_urlsafe(24))


def authenticate(email: str, password: str, address: str) -> User:
    """Return the user for these credentials, or raise; attempts are counted per account and
    address before the password is checked (commits), and an unknown e-mail takes as long as a
    known one (its password is checked against a dummy hash)."""
    email = normalise_email(email)
    cfg = current_app.config
    keys = [
        (f"account:{email}", cfg["LOGIN_FAILURES_PER_ACCOUNT"]),
        (f"addr:{address}", cfg["LOGIN_FAILURES_PER_ADDRESS"]),
    ]
    if not _take_attempt(keys):
        log.warning("login throttled email=%s addr=%s", email, address)
        raise DomainError(("email", "登录失败次数过多，请 15 分钟后再试。"))
    user = db.session.scalar(select(User).where(User.email == email))
    password_ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not password_ok:
        log.info("login failed email=%s addr=%s", email, address)
        raise DomainError(("password", "邮箱或密码不正确。"))
    if not user.is_enabled:  # told only to whoever knows the password
        log.info("login of a deactivated account user=%s addr=%s", user.id, address)
        raise DomainError(("email", "该账户已被管理员停用，如有疑问请联系平台管理员。"))
    _release_attempt(keys)
    log.info("login ok user=%s addr=%s", user.id, address)
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session of the user (logout, password change)."""
    user.session_token = secrets.token_hex(16)


def check_password_change(user: User, *, current: str, new: str) -> None:
    """Both reasons to refuse a password change at once: a wrong current password, a bad new one."""
    errors = []
    if not check_password_hash(user.password_hash, current or ""):
        errors.append(("current_password", "当前密码不正确。"))
    errors.extend(password_errors(new or "", "new_password"))
    if errors:
        raise DomainError(*errors)


def change_password(user: User, *, current: str, new: str, revoke_tokens: bool = True) -> int:
    """Set a new password and end the user's other sessions; with `revoke_tokens` (the form's
    default) also revoke their API tokens. Returns how many tokens were revoked."""
    check_password_change(user, current=current, new=new)
    user.password_hash = generate_password_hash(new)
    end_sessions(user)
    return revoke_all_api_tokens(user) if revoke_tokens else 0


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; say nothing either way (no account enumeration)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        return
    # The password hash's tail is part of the token: once the password changes the link is dead.
    token = _reset_serializer().dumps({"uid": user.id, "h": user.password_hash[-16:]})
    link = url_for("accounts.reset_password", token=token, _external=True)
    send_email(
        user.email,
        "重置您的中试平台服务市场密码",
        render_template("email/reset_password.txt", user=user, link=link),
    )


def _reset_user(token: str) -> tuple[User | None, list[tuple[str, str]]]:
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        return None, [("token", "重置链接已过期，请重新申请。")]
    except BadSignature:
        return None, [("token", "重置链接无效，请重新申请。")]
    user = db.session.get(User, data.get("uid"))
    if user is None or user.password_hash[-16:] != data.get("h"):
        return None, [("token", "重置链接已使用或无效，请重新申请。")]
    return user, []


def user_for_reset_token(token: str) -> User:
    """The account a reset link is for; DomainError when it is expired, forged or already used."""
    user, errors = _reset_user(token)
    if errors:
        raise DomainError(*errors)
    return user


def check_password_reset(token: str, new: str) -> None:
    """Both reasons to refuse a reset at once: a dead link, a bad new password."""
    _user, errors = _reset_user(token)
    errors.extend(password_errors(new or "", "new_password"))
    if errors:
        raise DomainError(*errors)


def reset_password(token: str, new: str) -> User:
    check_password_reset(token, new)
    user, _ = _reset_user(token)
    user.password_hash = generate_password_hash(new)
    end_sessions(user)
    # A reset means the account may be compromised: whatever was issued with it stops working.
    revoke_all_api_tokens(user)
    return user


def _hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the plaintext is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError(("name", "请为令牌命名。"))
    plaintext = "zs_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name[:100], token_hash=_hash_token(plaintext), prefix=plaintext[:10]
    )
    db.session.add(token)
    db.session.flush()
    return token, plaintext


def revoke_api_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise Forbidden()
    token.revoked_at = token.revoked_at or utcnow()


def revoke_all_api_tokens(user: User) -> int:
    """Revoke every token of the user still valid; returns how many."""
    return db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount


def user_for_token(plaintext: str) -> User | None:
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _hash_token(plaintext), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.is_enabled:
        return None
    token.last_used_at = utcnow()
    return token.user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: '<id>:<session token>'; a rotated token ends old sessions."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token) or not user.is_enabled:
        return None
    return user


# --- administrators' overview ----------------------------------------------------------------------

REASON_MAX = 500


def set_enabled(admin, user: User, enabled: bool, reason: str) -> None:
    """An administrator deactivates an account (a reason is required; its sessions end at once and its
    API tokens stop working, since both check `is_enabled`) or reactivates it; audited."""
    if not admin.is_admin:
        raise Forbidden()
    reason = (reason or "").strip()
    if not enabled and user.id == admin.id:
        raise DomainError(("reason", "不能停用自己的账户。"))
    if not enabled and not reason:
        raise DomainError(("reason", "请填写停用原因。"))
    if len(reason) > REASON_MAX:
        raise DomainError(("reason", f"原因不能超过 {REASON_MAX} 个字符。"))
    if user.is_enabled == enabled:
        return
    user.is_enabled = enabled
    if not enabled:
        end_sessions(user)
    db.session.add(
        AuditLog(
            actor_id=admin.id,
            object_type="user",
            object_id=user.id,
            old_state="disabled" if enabled else "enabled",
            new_state="enabled" if enabled else "disabled",
            reason=reason or None,
        )
    )


def admin_users(q: str = "", role: str | None = None, enabled: bool | None = None, org_id: int | None = None):
    """Every account, newest first, by a part of the name or e-mail, role, state and organisation."""
    stmt = select(User).options(selectinload(User.organization)).order_by(User.id.desc())
    if q:
        pattern = q[:100]
        stmt = stmt.where(
            User.name.contains(pattern, autoescape=True) | User.email.contains(pattern, autoescape=True)
        )
    if role in vocab.ROLES:
        stmt = stmt.where(User.role == role)
    if enabled is not None:
        stmt = stmt.where(User.is_enabled.is_(enabled))
    if org_id is not None:
        stmt = stmt.where(User.org_id == org_id)
    return stmt


def admin_organizations(q: str = "", kind: str | None = None):
    """Every organisation, newest first, by a part of the name and kind (a statement; `account_counts`)."""
    stmt = select(Organization).order_by(Organization.id.desc())
    if q:
        stmt = stmt.where(Organization.name.contains(q[:100], autoescape=True))
    if kind in vocab.ORG_KINDS:
        stmt = stmt.where(Organization.kind == kind)
    return stmt


def account_counts(organizations) -> dict[int, int]:
    ids = [o.id for o in organizations]
    query = select(User.org_id, func.count(User.id)).where(User.org_id.in_(ids)).group_by(User.org_id)
    return dict(db.session.execute(query).all())
