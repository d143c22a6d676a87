"""signed-in pages at province scale: stored province medians, indexes of booking lists

Revision ID: 8c3d5e7f9a10
Revises: 8c3f1d2e5a90
Create Date: 2026-11-24 06:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8c3d5e7f9a10"
down_revision = "8c3f1d2e5a90"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evaluation_campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("medians", sa.JSON(), nullable=True))
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_org_created", ["org_id", "created_at"], unique=False)
        batch_op.create_index("ix_bookings_platform_created", ["platform_id", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_platform_created")
        batch_op.drop_index("ix_bookings_org_created")
    with op.batch_alter_table("evaluation_campaigns", schema=None) as batch_op:
        batch_op.drop_column("medians")
