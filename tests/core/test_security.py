"""Headers, CSRF and error pages (seeding the demo: tests/demo)."""


def test_security_headers(client, db):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "cdn" not in response.get_data(as_text=True).lower()


def test_session_cookie_flags(client, auth, firm_user):
    response = auth.login(firm_user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forms_need_the_csrf_token(app, client, auth, operator_user):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        auth.as_(operator_user)
        response = client.post("/my/platforms/new", data={"name": "无令牌"})
        assert response.status_code == 400 and "表单已过期" in response.get_data(as_text=True)
        page = client.get("/account/login").get_data(as_text=True)
        assert 'name="csrf_token"' in page
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_api_errors_are_json(client, db):
    response = client.get("/api/v1/offerings/999999")
    assert response.status_code == 404 and response.is_json and response.json["code"] == 404


def test_login_failures_are_logged_with_the_request_id_and_without_the_password(client, firm_user, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="marketplace")
    response = client.post(
        "/account/login",
        data={"email": firm_user.email, "password": "wrong-secret-123"},
        headers={"X-Request-Id": "req-42"},
    )
    assert response.headers["X-Request-Id"] == "req-42"
    records = [r for r in caplog.records if "login failed" in r.getMessage()]
    assert records and records[0].request_id == "req-42"
    assert "wrong-secret-123" not in caplog.text


def test_a_csrf_refusal_carries_the_request_id(app, client, auth, operator_user, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="marketplace")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        auth.as_(operator_user)
        response = client.post(
            "/my/platforms/new", data={"name": "无令牌"}, headers={"X-Request-Id": "req-csrf"}
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400 and response.headers["X-Request-Id"] == "req-csrf"
    records = [r for r in caplog.records if "csrf refused" in r.getMessage()]
    assert (
        records and records[0].request_id == "req-csrf" and "request_id=req-csrf" in records[0].getMessage()
    )


def refused_reads(caplog, request_id: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("marketplace")
        and "refused" in r.getMessage()
        and f"request_id={request_id}" in r.getMessage()
        and r.request_id == request_id
    ]


def test_refused_reads_of_hidden_objects_are_logged_with_the_request_id(client, auth, db, caplog):
    import logging

    from tests import factories

    caplog.set_level(logging.WARNING, logger="marketplace")
    firm = factories.UserFactory(role="firm")
    demand = factories.DemandFactory(organization=firm.organization, status="withdrawn")
    contacted = factories.PlatformFactory()
    factories.DemandContactFactory(demand=demand, platform=contacted)
    operator = factories.UserFactory(role="operator", organization=contacted.organization)
    paused = factories.OfferingFactory(status="paused")
    held = factories.OfferingFactory(status="held")
    confidential = factories.AttachmentFactory(owner=demand)
    db.session.commit()

    auth.as_(operator)  # the platform the firm had contacted, before the demand was withdrawn
    reads = {
        "req-demand": f"/demands/{demand.id}",
        "req-file": f"/attachments/{confidential.id}",
        "req-paused": f"/offerings/{paused.id}",
        "req-held": f"/offerings/{held.id}",
        "req-api": f"/api/v1/offerings/{held.id}",
    }
    for request_id, path in reads.items():
        response = client.get(path, headers={"X-Request-Id": request_id})
        assert response.status_code == 404 and response.headers["X-Request-Id"] == request_id
        logged = refused_reads(caplog, request_id)
        assert logged and all(f"path={path}" in message for message in logged), (path, logged)
        user = None if path.startswith("/api/") else operator.id  # the API knows only token users
        assert f"user={user} " in logged[0]
