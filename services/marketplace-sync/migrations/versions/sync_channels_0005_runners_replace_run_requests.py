"""channel runners replace coalesced sync run requests

Revision ID: sync_channels_0005
Revises: 918cd7dfa04e
Create Date: 2026-12-02 03:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sync_channels_0005"
down_revision: str | None = "918cd7dfa04e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The worker wakes its channel runners in-process; no queued sync task needs noting.
    with op.batch_alter_table("channel_locks", schema=None) as batch_op:
        batch_op.drop_column("run_requested")


def downgrade() -> None:
    with op.batch_alter_table("channel_locks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("run_requested", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
