"""The administrators' start page: the menu of every feature's administration pages.

Administration pages live in the feature they act on (platform review in platforms/, offering
moderation in offerings/); a feature lists its pages here with `add_menu_item` from its init_app."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, render_template

from ..accounts.models import Role
from ..core.auth import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@dataclass(frozen=True)
class MenuItem:
    label: str
    endpoint: str
    description: str
    order: int


def add_menu_item(app: Flask, label: str, endpoint: str, *, description: str = "", order: int = 100) -> None:
    app.extensions.setdefault("admin_menu", []).append(MenuItem(label, endpoint, description, order))


def menu() -> list[MenuItem]:
    return sorted(current_app.extensions.get("admin_menu", []), key=lambda item: (item.order, item.label))


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    return render_template("admin/index.html", items=menu())
