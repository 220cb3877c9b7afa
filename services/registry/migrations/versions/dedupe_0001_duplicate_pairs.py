"""duplicate pairs, merged products, import warnings

Revision ID: dedupe_0001
Revises: hardening_auth_0001
Create Date: 2026-12-02 03:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ocop_kit.db

revision: str = "dedupe_0001"
down_revision: str | None = "hardening_auth_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duplicate_pairs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("pair_key", sa.String(length=80), nullable=False),
        sa.Column("province_code", sa.String(length=4), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("other_id", sa.String(length=36), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("reason_en", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", ocop_kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", ocop_kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("duplicate_pairs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_duplicate_pairs_queue", ["province_code", "status", "id"], unique=False
        )
        batch_op.create_index("uq_duplicate_pairs_pair", ["pair_key"], unique=True)
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "warnings",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))
        batch_op.create_index(
            "ix_products_province_updated", ["province_code", "updated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_province_updated")
        batch_op.drop_column("merged_into")
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("warnings")
    with op.batch_alter_table("duplicate_pairs", schema=None) as batch_op:
        batch_op.drop_index("uq_duplicate_pairs_pair")
        batch_op.drop_index("ix_duplicate_pairs_queue")
    op.drop_table("duplicate_pairs")
