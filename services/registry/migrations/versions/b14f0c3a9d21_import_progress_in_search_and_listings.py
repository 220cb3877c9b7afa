"""import progress: the products of each import, and what search says is searchable

Revision ID: b14f0c3a9d21
Revises: 542ed54cddb4
Create Date: 2026-12-02 03:15:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ocop_kit.db  # noqa: F401

revision: str = 'b14f0c3a9d21'
down_revision: str | None = '542ed54cddb4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_products',
    sa.Column('import_id', sa.String(length=36), nullable=False),
    sa.Column('product_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('import_id', 'product_id', name=op.f('pk_import_products'))
    )
    op.create_table('search_visibility',
    sa.Column('product_id', sa.String(length=36), nullable=False),
    sa.Column('searchable', sa.Boolean(), nullable=False),
    sa.Column('updated_at', ocop_kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_search_visibility'))
    )


def downgrade() -> None:
    op.drop_table('search_visibility')
    op.drop_table('import_products')
