"""JSON API `/api/v1`: the API object, bearer tokens, JSON errors naming the field, the browsable docs.

Endpoints and their schemas live in the features (`<feature>/api.py`, `<feature>/schemas.py`); a
feature adds its blueprint with `register_blueprint(blp)` from its `init_app`."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, Flask, abort, make_response, render_template, send_from_directory

from ..extensions import api, csrf


def init_api(app: Flask) -> None:
    """The API object and its docs page; features add their endpoints afterwards."""
    api.init_app(
        app,
        spec_kwargs={
            "info": {
                "description": "山东省中试平台服务市场开放接口。写操作需要在“我的账户”中创建的个人令牌："
                "`Authorization: Bearer <token>`。"
            },
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        },
    )
    app.register_blueprint(docs_bp)


def register_blueprint(blp) -> None:
    """Mount a feature's API blueprint under /api/v1."""
    csrf.exempt(blp)  # the API authenticates only by the Authorization header, never by cookie
    api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")


docs_bp = Blueprint("api_docs", __name__, url_prefix="/api/v1/docs")
SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_FILES = {
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
}


@docs_bp.route("/")
def docs():
    """A browsable page for the OpenAPI document, with Swagger UI served from the installed package."""
    response = make_response(render_template("api/docs.html"))
    # Swagger UI sets inline styles; everything else stays as strict as the rest of the site.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    return response


@docs_bp.route("/assets/<path:filename>")
def assets(filename: str):
    if filename not in SWAGGER_FILES:
        abort(404)
    return send_from_directory(SWAGGER_DIR, filename, max_age=86400)
