"""kit tables

Revision ID: 58b59f48b611
Revises:
Create Date: 2026-11-23 10:54:09.067391
"""

from collections.abc import Sequence

from ocop_kit.kit_migrations import downgrade_kit_tables_v1, upgrade_kit_tables_v1

revision: str = "58b59f48b611"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    upgrade_kit_tables_v1()


def downgrade() -> None:
    downgrade_kit_tables_v1()
