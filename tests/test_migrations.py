"""The migrations build exactly the schema the models describe, and carry existing data over."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from marketplace import create_app
from marketplace.demands.models import Demand
from marketplace.extensions import db as _db
from marketplace.offerings.models import Offering
from marketplace.platforms.models import Platform

#: The revision that moves labels from '|a|b|' columns into tables of their own.
LABEL_TABLES = "254b6f9b8599"
SCRATCH_SCHEMA = "migration_scratch"


def test_models_and_migrations_do_not_drift(app, db):
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, _db.metadata)
    assert diff == [], f"models differ from migrations: {diff}; run `flask db migrate`"


@pytest.fixture
def scratch_app(app, tmp_path):
    """A second app on an empty database of its own (a SQLite file, or a PostgreSQL schema), so
    migrating it up and down leaves the session's test database alone."""
    config = {key: app.config[key] for key in ("TESTING", "SECRET_KEY", "SERVER_NAME", "SEARCH_WARMUP_TERMS")}
    config |= {"SEARCH_INDEX_DIR": str(tmp_path / "index"), "UPLOAD_DIR": str(tmp_path / "uploads")}
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    postgres = uri.startswith("postgresql")
    if postgres:
        with app.app_context(), _db.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
        connect_args = {"options": f"-csearch_path={SCRATCH_SCHEMA}"}
        config |= {
            "SQLALCHEMY_DATABASE_URI": uri,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": connect_args},
        }
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'scratch.sqlite'}"
    scratch = create_app(config)
    yield scratch
    with scratch.app_context():
        _db.session.remove()
        _db.engine.dispose()
    if postgres:
        with app.app_context(), _db.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {SCRATCH_SCHEMA} CASCADE"))


def _insert(conn, table: str, **values) -> None:
    placeholders = ", ".join(f":{name}" for name in values)
    conn.execute(text(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({placeholders})"), values)


def test_upgrade_moves_label_strings_into_tables_in_order_and_downgrade_restores_them(scratch_app):
    stamp = "2024-05-01 08:00:00"
    texts = {
        "description": "",
        "capabilities": "",
        "address": "",
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
        "sharing_rules": "",
        "fee_standard": "",
    }
    with scratch_app.app_context():
        scripts = ScriptDirectory(scratch_app.extensions["migrate"].directory)
        before = scripts.get_revision(LABEL_TABLES).down_revision
        upgrade(revision=before)
        with _db.engine.begin() as conn:
            _insert(
                conn, "organizations", id=1, ref="org-1", name="某公司", kind="enterprise", created_at=stamp
            )
            _insert(
                conn,
                "platforms",
                id=1,
                ref="plat-1",
                org_id=1,
                name="平台一",
                level="省级",
                city="青岛",
                domains="|高端化工|生物医药|",
                certifications="|CNAS|GMP|CMA|GMP|",
                status="approved",
                created_at=stamp,
                updated_at=stamp,
                **texts,
            )
            _insert(
                conn,
                "platforms",
                id=2,
                ref="plat-2",
                org_id=1,
                name="平台二",
                level="市级",
                city="济南",
                domains="||",
                certifications="|",
                status="draft",
                created_at=stamp,
                updated_at=stamp,
                **texts,
            )
            _insert(
                conn,
                "offerings",
                id=1,
                ref="off-1",
                platform_id=1,
                kind="equipment",
                title="发酵罐",
                description="",
                domains="|食品|生物医药|",
                specs="{}",
                is_bookable=False,
                status="active",
                created_at=stamp,
                updated_at=stamp,
            )
            _insert(
                conn,
                "demands",
                id=1,
                ref="dem-1",
                org_id=1,
                title="放大",
                description="",
                domains="|新材料|高端化工|",
                kinds="|service|equipment|",
                city_preference="|青岛|济南|",
                confidential_detail="",
                status="open",
                created_at=stamp,
                updated_at=stamp,
            )

        upgrade()
        first, second = _db.session.get(Platform, 1), _db.session.get(Platform, 2)
        assert first.domains == ["高端化工", "生物医药"] and first.certifications == ["CNAS", "GMP", "CMA"]
        assert second.domains == [] and second.certifications == []
        assert _db.session.get(Offering, 1).domains == ["食品", "生物医药"]
        demand = _db.session.get(Demand, 1)
        assert (demand.domains, demand.kinds, demand.city_preference) == (
            ["新材料", "高端化工"],
            ["service", "equipment"],
            ["青岛", "济南"],
        )
        _db.session.remove()

        downgrade(revision=before)
        with _db.engine.connect() as conn:
            assert conn.execute(text("SELECT domains, certifications FROM platforms ORDER BY id")).all() == [
                ("|高端化工|生物医药|", "|CNAS|GMP|CMA|"),
                ("|", "|"),
            ]
            assert conn.execute(text("SELECT domains FROM offerings")).scalar() == "|食品|生物医药|"
            assert conn.execute(text("SELECT domains, kinds, city_preference FROM demands")).one() == (
                "|新材料|高端化工|",
                "|service|equipment|",
                "|青岛|济南|",
            )


#: The revision that makes the search outbox a log read by each host with its own cursor.
SEARCH_HOSTS = "8c3f1d2e5a90"


def test_pending_outbox_rows_survive_the_hosts_revision_and_ids_are_never_reused(scratch_app):
    """Index work waiting when an existing deployment upgrades is still there afterwards, and from
    then on an outbox id is never handed out twice (a host's cursor would skip the second row)."""
    with scratch_app.app_context():
        scripts = ScriptDirectory(scratch_app.extensions["migrate"].directory)
        upgrade(revision=scripts.get_revision(SEARCH_HOSTS).down_revision)
        with _db.engine.begin() as conn:
            for doc_id in (1, 2):
                _insert(
                    conn,
                    "search_outbox",
                    doc_type="offering",
                    doc_id=doc_id,
                    created_at="2026-01-01 08:00:00",
                )
        upgrade()
        ids = []
        with _db.engine.begin() as conn:
            pending = conn.execute(text("SELECT id, doc_id FROM search_outbox ORDER BY id")).all()
            assert [doc_id for _, doc_id in pending] == [1, 2]
            for doc_id in (3, 4):  # every row applied and deleted before the next one is written
                conn.execute(text("DELETE FROM search_outbox"))
                _insert(
                    conn,
                    "search_outbox",
                    doc_type="offering",
                    doc_id=doc_id,
                    created_at="2026-01-01 09:00:00",
                )
                ids.append(conn.execute(text("SELECT id FROM search_outbox")).scalar())
        assert pending[-1][0] < ids[0] < ids[1]
