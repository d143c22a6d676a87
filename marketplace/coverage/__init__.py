"""Coverage (覆盖): supply against demand by domain × city over a period: the administrators' dashboard
with charts, downloads and the unmet demands, the public statistics page and `GET /api/v1/stats/coverage`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ..admin.views import add_menu_item
    from ..api import register_blueprint
    from . import jobs, services  # noqa: F401  (declare the nightly refresh)
    from .api import blp
    from .cli import coverage_cli
    from .views import bp

    app.register_blueprint(bp)
    register_blueprint(blp)
    app.cli.add_command(coverage_cli)
    services.subscribe()
    add_menu_item(
        app,
        "供需覆盖",
        "coverage.dashboard",
        description="各领域、各城市的平台、资源与需求对比，哪里的需求缺少供给；图表与数据下载，待处理的无匹配需求。",
        order=15,
    )
