"""山东省中试平台服务市场: the application factory."""

from __future__ import annotations

import os
import secrets
from importlib import import_module
from pathlib import Path

from flask import Flask

from . import config as default_config
from .paths import resource_path


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then MARKETPLACE_* variables, then tests."""
    instance = os.environ.get("MARKETPLACE_INSTANCE_PATH")  # default: instance/ beside the package
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
        template_folder=str(resource_path("templates")),
        static_folder=str(resource_path("static")),
    )
    app.config.from_object(default_config)
    if test_config is None:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("MARKETPLACE")
    else:
        app.config.from_mapping(test_config)
    _fill_instance_defaults(app)

    from .core import (
        mail,  # noqa: F401  (declares the mail delivery jobs)
        register_core,
    )
    from .core.inputs import init_inputs
    from .core.jobs import init_jobs
    from .extensions import register_extensions

    init_inputs(app)  # before any route: ids in every route are bounded
    register_extensions(app)
    init_jobs(app)
    register_features(app)
    register_core(app)  # after the API, so its error handlers answer for every path
    return app


def _fill_instance_defaults(app: Flask) -> None:
    """Settings whose default lives in instance/ (database, index, page cache, uploads, secret key)."""
    inst = Path(app.instance_path)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", None)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{inst / 'marketplace.sqlite'}"
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = str(inst / "search-index")
    if not app.config.get("PAGE_CACHE_DIR"):
        app.config["PAGE_CACHE_DIR"] = str(inst / "page-cache")
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = str(inst / "uploads")
    if not app.config.get("SECRET_KEY"):
        key_file = inst / "secret_key"
        if key_file.exists():
            app.config["SECRET_KEY"] = key_file.read_text().strip()
        else:
            # Development only: `flask bootstrap` writes a persistent key before the first start.
            app.config["SECRET_KEY"] = secrets.token_hex(32)


#: Feature packages, each plugging itself in with `init_app(app)`: blueprints, API endpoints, CLI
#: commands, search registration, signal subscriptions and admin menu entries. Order matters only for
#: the search registry (documents are rebuilt in this order).
FEATURES = (
    "accounts",
    "platforms",
    "offerings",
    "demands",
    "bookings",
    "inquiries",
    "messaging",
    "experts",
    "cases",
    "evaluation",
    "catalog",
    "matching",
    "notifications",
    "subscriptions",
    "coverage",
    "favourites",
    "events",
    "announcements",
    "interchange",
    "demo",
    "admin",
    "attachments",
)


def register_features(app: Flask) -> None:
    from .api import init_api
    from .cli import bootstrap_command, jobs_cli

    init_api(app)
    for name in FEATURES:
        import_module(f"{__name__}.{name}").init_app(app)
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(jobs_cli)
