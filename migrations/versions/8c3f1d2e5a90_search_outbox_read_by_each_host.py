"""search outbox read by each application host with its own cursor

`search_hosts` holds each host's cursor (the last outbox id applied to its index replica). Outbox
ids must never be reused, or a cursor could skip a row: SQLite gets AUTOINCREMENT on the table
(rebuilt in batch mode, its pending rows copied over); PostgreSQL's sequence never reuses ids.

Pending rows survive: the existing host registers at its first drain with its cursor just before
the first pending row (see `indexer._follow`), and no row is deleted before every host has
applied it.

Revision ID: 8c3f1d2e5a90
Revises: 2a57c0f00377
Create Date: 2026-12-02 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "8c3f1d2e5a90"
down_revision = "2a57c0f00377"
branch_labels = None
depends_on = None


def _outbox_autoincrement(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("search_outbox", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def upgrade():
    op.create_table(
        "search_hosts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("outbox_cursor", sa.Integer(), nullable=False),
        sa.Column("generation", sa.String(length=100), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_hosts")),
        sa.UniqueConstraint("name", name=op.f("uq_search_hosts_name")),
    )
    _outbox_autoincrement(True)


def downgrade():
    _outbox_autoincrement(False)
    op.drop_table("search_hosts")
