"""Fixtures: one app per session on SQLite (or PostgreSQL when MARKETPLACE_TEST_DATABASE_URL is
set), schema built by the real migrations, every table emptied and the index removed after each test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from marketplace import create_app
from marketplace.extensions import db as _db

from . import factories

PASSWORD = factories.PASSWORD


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g` and its own
    database session, so nothing leaks between requests or from the test's session. The test's
    session is expired afterwards, so it reads what the request committed."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if _db.session.registry.has():
            _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("marketplace")
    uri = os.environ.get("MARKETPLACE_TEST_DATABASE_URL") or f"sqlite:///{tmp / 'test.sqlite'}"
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": uri,
        "SEARCH_INDEX_DIR": str(tmp / "index"),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "WTF_CSRF_ENABLED": False,
        "MAIL_SUPPRESS_SEND": True,
        "SERVER_NAME": "localhost",
        "SEARCH_WARMUP_TERMS": 0,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    return app


@pytest.fixture
def db(app):
    """The database, empty at the start of every test; the search index starts empty too."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())
        shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]), ignore_errors=True)
        shutil.rmtree(Path(app.config["UPLOAD_DIR"]), ignore_errors=True)
        app.extensions.pop("captured_mail", None)


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def mail(app):
    """Mail captured instead of sent (newest last)."""
    return app.extensions.setdefault("captured_mail", [])


@pytest.fixture
def freeze_now(monkeypatch):
    """Stop the application's clock: `freeze_now(datetime(2026, 3, 1, 17, tzinfo=UTC))`. Every "now"
    (timestamps, local today, deadlines, session ages) follows; returns the moment."""
    from marketplace.core import timeutil

    def freeze(moment):
        assert moment.tzinfo is not None, "freeze the clock at an aware moment"
        monkeypatch.setattr(timeutil, "clock", lambda: moment)
        return moment

    return freeze


class Auth:
    """Log a user in, through the real form or straight into the session."""

    def __init__(self, client):
        self.client = client

    def login(self, user, password: str = PASSWORD, **extra):
        return self.client.post("/account/login", data={"email": user.email, "password": password, **extra})

    def as_(self, user):
        from marketplace.core.models import utcnow

        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["login_at"] = utcnow().timestamp()
        return user

    def logout(self):
        return self.client.post("/account/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def _committed_user(db, role: str):
    user = factories.UserFactory(role=role)
    db.session.commit()
    return user


@pytest.fixture
def firm_user(db):
    return _committed_user(db, "firm")


@pytest.fixture
def operator_user(db):
    return _committed_user(db, "operator")


@pytest.fixture
def admin_user(db):
    return _committed_user(db, "admin")


@pytest.fixture
def expert_user(db):
    return _committed_user(db, "expert")
