"""stored unread-message counts: the navigation's badge reads one row per user

Counting a user's unread messages from the messages and read marks takes thousands of index lookups
for a firm with thousands of bookings, on every page. The count is stored per user and kept exact by
every transaction that may change it (messaging/unread); a user without a row is counted live, so
the table starts empty: `flask messages recount` fills it.

Revision ID: b7e2c4a19d05
Revises: 5e0c7a31d9f2
Create Date: 2026-11-24 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7e2c4a19d05"
down_revision = "5e0c7a31d9f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unread_message_counts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade():
    op.drop_table("unread_message_counts")
