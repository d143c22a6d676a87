"""catalogue at province scale: the search version, list indexes

`search_version` holds one number, bumped in the transaction of every change of a searchable row:
the key of the public pages' cached counts and page ids. Two indexes let the public lists (offerings
newest first, the demand hall) read a page or count without sorting or reading the rows.

Revision ID: 8c41d2e7a9b3
Revises: 8c3d5e7f9a10
Create Date: 2026-11-24 06:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "8c41d2e7a9b3"
down_revision = "8c3d5e7f9a10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offerings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_offerings_status_created", ["status", "created_at", "id", "platform_id"], unique=False
        )
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.create_index("ix_demands_status_published", ["status", "published_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.drop_index("ix_demands_status_published")
    with op.batch_alter_table("offerings", schema=None) as batch_op:
        batch_op.drop_index("ix_offerings_status_created")
    op.drop_table("search_version")
