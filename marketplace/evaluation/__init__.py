"""Yearly performance evaluation of platforms (绩效评价)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from ..api import register_blueprint
    from . import models  # noqa: F401  (tables)
    from .cli import evaluation_cli
    from .results_api import blp as results_api
    from .results_views import bp as results_bp
    from .self_report_api import init_app as init_self_report_api
    from .self_report_views import init_app as init_self_report_views
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(results_bp)  # public results, publication, corrections, export
    register_blueprint(results_api)
    app.cli.add_command(evaluation_cli)
    add_menu_item(
        app,
        "绩效评价",
        "evaluation.index",
        description="年度绩效评价：指标体系、自评填报、专家评审和结果计算。",
        order=50,
    )
    init_self_report_views(app)  # the platforms' self-report: pages, evidence files, admin menu
    init_self_report_api(app)
    _init_experts(app)


def _init_experts(app: Flask) -> None:
    """Experts' part: assignment and scoring pages, the expert API, the workspace's list."""
    from ..admin.views import add_menu_item
    from ..api import register_blueprint
    from . import assignments
    from .assignment_api import blp as expert_api
    from .assignment_views import bp as expert_review

    app.register_blueprint(expert_review)
    register_blueprint(expert_api)
    assignments.register()
    add_menu_item(
        app,
        "评审专家分配",
        "expert_review.index",
        description="为年度绩效评价的参评平台分配专家，查看评分与去高低分规则。",
        order=60,
    )
