"""change counters: the committed changes of private rows per organisation, keying signed-in pages

Pages kept for signed-in users (core.cache.member_page) are keyed by the public content's version and by
the counter of the user's organisation (`org:<id>`; `all` for administrators; `*` for every one), which
each transaction changing private rows (messages, notifications, inquiries …) bumps (core.changes). The
table starts empty: a counter never bumped reads 0, and its first bump starts at a random number.

Revision ID: c5d8e1f20a47
Revises: b7e2c4a19d05
Create Date: 2026-11-24 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c5d8e1f20a47"
down_revision = "b7e2c4a19d05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "change_counters",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )


def downgrade():
    op.drop_table("change_counters")
