"""one attachments table for every owner (owner_type, owner_id, purpose, uploaded_by_id)

Offering attachments stay in `attachments` (same ids, so their URLs keep working); the rows of
`demand_attachments` move in with owner_type 'demand'; stored names, file names, content types,
sizes and creation times are kept. The files on disk are not touched.

Revision ID: 098dbeee6b38
Revises: 254b6f9b8599
Create Date: 2026-11-23 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '098dbeee6b38'
down_revision = '254b6f9b8599'
branch_labels = None
depends_on = None

FILE_COLUMNS = "filename, stored_name, content_type, size, created_at"


def upgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('purpose', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('uploaded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_attachments_uploaded_by_id_users'), 'users',
                                    ['uploaded_by_id'], ['id'], ondelete='SET NULL')

    op.execute("UPDATE attachments SET owner_type = 'offering', owner_id = offering_id")

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.alter_column('owner_type', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('owner_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_attachments_offering_id'))
        batch_op.drop_constraint(batch_op.f('fk_attachments_offering_id_offerings'), type_='foreignkey')
        batch_op.drop_column('offering_id')
        batch_op.create_index('ix_attachments_owner', ['owner_type', 'owner_id'], unique=False)

    op.execute(
        f"INSERT INTO attachments (owner_type, owner_id, {FILE_COLUMNS}) "
        f"SELECT 'demand', demand_id, {FILE_COLUMNS} FROM demand_attachments ORDER BY id"
    )

    with op.batch_alter_table('demand_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_attachments_demand_id'))
    op.drop_table('demand_attachments')


def downgrade():
    op.create_table('demand_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['demand_id'], ['demands.id'],
                            name=op.f('fk_demand_attachments_demand_id_demands'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_demand_attachments_stored_name'))
    )
    with op.batch_alter_table('demand_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demand_attachments_demand_id'), ['demand_id'], unique=False)

    op.execute(
        f"INSERT INTO demand_attachments (demand_id, {FILE_COLUMNS}) "
        f"SELECT owner_id, {FILE_COLUMNS} FROM attachments "
        "WHERE owner_type = 'demand' AND owner_id IN (SELECT id FROM demands) ORDER BY id"
    )
    # The old schema has room only for offerings' attachments (rows of later owner types are lost).
    op.execute(
        "DELETE FROM attachments WHERE owner_type <> 'offering' "
        "OR owner_id NOT IN (SELECT id FROM offerings)"
    )

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offering_id', sa.Integer(), nullable=True))
    op.execute("UPDATE attachments SET offering_id = owner_id")

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.alter_column('offering_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachments_offering_id_offerings'), 'offerings',
                                    ['offering_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_attachments_offering_id'), ['offering_id'], unique=False)
        batch_op.drop_index('ix_attachments_owner')
        batch_op.drop_constraint(batch_op.f('fk_attachments_uploaded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('uploaded_by_id')
        batch_op.drop_column('purpose')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('owner_type')
