"""Fixtures: one app per session on SQLite (or PostgreSQL when MARKETPLACE_TEST_DATABASE_URL is
set), schema built by the real migrations, every table emptied and the index removed after each test.
Jobs run at once in-process; the `jobs` fixture uses the real queue (SQLite, or Redis when
MARKETPLACE_TEST_JOBS_BACKEND=redis and MARKETPLACE_TEST_JOBS_REDIS_URL are set)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from marketplace import create_app
from marketplace.extensions import db as _db

from . import factories

PASSWORD = factories.PASSWORD

#: The shared judged sets live beside the checkout, in ../shared; a user's clone has none.
SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


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
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": uri,
            "SEARCH_INDEX_DIR": str(tmp / "index"),
            "UPLOAD_DIR": str(tmp / "uploads"),
            "PAGE_CACHE_DIR": str(tmp / "page-cache"),
            "WTF_CSRF_ENABLED": False,
            "MAIL_SUPPRESS_SEND": True,
            "SERVER_NAME": "localhost",
            "SEARCH_WARMUP_TERMS": 0,
            # Jobs run in-process at once, as before there was a queue; the `jobs` fixture queues them for
            # real on the backend that scripts/test.sh names (SQLite storage, or Redis in the second pass).
            "JOBS_IMMEDIATE": True,
            "JOBS_BACKEND": os.environ.get("MARKETPLACE_TEST_JOBS_BACKEND", "sqlite"),
            "JOBS_SQLITE_PATH": str(tmp / "jobs.sqlite"),
            "JOBS_REDIS_URL": os.environ.get("MARKETPLACE_TEST_JOBS_REDIS_URL", ""),
        }
    )
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
        shutil.rmtree(Path(app.config["PAGE_CACHE_DIR"]), ignore_errors=True)
        for name in ("captured_mail", "pages", "member_pages", "versioned_caches", "demand_matches"):
            app.extensions.pop(name, None)


def _huey_time(at: datetime | None) -> datetime | None:
    """Huey's clock is naive UTC; the application's is aware UTC."""
    return at.astimezone(UTC).replace(tzinfo=None) if at is not None and at.tzinfo else at


class Jobs:
    """The real queue of the test app, worked the way `flask jobs worker` works it (times: UTC)."""

    def __init__(self, huey):
        self.huey = huey

    def pending(self) -> list[str]:
        return [task.name for task in self.huey.pending()]

    def run(self, at: datetime | None = None) -> int:
        """Dequeue and execute until the queue is empty (a worker thread's loop), as if at `at`
        (default now). Returns the count."""
        at = _huey_time(at)
        count = 0
        while self.huey.pending_count():
            task = self.huey.dequeue()
            if task is not None:
                self.huey.execute(task, at)
                count += 1
        return count

    def run_scheduled(self, at: datetime) -> int:
        """Enqueue what is scheduled (retries) up to `at`, as the scheduler does, and run it."""
        for task in self.huey.read_schedule(_huey_time(at)):
            self.huey.enqueue(task)
        return self.run(at)

    def periodic_due(self, at: datetime) -> list[str]:
        return sorted(task.name for task in self.huey.read_periodic(_huey_time(at)))

    def run_periodic(self, at: datetime) -> int:
        """Enqueue the periodic jobs due at `at`, as the scheduler does, and run the queue."""
        for task in self.huey.read_periodic(_huey_time(at)):
            self.huey.enqueue(task)
        return self.run()


@pytest.fixture
def jobs(app, db):
    """Jobs queued for real on the configured backend (SQLite storage, or Redis) instead of run at once."""
    from marketplace.core.jobs import huey, init_jobs

    app.config["JOBS_IMMEDIATE"] = False
    init_jobs(app)
    huey.flush()
    try:
        yield Jobs(huey)
    finally:
        huey.flush()
        app.config["JOBS_IMMEDIATE"] = True
        init_jobs(app)


@pytest.fixture
def shared_eval():
    """The folder of the shared judged sets; the test is skipped, naming the path, when it is absent."""
    if not (SHARED_EVAL / "dev_set.json").is_file():
        pytest.skip(f"needs the shared judged set {SHARED_EVAL / 'dev_set.json'}, absent beside this clone")
    return SHARED_EVAL


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def process_env(app, tmp_path):
    """Environment for a separate process of the app (`flask …`, gunicorn) on the test database,
    with its own index, uploads and jobs run at once (MARKETPLACE_* settings)."""
    return {
        **os.environ,
        "FLASK_APP": "marketplace",
        "MARKETPLACE_SECRET_KEY": "test-secret",
        "MARKETPLACE_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "MARKETPLACE_SEARCH_INDEX_DIR": str(tmp_path / "process-index"),
        "MARKETPLACE_UPLOAD_DIR": str(tmp_path / "process-uploads"),
        "MARKETPLACE_PAGE_CACHE_DIR": str(tmp_path / "process-page-cache"),
        "MARKETPLACE_JOBS_IMMEDIATE": "true",
        "MARKETPLACE_JOBS_SQLITE_PATH": str(tmp_path / "process-jobs.sqlite"),
        "MARKETPLACE_SEARCH_WARMUP_TERMS": "0",
    }


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
