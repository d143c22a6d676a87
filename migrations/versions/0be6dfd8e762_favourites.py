"""favourites: offerings, platforms and demands a user keeps (a new table)

Revision ID: 0be6dfd8e762
Revises: d9b8b7db1fe7
Create Date: 2026-11-25 03:18:22.417344

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0be6dfd8e762"
down_revision = "d9b8b7db1fe7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "favourites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_favourites_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_favourites")),
        sa.UniqueConstraint("user_id", "item_type", "item_id", name=op.f("uq_favourites_user_id")),
    )


def downgrade():
    op.drop_table("favourites")
