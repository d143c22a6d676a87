"""The user's notices."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import login_required

from ..core.auth import acting_user
from ..extensions import db
from . import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    return render_template("notifications/index.html", notes=services.list_for(acting_user()))


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    services.mark_all_read(acting_user())
    db.session.commit()
    return redirect(url_for("notifications.index"))
