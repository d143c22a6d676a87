"""Booking pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from . import services

bp = Blueprint("bookings", __name__)


@bp.route("/bookings/<int:booking_id>")
@login_required
def detail(booking_id: int):
    booking = services.get_visible(current_user, booking_id)
    if booking is None:
        abort(404)
    return render_template(
        "bookings/detail.html", booking=booking, actions=services.allowed_actions(current_user, booking)
    )
