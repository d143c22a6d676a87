"""Organisations, users, API tokens and login throttling."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import changes
from ..core.models import StrEnumColumn, UTCDateTime, new_ref, utcnow
from ..extensions import db


class Role(StrEnum):
    FIRM = "firm"  #: 需求企业用户
    OPERATOR = "operator"  #: 平台运营方
    ADMIN = "admin"  #: 管理员 (主管部门)
    EXPERT = "expert"  #: 评审专家


#: Roles anybody may register for; experts and administrators are created by administrators.
SELF_SERVICE_ROLES = (Role.FIRM, Role.OPERATOR)

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code_is_valid(code: str) -> bool:
    """GB 32100-2015: 18 characters from the 31-character set, the last one a mod-31 check."""
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARS for c in code):
        return False
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(code[:17], CREDIT_CODE_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return CREDIT_CODE_CHARS[check] == code[17]


class Organization(db.Model):
    """A firm, university, institute or government body; every user belongs to one."""

    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True, default=new_ref("org"))  #: interchange key
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  #: enterprise | university | institute | government
    city: Mapped[str | None] = mapped_column(String(20))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)  #: 统一社会信用代码
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organization")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    #: Contact telephone, shown to the other side of an accepted inquiry, booking or order.
    phone: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(StrEnumColumn(Role), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Rotated at logout and password change, so copied session cookies stop working.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="users")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def is_firm(self) -> bool:
        return self.role == Role.FIRM

    @property
    def is_expert(self) -> bool:
        return self.role == Role.EXPERT


class ApiToken(db.Model):
    """A personal token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __change_scopes__ = (("user", "user_id"),)  #: whose signed-in pages its rows change (core.changes)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  #: first characters, shown so users can tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Login attempts counted per key ('account:<email>' or 'addr:<ip>') within a window that starts
    at the first attempt; one row per key, shared by all worker processes. An attempt is counted
    before its password is checked, by a conditional UPDATE (accounts.services.authenticate), so
    the count and the check are one step whatever the number of simultaneous attempts."""

    __tablename__ = "login_throttles"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  #: failed or still being checked
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


changes.register_owner("user", User)
