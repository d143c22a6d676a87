"""Absolute links for mails and notices, from a request or from a job or command (no request):
outside a request they are built on the setting SITE_URL."""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for


def external_url(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        return url_for(endpoint, _external=True, **values)


def absolute(path: str) -> str:
    """A site path ('/bookings/1#thread') as an absolute link, for mails."""
    if path.startswith(("http://", "https://")):
        return path
    base = request.host_url if has_request_context() else current_app.config["SITE_URL"]
    return base.rstrip("/") + path
