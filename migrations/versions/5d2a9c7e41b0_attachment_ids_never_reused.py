"""attachment ids are never reused on SQLite (AUTOINCREMENT)

Without it SQLite hands the id of a deleted attachment to the next upload, so an old link to
/attachments/<id> would open someone else's file (access checks still apply). PostgreSQL sequences
never reuse ids, so nothing changes there.

Revision ID: 5d2a9c7e41b0
Revises: 72fe53db990f
Create Date: 2026-11-23 21:50:00

"""
from alembic import op

revision = "5d2a9c7e41b0"
down_revision = "72fe53db990f"
branch_labels = None
depends_on = None


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("attachments", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def upgrade():
    _recreate(True)


def downgrade():
    _recreate(False)
