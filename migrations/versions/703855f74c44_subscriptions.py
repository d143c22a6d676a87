"""subscriptions: saved searches, follows and the matcher's pushes with their deliveries; notice
categories; mail headers (List-Unsubscribe); outbox readers (new tables and columns, no data to move)

Revision ID: 703855f74c44
Revises: 81a0f737c16c
Create Date: 2026-11-25 02:08:53.976848

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "703855f74c44"
down_revision = "81a0f737c16c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_readers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("outbox_cursor", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_readers")),
        sa.UniqueConstraint("name", name=op.f("uq_outbox_readers_name")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.JSON(), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("frequency", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_subscriptions_platform_id_platforms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_subscriptions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("user_id", "kind", "target", name=op.f("uq_subscriptions_user_id")),
    )
    op.create_table(
        "subscription_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("mailed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_hits_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_subscription_hits_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_hits")),
        sa.UniqueConstraint("user_id", "item_type", "item_id", name=op.f("uq_subscription_hits_user_id")),
    )
    with op.batch_alter_table("subscription_hits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscription_hits_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index("ix_subscription_hits_unmailed", ["mailed_at", "user_id"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("category", sa.String(length=20), server_default="service", nullable=False)
        )
        batch_op.create_index("ix_notifications_user_unread", ["user_id", "read_at"], unique=False)

    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_column("headers")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_unread")
        batch_op.drop_column("category")

    with op.batch_alter_table("subscription_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_subscription_hits_unmailed")
        batch_op.drop_index(batch_op.f("ix_subscription_hits_subscription_id"))

    op.drop_table("subscription_hits")
    op.drop_table("subscriptions")
    op.drop_table("outbox_readers")
