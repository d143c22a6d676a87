"""signed-in pages at province scale: the firms' to-dos from an index

A firm's dashboard counts and lists the work waiting for it (to confirm, to rate, to record the
outcome of) among its bookings; with (org_id, status, completed_at, outcome) the database counts
them from the index and reads the first ones in order, whatever the number of its bookings.

Revision ID: 5e0c7a31d9f2
Revises: 8c41d2e7a9b3
Create Date: 2026-11-24 10:00:00

"""

from alembic import op

revision = "5e0c7a31d9f2"
down_revision = "8c41d2e7a9b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_org_status_done", ["org_id", "status", "completed_at", "outcome"], unique=False
        )


def downgrade():
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_org_status_done")
