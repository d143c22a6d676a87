"""match feedback: a firm marks a matched offering useful or not (a new table, no data to move)

Revision ID: 81a0f737c16c
Revises: c5d8e1f20a47
Create Date: 2026-11-24 23:28:12

"""

import sqlalchemy as sa
from alembic import op

revision = "81a0f737c16c"
down_revision = "c5d8e1f20a47"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "match_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("useful", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demands.id"], name=op.f("fk_match_feedback_demand_id_demands"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offerings.id"],
            name=op.f("fk_match_feedback_offering_id_offerings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_match_feedback_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_feedback")),
        sa.UniqueConstraint("demand_id", "offering_id", name=op.f("uq_match_feedback_demand_id")),
    )
    with op.batch_alter_table("match_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_feedback_offering_id"), ["offering_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_match_feedback_updated_at"), ["updated_at"], unique=False)


def downgrade():
    op.drop_table("match_feedback")
