"""kit tables

Revision ID: 926cc25a16d2
Revises:
Create Date: 2026-11-23 10:54:08.520268
"""

from collections.abc import Sequence

from ocop_kit.kit_migrations import downgrade_kit_tables_v1, upgrade_kit_tables_v1

revision: str = "926cc25a16d2"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    upgrade_kit_tables_v1()


def downgrade() -> None:
    downgrade_kit_tables_v1()
