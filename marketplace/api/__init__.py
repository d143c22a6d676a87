"""JSON API `/api/v1`: the API object, bearer tokens, JSON errors naming the field, the browsable docs.

Endpoints and their schemas live in the features (`<feature>/api.py`, `<feature>/schemas.py`); a
feature declares its endpoints on this package's `Blueprint` (its arguments parser answers 400 in
Chinese for a body that is not JSON or is nested too deeply), its schemas derive from
`schemas.ApiSchema`, and it adds the blueprint with `register_blueprint(blp)` from its `init_app`.
Endpoints marked `auth.token_required` answer 401 before their arguments are read;
`Blueprint.endpoint(…)` is the one decorator that documents, reads, answers, checks the token and
maps refusals."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import flask_smorest
import swagger_ui_bundle
from flask import Blueprint as FlaskBlueprint
from flask import Flask, abort, make_response, render_template, send_from_directory
from flask_smorest.error_handler import ErrorSchema
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser

from ..core.inputs import INVALID_JSON_MESSAGE, JSON_TOO_DEEP_MESSAGE
from ..extensions import api, csrf
from .auth import authenticate_first, domain_errors, token_required


class ApiParser(FlaskParser):
    """webargs' parser, with bodies that are not JSON, or nested too deeply, refused in Chinese (400)."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            flask_smorest.abort(400, message=JSON_TOO_DEEP_MESSAGE, errors={"json": [JSON_TOO_DEEP_MESSAGE]})

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        flask_smorest.abort(400, message=INVALID_JSON_MESSAGE, errors={"json": [INVALID_JSON_MESSAGE]})


#: The OpenAPI security requirement of an endpoint that needs a token.
TOKEN = [{"bearer": []}]


class Blueprint(flask_smorest.Blueprint):
    """The blueprint of every API feature; `refusals` says what each error status means for its
    endpoints (documented per endpoint with `endpoint(refuses=…)`)."""

    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, *args, refusals: Mapping[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refusal_texts = dict(refusals or {})

    def endpoint(
        self,
        *,
        refuses: tuple[int, ...] = (),
        status: int = 200,
        schema=None,
        body=None,
        query=None,
        token: bool = True,
        **doc,
    ):
        """The one decorator of an endpoint: its documentation (`doc`: description, summary …), its
        arguments (a JSON `body` schema and/or a `query` schema refusing unknown parameters), its
        answer (`status`, `schema`), the error answers it documents (`refuses`), its token (401 first
        and the `bearer` security requirement; `token=False`: a public endpoint) and its service
        refusals as JSON (`auth.domain_errors`: 422, 409, 404)."""

        def decorate(view):
            view = domain_errors(view)
            if token:
                view = token_required(view)
            view = refusals(self, self.refusal_texts, *refuses)(view)
            view = self.response(status, schema)(view)
            if body is not None:
                view = self.arguments(body)(view)
            if query is not None:
                view = self.arguments(query, location="query", unknown=RAISE)(view)
            security = {"security": TOKEN} if token else {}
            return self.doc(**security, **doc)(view)

        return decorate


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


def register_blueprint(blp: Blueprint) -> None:
    """Mount a feature's API blueprint under /api/v1."""
    if not isinstance(blp, Blueprint):
        raise TypeError(f"{blp.name}: declare API endpoints on marketplace.api.Blueprint")
    csrf.exempt(blp)  # the API authenticates only by the Authorization header, never by cookie
    if authenticate_first not in blp.before_request_funcs.get(None, []):  # once, whatever the apps
        blp.before_request(authenticate_first)
    api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix or ''}")


def refusals(blueprint: Blueprint, descriptions: Mapping[int, str], *codes: int):
    """Document these error answers of an endpoint in the OpenAPI document (the JSON error body
    names the field in `errors.json`); `descriptions` says what each code means for the feature."""

    def decorate(view):
        for code in codes:
            view = blueprint.alt_response(code, schema=ErrorSchema, description=descriptions[code])(view)
        return view

    return decorate


docs_bp = FlaskBlueprint("api_docs", __name__, url_prefix="/api/v1/docs")
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
