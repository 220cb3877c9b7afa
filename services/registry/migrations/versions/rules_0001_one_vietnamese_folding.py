"""keys folded by the kit's one Vietnamese folding

The registry's name and address keys were folded by a copy of its own that kept Korean letters
decomposed and kept invisible variation selectors; the kit's folding (the one search uses)
recomposes the first and drops the second. Keys of Vietnamese and Latin text do not change; the
few that do are written again here, so a name typed today finds the producer or product stored
before. A producer whose new key would equal another's keeps its old key (the two stay apart,
as they were).

Revision ID: rules_0001
Revises: legalcards_0001
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ocop_kit.text import matching_key

revision: str = "rules_0001"
down_revision: str | None = "resets_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _address_key(ward_code: str | None, province_code: str, street: str | None) -> str:
    # As producers.service.address_key builds it: current ward (or province) plus street.
    return f"{ward_code or province_code}|{matching_key(street or '')}"


def upgrade() -> None:
    connection = op.get_bind()
    products = connection.execute(sa.text("SELECT id, name, name_key FROM products")).all()
    for product_id, name, name_key in products:
        key = matching_key(name)
        if key != name_key:
            connection.execute(
                sa.text("UPDATE products SET name_key = :key WHERE id = :id"),
                {"key": key, "id": product_id},
            )
    producers = connection.execute(
        sa.text(
            "SELECT id, name, name_key, ward_code, province_code, street, address_key "
            "FROM producers"
        )
    ).all()
    taken = {(row.name_key, row.address_key) for row in producers}
    for row in producers:
        new = (matching_key(row.name), _address_key(row.ward_code, row.province_code, row.street))
        if new == (row.name_key, row.address_key) or new in taken:
            continue
        taken.discard((row.name_key, row.address_key))
        taken.add(new)
        connection.execute(
            sa.text("UPDATE producers SET name_key = :name, address_key = :address WHERE id = :id"),
            {"name": new[0], "address": new[1], "id": row.id},
        )


def downgrade() -> None:
    # Keys of the kit's folding serve the older code as well as they can: nothing to undo.
    pass
