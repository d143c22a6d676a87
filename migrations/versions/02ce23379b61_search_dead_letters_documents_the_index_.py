"""search dead letters: documents the index could not build or write, set aside with their error (a new table)

Revision ID: 02ce23379b61
Revises: 5d2a9c7e41b0
Create Date: 2026-11-23 21:21:03.636564

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '02ce23379b61'
down_revision = '5d2a9c7e41b0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_dead_letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=20), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('first_failed_at', sa.DateTime(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_dead_letters')),
    sa.UniqueConstraint('doc_type', 'doc_id', name=op.f('uq_search_dead_letters_doc_type'))
    )
    with op.batch_alter_table('search_dead_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_dead_letters_next_attempt_at'), ['next_attempt_at'], unique=False)



def downgrade():
    with op.batch_alter_table('search_dead_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_dead_letters_next_attempt_at'))

    op.drop_table('search_dead_letters')
