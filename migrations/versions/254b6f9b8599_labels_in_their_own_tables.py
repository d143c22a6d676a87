"""labels in their own tables: domains, certifications, kinds and city preferences

Each '|a|b|' column becomes a table (owner_id, value, position) so SQL can filter, group and
count labels. The data is copied in order (duplicates and empty labels dropped, as the primary key
(owner_id, value) asks); downgrade packs the rows back into the columns.

Revision ID: 254b6f9b8599
Revises: 0c7e16624957
Create Date: 2026-11-23 20:22:36.107670

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '254b6f9b8599'
down_revision = '0c7e16624957'
branch_labels = None
depends_on = None

#: (owner table, old '|a|b|' column, new label table)
LABELS = (
    ("platforms", "domains", "platform_domains"),
    ("platforms", "certifications", "platform_certifications"),
    ("offerings", "domains", "offering_domains"),
    ("demands", "domains", "demand_domains"),
    ("demands", "kinds", "demand_kinds"),
    ("demands", "city_preference", "demand_city_preferences"),
)
OLD_COLUMNS = {
    "platforms": ("domains", "certifications"),
    "offerings": ("domains",),
    "demands": ("domains", "kinds", "city_preference"),
}


def _unpack(packed):
    """'|a|b|' → ['a', 'b'], first occurrence of each label only."""
    return list(dict.fromkeys(v for v in (packed or "").split("|") if v))


def upgrade():
    conn = op.get_bind()
    for owner, column, name in LABELS:
        table = op.create_table(
            name,
            sa.Column('owner_id', sa.Integer(), nullable=False),
            sa.Column('value', sa.String(length=500), nullable=False),
            sa.Column('position', sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(['owner_id'], [f'{owner}.id'], name=op.f(f'fk_{name}_owner_id_{owner}'),
                                    ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('owner_id', 'value', name=op.f(f'pk_{name}')),
        )
        op.create_index(op.f(f'ix_{name}_value'), name, ['value'], unique=False)
        old = sa.table(owner, sa.column('id', sa.Integer()), sa.column(column, sa.String()))
        rows = [
            {"owner_id": owner_id, "value": value, "position": position}
            for owner_id, packed in conn.execute(sa.select(old.c.id, old.c[column]).order_by(old.c.id))
            for position, value in enumerate(_unpack(packed))
        ]
        if rows:
            op.bulk_insert(table, rows)

    for owner, columns in OLD_COLUMNS.items():
        with op.batch_alter_table(owner, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)


def downgrade():
    conn = op.get_bind()
    for owner, columns in OLD_COLUMNS.items():
        with op.batch_alter_table(owner, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(
                    sa.Column(column, sa.String(length=500), nullable=False, server_default='|'))

    for owner, column, name in LABELS:
        rows = sa.table(name, sa.column('owner_id', sa.Integer()), sa.column('value', sa.String()),
                        sa.column('position', sa.Integer()))
        packed = {}
        for owner_id, value in conn.execute(
                sa.select(rows.c.owner_id, rows.c.value).order_by(rows.c.owner_id, rows.c.position)):
            packed.setdefault(owner_id, []).append(value)
        if packed:
            old = sa.table(owner, sa.column('id', sa.Integer()), sa.column(column, sa.String()))
            conn.execute(
                old.update().where(old.c.id == sa.bindparam('owner_id'))
                .values({column: sa.bindparam('packed')}),
                [{"owner_id": i, "packed": "|" + "|".join(values) + "|"} for i, values in packed.items()],
            )
        op.drop_index(op.f(f'ix_{name}_value'), table_name=name)
        op.drop_table(name)

    for owner, columns in OLD_COLUMNS.items():
        with op.batch_alter_table(owner, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=sa.String(length=500), server_default=None)
