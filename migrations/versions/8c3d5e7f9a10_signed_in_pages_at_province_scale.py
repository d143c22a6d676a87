"""signed-in pages at province scale: stored province medians, indexes of booking lists

Revision ID: 8c3d5e7f9a10
Revises: 2a57c0f00377
Create Date: 2026-11-24 06:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8c3d5e7f9a10"
down_revision = "2a57c0f00377"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evaluation_campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("medians", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("evaluation_campaigns", schema=None) as batch_op:
        batch_op.drop_column("medians")
