"""Inquiries (咨询) from firms to platforms, and proposals and quotes (方案与报价) from platforms."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .. import signals
    from ..api import register_blueprint

    # jobs declares the periodic job; services registers attachment owners and message threads
    from . import jobs, services  # noqa: F401
    from .api import blp, proposal_blp
    from .views import bp

    app.register_blueprint(bp)
    register_blueprint(blp)
    register_blueprint(proposal_blp)
    signals.state_changed.connect(services._on_state_changed)
