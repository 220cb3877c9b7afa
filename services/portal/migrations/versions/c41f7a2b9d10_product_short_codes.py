"""product short codes

Revision ID: c41f7a2b9d10
Revises: a789dff61f4a
Create Date: 2026-12-02 06:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ocop_kit.db


revision: str = 'c41f7a2b9d10'
down_revision: str | None = 'a789dff61f4a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('product_short_codes',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('product_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', ocop_kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_product_short_codes')),
    sa.UniqueConstraint('product_id', name=op.f('uq_product_short_codes_product_id'))
    )


def downgrade() -> None:
    op.drop_table('product_short_codes')
