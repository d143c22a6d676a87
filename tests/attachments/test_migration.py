"""The migration to one attachments table carries existing files over, both ways."""

from datetime import datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import DateTime, bindparam, text

from tests import factories

REVISION = "098dbeee6b38"  # one attachments table for every owner
BEFORE = f"{REVISION}-1"

OLD_OFFERING_FILE = {
    "filename": "罐体.png",
    "stored_name": "a" * 32 + ".png",
    "content_type": "image/png",
    "size": 1024,
    "created_at": datetime(2026, 1, 2, 3, 4, 5),
}
OLD_DEMAND_FILE = {
    "filename": "工艺说明.pdf",
    "stored_name": "b" * 32 + ".pdf",
    "content_type": "application/pdf",
    "size": 2048,
    "created_at": datetime(2026, 2, 3, 4, 5, 6),
}
COLUMNS = "filename, stored_name, content_type, size, created_at"


def rows(db, sql: str) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql).columns(created_at=DateTime))]


def insert(conn, sql: str, **params) -> None:
    conn.execute(text(sql).bindparams(bindparam("created_at", type_=DateTime)), params)


def test_files_move_into_one_table_and_back(app, db):
    offering, demand = factories.OfferingFactory(), factories.DemandFactory()
    db.session.commit()
    offering_id, demand_id = offering.id, demand.id
    db.session.close()
    try:
        downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            insert(
                conn,
                f"INSERT INTO attachments (id, offering_id, {COLUMNS}) VALUES "
                "(41, :owner, :filename, :stored_name, :content_type, :size, :created_at)",
                owner=offering_id,
                **OLD_OFFERING_FILE,
            )
            insert(
                conn,
                f"INSERT INTO demand_attachments (demand_id, {COLUMNS}) VALUES "
                "(:owner, :filename, :stored_name, :content_type, :size, :created_at)",
                owner=demand_id,
                **OLD_DEMAND_FILE,
            )

        upgrade(revision=REVISION)
        moved = rows(
            db,
            f"SELECT id, owner_type, owner_id, purpose, uploaded_by_id, {COLUMNS} "
            "FROM attachments ORDER BY id",
        )
        assert moved[0] == {
            "id": 41,
            "owner_type": "offering",
            "owner_id": offering_id,
            "purpose": None,
            "uploaded_by_id": None,
            **OLD_OFFERING_FILE,
        }  # same id: its URL still works
        assert moved[1:] == [
            {
                "id": moved[1]["id"],
                "owner_type": "demand",
                "owner_id": demand_id,
                "purpose": None,
                "uploaded_by_id": None,
                **OLD_DEMAND_FILE,
            }
        ]

        downgrade(revision=BEFORE)
        assert rows(db, f"SELECT id, offering_id, {COLUMNS} FROM attachments") == [
            {"id": 41, "offering_id": offering_id, **OLD_OFFERING_FILE}
        ]
        assert rows(db, f"SELECT demand_id, {COLUMNS} FROM demand_attachments") == [
            {"demand_id": demand_id, **OLD_DEMAND_FILE}
        ]
    finally:
        upgrade()
