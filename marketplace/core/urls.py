"""Absolute links for mails and notices, from a request or from a job or command (no request):
outside a request they are built on the setting SITE_URL."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, has_request_context, request, url_for


def external_url(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        return url_for(endpoint, _external=True, **values)


def absolute(build: Callable[[], str]) -> str:
    """The absolute link of the site path `build()` returns ('/bookings/1#thread', made with
    url_for), for mails; outside a request it is built on SITE_URL."""
    if has_request_context():
        return request.host_url.rstrip("/") + build()
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        return request.host_url.rstrip("/") + build()
