"""coverage: each demand's best match when last matched, and administrators' actions on demands without
one (new tables; `flask coverage refresh` fills the first)

Revision ID: d9b8b7db1fe7
Revises: 703855f74c44
Create Date: 2026-11-25 02:57:38.025213

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d9b8b7db1fe7"
down_revision = "703855f74c44"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "demand_fits",
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("best_fit", sa.Float(), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=False),
        sa.Column("best_offering_id", sa.Integer(), nullable=True),
        sa.Column("matched_at", sa.DateTime(), nullable=False),
        sa.Column("unmet_since", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["best_offering_id"],
            ["offerings.id"],
            name=op.f("fk_demand_fits_best_offering_id_offerings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demands.id"], name=op.f("fk_demand_fits_demand_id_demands"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("demand_id", name=op.f("pk_demand_fits")),
    )
    with op.batch_alter_table("demand_fits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demand_fits_matched_at"), ["matched_at"], unique=False)

    op.create_table(
        "gap_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("platform_ids", sa.JSON(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_gap_actions_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demands.id"], name=op.f("fk_gap_actions_demand_id_demands"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gap_actions")),
    )
    with op.batch_alter_table("gap_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gap_actions_demand_id"), ["demand_id"], unique=False)


def downgrade():
    with op.batch_alter_table("gap_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gap_actions_demand_id"))

    op.drop_table("gap_actions")
    with op.batch_alter_table("demand_fits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_fits_matched_at"))

    op.drop_table("demand_fits")
