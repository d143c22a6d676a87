"""Cross-cutting pieces: security headers, request ids, error pages, template helpers."""

from __future__ import annotations

import logging
import uuid
from zoneinfo import ZoneInfo

from flask import Flask, g, has_request_context, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .. import vocab
from . import hooks, statistics  # noqa: F401  (after-commit session events; the nightly ANALYZE job)
from .inputs import refuse_nul_in_url
from .navigation import init_app as init_navigation
from .timeutil import format_date, format_datetime, zone_label
from .views import query_url

log = logging.getLogger("marketplace")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


_base_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    """Every log record carries the current request id ('-' outside a request)."""
    record = _base_record_factory(*args, **kwargs)
    record.request_id = g.get("request_id", "-") if has_request_context() else "-"
    return record


def configure_logging() -> None:
    logging.setLogRecordFactory(_record_with_request_id)
    root = logging.getLogger()
    if not any(getattr(h, "_marketplace", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler._marketplace = True
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
        root.addHandler(handler)
        root.setLevel(logging.INFO)


#: What an error page or an API error says when the code raising it gave no message of its own.
HTTP_MESSAGES = {
    400: "请求无效。",
    401: "需要登录或有效的 API 令牌。",
    403: "您无权访问此页面。",
    404: "页面不存在或已被移除。",
    405: "不支持的请求方式。",
    413: "上传的文件过大。",
    414: "网址过长。",
    415: "不支持的请求内容类型。",
    409: "与当前状态冲突。",
    422: "请求数据无效。",
    429: "请求过于频繁，请稍后再试。",
}


def http_message(error: HTTPException) -> str:
    """The error's own description when the raising code gave one, else the Chinese text for its code
    (Werkzeug's defaults are English)."""
    if error.description and error.description != type(error).description:
        return error.description
    return HTTP_MESSAGES.get(error.code, error.description or error.name)


def register_core(app: Flask) -> None:
    configure_logging()

    def _request_id():
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex[:16]

    # First of all before-request hooks, ahead of CSRFProtect's (registered with the extensions), so
    # a CSRF refusal, and anything else a hook refuses, is logged and answered with the request id.
    app.before_request_funcs.setdefault(None, []).insert(0, _request_id)
    app.before_request(refuse_nul_in_url)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(CSRFError)
    def _csrf(error):
        log.warning("csrf refused path=%s request_id=%s", request.path, g.get("request_id"))
        return render_template(
            "errors/error.html", code=400, message="表单已过期或来源无效，请刷新页面后重试。"
        ), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        data = getattr(error, "data", None) or {}
        message = data.get("message") or http_message(error)
        # Werkzeug's own headers (405's Allow, 401's WWW-Authenticate …), then those an abort() passed.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        headers += list((data.get("headers") or {}).items())
        if wants_json():
            payload = {"code": error.code, "status": error.name, "message": message}
            errors = data.get("errors") or data.get("messages")
            if errors:
                payload["errors"] = errors
            return jsonify(payload), error.code, headers
        return render_template("errors/error.html", code=error.code, message=message), error.code, headers

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unexpected error request_id=%s", g.get("request_id"))
        from ..extensions import db

        db.session.rollback()
        if wants_json():
            return jsonify(code=500, status="Internal Server Error", message="服务器内部错误"), 500
        return render_template("errors/error.html", code=500, message="服务器出错了，我们已记录此问题。"), 500

    ZoneInfo(app.config["TIMEZONE"])  # an unknown zone fails at start, not on the first page with a time
    app.jinja_env.globals.update(
        vocab=vocab, price_label=vocab.price_label, zone_label=zone_label, query_url=query_url
    )
    init_navigation(app)
    app.jinja_env.filters["dt"] = format_datetime
    app.jinja_env.filters["d"] = format_date
