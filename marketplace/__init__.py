"""山东省中试平台服务市场: the application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from . import config as default_config


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then MARKETPLACE_* variables, then tests."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    app.config.from_object(default_config)
    if test_config is None:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("MARKETPLACE")
    else:
        app.config.from_mapping(test_config)
    _fill_instance_defaults(app)

    from .core import register_core
    from .extensions import register_extensions

    register_extensions(app)
    register_jobs(app)
    register_blueprints(app)
    register_core(app)  # after the API, so its error handlers answer for every path
    register_commands(app)
    return app


def _fill_instance_defaults(app: Flask) -> None:
    """Settings whose default lives in instance/ (database, index, uploads, secret key)."""
    inst = Path(app.instance_path)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", None)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{inst / 'marketplace.sqlite'}"
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = str(inst / "search-index")
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = str(inst / "uploads")
    if not app.config.get("SECRET_KEY"):
        key_file = inst / "secret_key"
        if key_file.exists():
            app.config["SECRET_KEY"] = key_file.read_text().strip()
        else:
            # Development only: `flask bootstrap` writes a persistent key before the first start.
            app.config["SECRET_KEY"] = secrets.token_hex(32)


def register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .admin.views import bp as admin_bp
    from .api import register_api
    from .catalog.views import bp as catalog_bp
    from .demands.views import bp as demands_bp
    from .matching.views import bp as search_bp
    from .notifications.views import bp as notifications_bp
    from .offerings.views import bp as offerings_bp
    from .platforms.views import bp as platforms_bp

    for bp in (catalog_bp, accounts_bp, platforms_bp, offerings_bp, admin_bp,
               notifications_bp, demands_bp, search_bp):
        app.register_blueprint(bp)
    register_api(app)


def register_jobs(app: Flask) -> None:
    """The job queue, and every module that declares jobs, so a worker knows each task and schedule."""
    from .core import mail  # noqa: F401
    from .core.jobs import init_jobs
    from .demands import jobs as demand_jobs  # noqa: F401
    from .matching import jobs as search_jobs  # noqa: F401

    init_jobs(app)


def register_commands(app: Flask) -> None:
    from .accounts.cli import accounts_cli
    from .core.cli import bootstrap_command, jobs_cli
    from .demands.cli import demands_cli
    from .demo.cli import seed_demo_command
    from .interchange.cli import export_command, import_command
    from .matching.cli import match_command, search_cli

    for command in (accounts_cli, bootstrap_command, seed_demo_command, import_command,
                    export_command, search_cli, match_command, demands_cli, jobs_cli):
        app.cli.add_command(command)
