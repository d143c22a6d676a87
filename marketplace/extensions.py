"""Extensions, created unbound and attached to the app in `register_extensions`."""

from __future__ import annotations

import sqlite3

from flask import Flask
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

from .paths import resource_path


class Base(DeclarativeBase):
    # Stable constraint names so Alembic migrations are reproducible on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
api = Api()


#: How long a SQLite writer waits for the one before it (seconds).
SQLITE_BUSY_SECONDS = 30


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, _record) -> None:
    """SQLite in write-ahead-log mode: several processes (web workers, the job worker, the CLI) share
    one file, and with WAL readers never wait for the writer nor it for them, and a commit costs one
    fsync instead of a journal's several. Writers still take turns: one at a time, each waiting up to
    SQLITE_BUSY_SECONDS for the previous one (the driver's default, 5 s, turned into 500s under a burst
    of bookings on a loaded machine). The mode is stored in the file; setting it again is free."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_path("migrations")), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    mail.init_app(app)
