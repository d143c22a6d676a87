"""anonymous demands: demands.is_anonymous (existing demands stay named)

Revision ID: 5d1e0a7c3b42
Revises: 5b1e0f3a9c27
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1e0a7c3b42'
down_revision = '5b1e0f3a9c27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('demands', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_anonymous', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('demands', schema=None) as batch_op:
        batch_op.drop_column('is_anonymous')
