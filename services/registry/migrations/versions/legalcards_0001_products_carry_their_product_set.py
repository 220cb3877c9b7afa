"""products carry their product set (bộ sản phẩm, Decision 26/2026)

Revision ID: legalcards_0001
Revises: dedupe_0001
Create Date: 2026-12-02 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ocop_registry.catalog.groups import infer_product_set

revision: str = "legalcards_0001"
down_revision: str | None = "dedupe_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_set", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_products_product_set", ["product_set"])
    # Existing products get the set their group implies where it implies one; the others wait
    # for an officer to choose (no guess).
    connection = op.get_bind()
    groups = connection.execute(sa.text('SELECT DISTINCT "group" FROM products')).scalars()
    for group in list(groups):
        product_set = infer_product_set(group)
        if product_set is not None:
            connection.execute(
                sa.text('UPDATE products SET product_set = :set WHERE "group" = :group'),
                {"set": product_set, "group": group},
            )


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_product_set")
        batch_op.drop_column("product_set")
