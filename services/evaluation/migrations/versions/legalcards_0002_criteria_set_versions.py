"""criteria-set versions loaded by offices; sessions keep the version they use; products carry
their product set; sheets keep the answers chosen; applications start from the previous one

Revision ID: legalcards_0002
Revises: 146622e0e181
Create Date: 2026-12-02 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ocop_kit.db

revision: str = "legalcards_0002"
down_revision: str | None = "146622e0e181"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "criteria_set_versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("set_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("body", ocop_kit.db.JSONType, nullable=False),
        sa.Column("uploaded_by", sa.String(length=128), nullable=False),
        sa.Column("uploaded_at", ocop_kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("set_id", "version", name="uq_criteria_set_versions"),
    )
    with op.batch_alter_table("criteria_set_versions", schema=None) as batch_op:
        batch_op.create_index("ix_criteria_set_versions_set_id", ["set_id"], unique=False)
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("criteria_set_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("criteria_set_body", ocop_kit.db.JSONType, nullable=True))
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_set", sa.String(length=64), nullable=True))
    for table in ("score_sheets", "score_revisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("answers", ocop_kit.db.JSONType, nullable=False, server_default="{}")
            )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_application_id", sa.String(36), nullable=True))
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carried_from", sa.String(36), nullable=True))
        batch_op.add_column(sa.Column("file_key", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("file_key")
        batch_op.drop_column("carried_from")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("previous_application_id")
    for table in ("score_sheets", "score_revisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("answers")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("product_set")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("criteria_set_body")
        batch_op.drop_column("criteria_set_version")
    with op.batch_alter_table("criteria_set_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_criteria_set_versions_set_id")
    op.drop_table("criteria_set_versions")
